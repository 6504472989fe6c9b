"""Consistent backups of the database while the app keeps running.

SQLite: the online backup API copies a consistent snapshot page by page (writers may go on).
PostgreSQL: ``pg_dump`` in its custom format (restore with ``pg_restore``), which must be
installed and of the server's major version or newer. The README's "Backups and restore"
section gives the restore steps; the tests restore into a fresh database and compare.
"""
import os
import shutil
import sqlite3
import subprocess
from datetime import datetime, timezone

from sqlalchemy.engine import make_url

from app.extensions import db


class BackupError(Exception):
    pass


def target_path(path, engine_name, now=None):
    """``path`` itself, or a time-stamped file inside it when it is a directory."""
    if os.path.isdir(path):
        stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%d-%H%M%S")
        return os.path.join(path, f"posylka-{stamp}.{'db' if engine_name == 'sqlite' else 'dump'}")
    return path


def backup(path):
    """Write a backup of the app's database to ``path``; returns the file written."""
    url = make_url(db.engine.url)
    path = target_path(path, url.get_backend_name())
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.partial"
    if url.get_backend_name() == "sqlite":
        _sqlite_backup(url.database, tmp)
    elif url.get_backend_name() == "postgresql":
        _pg_dump(url, tmp)
    else:
        raise BackupError(f"backups of {url.get_backend_name()} databases are not supported")
    os.chmod(tmp, 0o600)  # personal data: readable by the app's own user only, whatever the umask
    os.replace(tmp, path)
    return path


def _sqlite_backup(source, tmp):
    if os.path.exists(tmp):
        os.unlink(tmp)
    src = sqlite3.connect(source)
    dest = sqlite3.connect(tmp)
    try:
        with dest:
            src.backup(dest, pages=1024)
        dest.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
    finally:
        dest.close()
        src.close()


def pg_environment(url):
    """libpq environment for ``url`` (the password goes in the environment, not argv)."""
    env = dict(os.environ)
    for key, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                       ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):
        if value not in (None, ""):
            env[key] = str(value)
    return env


def _pg_dump(url, tmp):
    executable = shutil.which("pg_dump")
    if executable is None:
        raise BackupError("pg_dump is not installed (Debian/Ubuntu: apt-get install postgresql-client)")
    result = subprocess.run([executable, "--format=custom", "--no-owner", "--no-privileges", "--file", tmp],
                            env=pg_environment(url), capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise BackupError("pg_dump failed: " + (result.stderr.strip().splitlines() or ["(no message)"])[-1])
