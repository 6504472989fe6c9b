"""SQLite's writers: a read-then-write waits for another writer instead of failing, and a thread
never waits for a write lock it holds itself."""
import threading
import time

import pytest
from sqlalchemy import text

from app.database import writing

SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
INSERT = "INSERT INTO settings (key, value, secret, updated_at) VALUES (:k, 'x', false, CURRENT_TIMESTAMP)"


def _keys(db):
    return {k for (k,) in db.session.execute(text("SELECT key FROM settings")).all()}


@SQLITE
def test_a_read_then_write_waits_for_another_writer(app, db):
    """BEGIN IMMEDIATE: the second writer waits for the lock at BEGIN, so its read and its write
    happen in one transaction that cannot fail with 'database is locked' half-way."""
    engine = db.engine
    holding = threading.Event()

    def slow_writer():
        with writing(), engine.begin() as conn:
            conn.execute(text(INSERT), {"k": "first"})
            holding.set()
            time.sleep(0.5)

    thread = threading.Thread(target=slow_writer)
    thread.start()
    holding.wait(5)
    with writing(), engine.begin() as conn:
        seen = conn.execute(text("SELECT count(*) FROM settings WHERE key = 'first'")).scalar()
        conn.execute(text(INSERT), {"k": f"second-saw-{seen}"})
    thread.join(5)
    assert "second-saw-1" in _keys(db)  # it began after the first writer's commit


@SQLITE
def test_a_second_connection_inside_a_write_reads_at_once(app, db):
    engine = db.engine
    with writing(), engine.begin() as conn:
        conn.execute(text(INSERT), {"k": "held"})
        started = time.monotonic()
        with engine.connect() as other:  # e.g. the settings snapshot, read on its own connection
            assert other.execute(text("SELECT count(*) FROM settings")).scalar() >= 0
        assert time.monotonic() - started < 2


@SQLITE
def test_the_write_lock_is_let_go_after_a_rollback_and_a_closed_connection(app, db):
    engine = db.engine
    with pytest.raises(RuntimeError):
        with writing(), engine.begin() as conn:
            conn.execute(text(INSERT), {"k": "r"})
            raise RuntimeError
    with writing():
        conn = engine.connect()
        conn.execute(text(INSERT), {"k": "c"})
        conn.close()  # never committed: rolled back when it goes back to the pool
    done = []
    writer = threading.Thread(target=lambda: done.append(_write_in_thread(engine)))
    writer.start()
    writer.join(5)
    assert done, "a later writer waited for a lock nobody holds"
    with writing(), engine.begin() as conn:  # and this thread takes it again itself
        assert conn.exec_driver_sql("SELECT 1").scalar() == 1
        conn.execute(text(INSERT), {"k": "again"})
    keys = _keys(db)
    assert {"after", "again"} <= keys and not {"r", "c"} & keys


def _write_in_thread(engine):
    with writing(), engine.begin() as conn:
        conn.execute(text(INSERT), {"k": "after"})
    return True
