"""``flask backup PATH`` and the documented restore, on SQLite and PostgreSQL."""
import shutil
import subprocess

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from app.backup import pg_environment


def _contents(url):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {table: sorted(tuple(map(str, row)) for row in conn.execute(text(f'SELECT * FROM "{table}"')))
                    for table in inspect(engine).get_table_names()}
    finally:
        engine.dispose()


def test_backup_and_restore_give_the_same_database(app, db, runner, make_order, make_user, tmp_path):
    runner.invoke(args=["demo-data"])
    make_order(status="delivered", note="Примітка для резервної копії")
    url = make_url(db.engine.url)
    original = _contents(url)
    assert sum(len(rows) for rows in original.values()) > 100

    result = runner.invoke(args=["backup", str(tmp_path)])  # a folder: a time-stamped file inside
    assert result.exit_code == 0, result.output
    written = result.output.split("Backup written to ")[1].split(" (")[0]
    assert written.startswith(str(tmp_path))

    if url.get_backend_name() == "sqlite":
        # Restore (README): stop the app, put the file in place of the database, start again.
        restored = tmp_path / "restored.db"
        shutil.copyfile(written, restored)
        restored_url = f"sqlite:///{restored}"
    else:
        # Restore (README): pg_restore --clean --if-exists --no-owner into an empty database.
        fresh = url.set(database=f"{url.database}_restore")
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{fresh.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{fresh.database}"'))
        subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--dbname",
                        fresh.database, written], env=pg_environment(fresh), check=True, capture_output=True)
        restored_url = fresh
    try:
        assert _contents(restored_url) == original
    finally:
        if url.get_backend_name() != "sqlite":
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{fresh.database}" WITH (FORCE)'))
            admin.dispose()


def test_backup_makes_folders_or_says_what_is_missing(app, db, runner, tmp_path, monkeypatch):
    target = tmp_path / "nested" / "folder" / "backup.file"
    if db.engine.dialect.name == "sqlite":
        result = runner.invoke(args=["backup", str(target)])
        assert result.exit_code == 0 and target.exists()
    else:
        monkeypatch.setenv("PATH", str(tmp_path))  # a server without the PostgreSQL client tools
        result = runner.invoke(args=["backup", str(target)])
        assert result.exit_code != 0 and "pg_dump is not installed" in result.output
        assert not target.exists()
