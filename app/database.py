"""Engine set-up that differs by database.

SQLite: WAL (readers do not block the writer), a busy timeout so concurrent writers wait
instead of failing, and foreign keys on. PostgreSQL needs nothing special here.
"""
from sqlalchemy import event
from sqlalchemy.engine import Engine

SQLITE_BUSY_TIMEOUT_MS = 15000


def init_app(app):
    pass  # the listener below is global; kept as a hook for symmetry with other modules


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def is_sqlite(engine):
    return engine.dialect.name == "sqlite"
