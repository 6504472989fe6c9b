"""What ``/healthz`` checks: can the app read and write its database right now?

``SELECT 1`` on a pooled connection proves little: on SQLite it never touches the file, so a
database that another process has locked, or a file without the schema, still answers "ok"
while every page that writes waits 15 s and fails. The check instead reads the schema version
and, on SQLite, takes and at once releases the write lock; on PostgreSQL it asks whether the
server accepts writes (a standby or a read-only database does not). Each step is bounded by
``HEALTHZ_TIMEOUT_SECONDS``, so a monitor gets an answer instead of a hung worker.

The check costs one short transaction and writes nothing. Anyone may call it, so a ``Problem``
keeps the database's own words (a file path, an SQL fragment) in ``cause``, for the log only:
callers get the part's code and a fixed sentence.
"""
import sqlite3
from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError


@dataclass(frozen=True)
class Problem:
    """Why the database is not usable: a short code for scripts, a fixed sentence for people, and
    the error's own text for the operator's log (never in the answer)."""

    code: str
    detail: str
    cause: str = ""


def check_database(engine, timeout_seconds):
    """None when the database can be read and written, else a ``Problem``."""
    if engine.dialect.name == "sqlite" and _sqlite_file(engine.url):
        return _check_sqlite_file(_sqlite_file(engine.url), timeout_seconds)
    return _check_pooled(engine, timeout_seconds)


def _sqlite_file(url):
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:") or url.query.get("mode") == "memory":
        return None
    return database


def _check_sqlite_file(path, timeout_seconds):
    """On a connection of its own: the pool's connections wait up to 15 s for a lock (app/database.py)."""
    try:
        # mode=rw: a missing file is a problem to report, not a new empty database to create
        conn = sqlite3.connect(f"file:{quote(path)}?mode=rw", uri=True, timeout=timeout_seconds,
                               isolation_level=None)
    except sqlite3.Error as error:
        return Problem("unreachable", "The SQLite file cannot be opened.", str(error))
    try:
        conn.execute("SELECT version_num FROM alembic_version").fetchone()
        conn.execute("BEGIN IMMEDIATE")  # the write lock, as any write takes it; nothing is written
        conn.execute("ROLLBACK")
    except sqlite3.Error as error:
        return _sqlite_problem(str(error), timeout_seconds)
    finally:
        conn.close()
    return None


def _sqlite_problem(cause, timeout_seconds):
    message = cause.lower()
    if "locked" in message or "busy" in message:
        return Problem("locked", f"The database is locked: no write could start within {timeout_seconds:g} s "
                                 f"(another process holds SQLite's lock, or a write that long is running).", cause)
    if "no such table" in message:
        return Problem("not migrated", "The database has no schema: run `flask --app wsgi db upgrade`.", cause)
    if "readonly" in message or "read-only" in message:
        return Problem("read-only", "The database file cannot be written.", cause)
    return Problem("error", "The database answered with an error.", cause)


def _check_pooled(engine, timeout_seconds):
    milliseconds = max(1, int(timeout_seconds * 1000))
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text(f"SET LOCAL statement_timeout = {milliseconds}"))
                conn.execute(text(f"SET LOCAL lock_timeout = {milliseconds}"))
            conn.execute(text("SELECT version_num FROM alembic_version")).first()
            read_only = (engine.dialect.name == "postgresql"
                         and conn.execute(text("SHOW transaction_read_only")).scalar() == "on")
            conn.rollback()
    except DBAPIError as error:
        return _server_problem(error, timeout_seconds)
    except SQLAlchemyError as error:
        return Problem("error", "The database answered with an error.", repr(error))
    if read_only:
        return Problem("read-only", "The database accepts no writes (a standby server, or set read-only).")
    return None


def _server_problem(error, timeout_seconds):
    message = str(getattr(error, "orig", error)).lower()
    cause = f"{error.orig.__class__.__name__}: {error.orig}".strip()
    if error.connection_invalidated or "connect" in message or "server closed" in message:
        return Problem("unreachable", "The database server cannot be reached.", cause)
    if "statement timeout" in message or "lock timeout" in message or "canceling statement" in message:
        return Problem("timeout", f"The database did not answer within {timeout_seconds:g} s.", cause)
    if "alembic_version" in message and ("does not exist" in message or "no such table" in message):
        return Problem("not migrated", "The database has no schema: run `flask --app wsgi db upgrade`.", cause)
    return Problem("error", "The database answered with an error.", cause)
