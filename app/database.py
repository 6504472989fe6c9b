"""Engine set-up that differs by database.

SQLite: WAL (readers do not block the writer), a busy timeout so concurrent writers wait
instead of failing, and foreign keys on. PostgreSQL: a connect timeout, so an unreachable
server answers the 503 page within seconds instead of hanging a worker.

On SQLite a transaction that reads and then writes must take the write lock when it begins
(``BEGIN IMMEDIATE``): a deferred one cannot wait for the lock later (SQLite answers
``SQLITE_BUSY`` at once, whatever the busy timeout, since its snapshot may be stale). So, after
SQLAlchemy's documented pysqlite recipe, the driver emits no BEGIN of its own and ``_begin``
emits ``BEGIN IMMEDIATE`` for the units of work that write: requests with an unsafe method and
code inside ``with writing():`` (scheduled jobs, CLI commands). A request's intent is read from
its method when a transaction begins (``wants_write``), so no request hook has to declare it first. Everything else reads from its
WAL snapshot without blocking anyone. A transaction whose first statement writes (a single
UPDATE) waits for the lock as it should under a plain BEGIN too.

A second connection that a thread begins while it has a transaction open on another (a settings
read in the middle of a write) begins deferred: the write lock it would wait for may be its own.
"""
import os
import sqlite3
import stat
import threading
from contextlib import contextmanager
from contextvars import ContextVar

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import Pool

SQLITE_BUSY_TIMEOUT_MS = 15000
POSTGRES_CONNECT_TIMEOUT_S = 5
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

#: True inside ``writing()``, False inside ``reading()``; None: a request's method decides
_write_intent = ContextVar("posylka_sqlite_write_intent", default=None)
#: the driver connections on which this thread has a transaction open
_open = threading.local()


def protect_sqlite_file(url):
    """Keep a SQLite database file (personal data) from other users, whatever the umask: a new file
    is created 0600 before SQLite opens it (SQLite gives its -wal and -shm files the same mode), and
    an existing file (and its -wal/-shm) is narrowed to at most 0640 (a group the operator granted
    may still read it, for backups)."""
    parsed = make_url(url)
    path = parsed.database
    if parsed.get_backend_name() != "sqlite" or not path or path == ":memory:" or path.startswith("file:"):
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError:
        return  # a folder that does not exist or cannot be written: SQLite reports it when it connects
    for name in (path, path + "-wal", path + "-shm"):
        try:
            mode = stat.S_IMODE(os.stat(name).st_mode)
            if mode & 0o027:
                os.chmod(name, mode & ~0o027)
        except OSError:
            pass  # absent, or another user's file: nothing to narrow


@contextmanager
def writing():
    """Transactions begun inside this block take SQLite's write lock up front (jobs, commands)."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


@event.listens_for(Engine, "do_connect")
def _postgres_connect_timeout(dialect, conn_rec, cargs, cparams):
    if dialect.name == "postgresql":
        cparams.setdefault("connect_timeout", POSTGRES_CONNECT_TIMEOUT_S)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # The driver no longer emits BEGIN on its own; ``_begin`` does.
    dbapi_connection.isolation_level = None


@event.listens_for(Engine, "begin")
def _begin(conn):
    if conn.dialect.name != "sqlite":
        return
    opened = _open.__dict__.setdefault("connections", set())
    conn.exec_driver_sql("BEGIN IMMEDIATE" if wants_write() and not opened else "BEGIN")
    opened.add(conn.connection.dbapi_connection)


def _released(dbapi_connection):
    _open.__dict__.get("connections", set()).discard(dbapi_connection)


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _end(conn):
    if conn.dialect.name == "sqlite" and not conn.invalidated:
        _released(conn.connection.dbapi_connection)


@event.listens_for(Pool, "reset")
def _connection_reset(dbapi_connection, connection_record, reset_state):
    _released(dbapi_connection)


@event.listens_for(Pool, "invalidate")
def _connection_invalidated(dbapi_connection, connection_record, exception):
    _released(dbapi_connection)


@event.listens_for(Pool, "close")
def _connection_closed(dbapi_connection, connection_record):
    _released(dbapi_connection)


@contextmanager
def reading():
    """Transactions begun inside this block read from their snapshot without the write lock, even in
    a request that writes: a long check (a CSV import's) before short writing transactions."""
    token = _write_intent.set(False)
    try:
        yield
    finally:
        _write_intent.reset(token)


def wants_write():
    """True inside a unit of work that writes (its transactions begin with the write lock): a request
    with an unsafe method, or code inside ``writing()``; never inside ``reading()``."""
    intent = _write_intent.get()
    if intent is None:
        return has_request_context() and request.method in UNSAFE_METHODS
    return intent
