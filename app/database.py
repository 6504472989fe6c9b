"""Engine set-up that differs by database.

SQLite: WAL (readers do not block the writer), a busy timeout so concurrent writers wait
instead of failing, and foreign keys on. PostgreSQL: a connect timeout, so an unreachable
server answers the 503 page within seconds instead of hanging a worker.

Write transactions on SQLite start with ``BEGIN IMMEDIATE``. A deferred transaction that
reads and then writes cannot wait for the write lock (SQLite answers ``SQLITE_BUSY`` at once,
whatever the busy timeout, because its read snapshot may be stale), so a writer must take the
lock when it begins. Taking it for every transaction would serialise readers too, so only
transactions that declare a write intent do:

* a request with an unsafe method (POST, PUT, PATCH, DELETE) — set in ``init_app``, unless its
  view is marked ``reads_first`` (it then calls ``begin_write()`` before writing);
* code inside ``with writing():`` (scheduled jobs, CLI commands, tests);
* a GET that decides to write calls ``begin_write()`` before its first write.

Everything else begins deferred and reads from its WAL snapshot without blocking anyone.
This follows SQLAlchemy's documented pysqlite recipe (take BEGIN away from the driver and
emit it from the ``begin`` event).

Writers of one process queue at a per-file *writer gate* (a Python lock, taken before
``BEGIN IMMEDIATE`` and released when the transaction ends) instead of in SQLite's busy loop,
which is not fair: a thread polling there can lose every race to threads that take the lock in
turn and give up after the busy timeout. The busy timeout still arbitrates between processes.
A thread that already writes through one connection and begins a transaction on another (a
settings read, a message composed on its own session) gets a deferred read there: the write
lock it asks for is its own.
"""
import collections
import os
import sqlite3
import threading
from contextlib import contextmanager
from contextvars import ContextVar

from flask import request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import scoped_session
from sqlalchemy.pool import Pool

SQLITE_BUSY_TIMEOUT_MS = 15000
POSTGRES_CONNECT_TIMEOUT_S = 5
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

_write_intent = ContextVar("posylka_sqlite_write_intent", default=False)


def init_app(app):
    @app.before_request
    def _declare_write_intent():
        if request.method in UNSAFE_METHODS and not getattr(
                app.view_functions.get(request.endpoint), "posylka_reads_first", False):
            _write_intent.set(True)

    @app.teardown_request
    def _clear_write_intent(exc=None):
        _write_intent.set(False)


@contextmanager
def writing(session=None):
    """Transactions begun inside this block take SQLite's write lock up front.

    A read-only transaction already open in the session is ended first (so the write does
    not happen in a deferred transaction); pending changes are left for the caller.
    """
    if not _write_intent.get():
        _end_read_transaction(session)
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


@contextmanager
def reading():
    """Transactions begun inside this block are plain (deferred) reads, whatever the caller intends.

    For a second connection opened in the middle of a write (e.g. the settings snapshot): with the
    write intent it would ask for the write lock its own request already holds, and wait for it.
    """
    token = _write_intent.set(False)
    try:
        yield
    finally:
        _write_intent.reset(token)


def reads_first(view):
    """Mark a view whose unsafe method mostly only reads (``POST /track`` writes on an order's first
    look-up only): it begins as a plain read and calls ``begin_write()`` before it writes, instead
    of queueing for SQLite's write lock from its first query."""
    view.posylka_reads_first = True
    return view


def begin_write(session=None):
    """Declare that the rest of this request writes (for a GET that records something).

    Call it before adding or changing anything in the session: it ends the current read-only
    transaction so the next statement begins a fresh ``BEGIN IMMEDIATE`` one.
    """
    if not _write_intent.get():
        _end_read_transaction(session)
    _write_intent.set(True)


def _end_read_transaction(session):
    from flask import has_app_context

    if session is None:
        if not has_app_context():
            return
        from app.extensions import db

        session = db.session
    if isinstance(session, scoped_session):
        session = session()
    if session.in_transaction() and not (session.new or session.dirty or session.deleted):
        session.commit()


def wants_write():
    return _write_intent.get()


def _is_sqlite_dbapi(dbapi_connection):
    return isinstance(dbapi_connection, sqlite3.Connection)


@event.listens_for(Engine, "do_connect")
def _postgres_connect_timeout(dialect, conn_rec, cargs, cparams):
    if dialect.name == "postgresql":
        cparams.setdefault("connect_timeout", POSTGRES_CONNECT_TIMEOUT_S)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    if not _is_sqlite_dbapi(dbapi_connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # The driver no longer emits BEGIN on its own; ``_sqlite_begin`` does.
    dbapi_connection.isolation_level = None


class WriterGate:
    """The in-process queue for SQLite's single write lock (one per database file).

    First come, first served: a releasing thread hands the gate to the longest waiter, so a
    thread that writes chunk after chunk cannot starve the others.
    """

    def __init__(self):
        self._mutex = threading.Lock()
        self._waiters = collections.deque()
        self.owner = None  # (thread id, thread name) of the holder

    def acquire(self, timeout):
        me = (threading.get_ident(), threading.current_thread().name)
        with self._mutex:
            if self.owner is None and not self._waiters:
                self.owner = me
                return True
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append((me, turn))
        if turn.acquire(timeout=timeout):
            return True
        with self._mutex:
            if (me, turn) not in self._waiters:
                return True  # handed over while the wait timed out
            self._waiters.remove((me, turn))
            return False

    def release(self):
        with self._mutex:
            if self._waiters:
                self.owner, turn = self._waiters.popleft()
                turn.release()
            else:
                self.owner = None

    def held_here(self):
        return self.owner is not None and self.owner[0] == threading.get_ident()


_gates = {}
_gates_lock = threading.Lock()
_GATE_KEY = "posylka_writer_gate"


def sqlite_file(database):
    """The real path of a SQLite database file, as the per-file registries key it (the writer
    gate, ``app.sqlite_changes``); None for an in-memory database or a ``file:`` URI."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return os.path.realpath(database)


def writer_gate(engine):
    """The gate of ``engine``'s database file (None for an in-memory database)."""
    path = sqlite_file(engine.url.database)
    if path is None:
        return None
    with _gates_lock:
        return _gates.setdefault(path, WriterGate())


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    if conn.dialect.name != "sqlite":
        return
    gate = writer_gate(conn.engine) if _write_intent.get() else None
    if gate is None or gate.held_here():
        conn.exec_driver_sql("BEGIN IMMEDIATE" if gate is None and _write_intent.get() else "BEGIN")
        return
    if not gate.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
        raise OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError(
            f"database is locked (this process's writer {(gate.owner or ('', '?'))[1]} held it for "
            f"{SQLITE_BUSY_TIMEOUT_MS / 1000:g} s)"))
    conn.connection.info[_GATE_KEY] = gate
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        _release_gate(conn.connection.info)
        raise


def _release_gate(info):
    gate = info.pop(_GATE_KEY, None)
    if gate is not None:
        gate.release()


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _sqlite_end(conn):
    if conn.dialect.name == "sqlite" and not conn.closed and not conn.invalidated:
        _release_gate(conn.connection.info)


@event.listens_for(Pool, "reset")
def _sqlite_connection_reset(dbapi_connection, connection_record, reset_state):
    _sqlite_connection_gone(dbapi_connection, connection_record)


@event.listens_for(Pool, "invalidate")
@event.listens_for(Pool, "close")
def _sqlite_connection_gone(dbapi_connection, connection_record, *args):
    if connection_record is not None:
        _release_gate(connection_record.info)


def is_sqlite(engine):
    return engine.dialect.name == "sqlite"
