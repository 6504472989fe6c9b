"""Named locks shared by every process that uses the same database.

``exclusive(name)`` is held by one process at a time and dies with its holder (a crash leaves
nothing to clean up): on PostgreSQL a session-level advisory lock on a connection kept for the
purpose, on SQLite an OS file lock (the ``filelock`` library) on a file next to the database.
The carrier sync takes one per carrier, whoever starts it: the scheduler, ``flask sync-carriers``
or the admin's "sync now" (through the scheduler's queue); a store's order pull takes one per store,
whether the schedule or staff's "pull now" starts it.
"""
import os
import zlib
from contextlib import contextmanager

from filelock import FileLock, Timeout
from flask import current_app
from sqlalchemy import text

from app.extensions import db

#: The advisory locks' first key ("Posy" in ASCII); the scheduler's leader lock uses the one-key form
NAMESPACE = 0x506F7379


class Busy(Exception):
    """Another process holds the lock."""


def _key(name):
    return zlib.crc32(name.encode()) - 2 ** 31  # a signed 32-bit int, as PostgreSQL wants


@contextmanager
def exclusive(name):
    """Hold the lock ``name`` for the block; raises ``Busy`` at once if another holder has it."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            got = connection.execute(text("SELECT pg_try_advisory_lock(:ns, :key)"),
                                     {"ns": NAMESPACE, "key": _key(name)}).scalar()
            connection.commit()  # the lock belongs to the session, not to this transaction
            if not got:
                raise Busy(name)
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:ns, :key)"), {"ns": NAMESPACE, "key": _key(name)})
                connection.commit()
        return
    lock = FileLock(_lock_path(engine, name))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise Busy(name) from None
    try:
        yield
    finally:
        lock.release()


def _lock_path(engine, name):
    database = engine.url.database
    if not database or database == ":memory:":
        database = os.path.join(current_app.instance_path, "memory.db")
    return f"{os.path.abspath(database)}.{name}.lock"
