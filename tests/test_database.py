"""SQLite's writers in one process: a fair queue, and no waiting for a lock the thread holds itself."""
import threading
import time

import pytest
from sqlalchemy import text

from app.database import writing

SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _write(engine, key, hold=0.0):
    with writing(), engine.begin() as conn:
        conn.execute(text("INSERT INTO settings (key, value, secret, updated_at) "
                          "VALUES (:k, 'x', false, CURRENT_TIMESTAMP)"), {"k": key})
        time.sleep(hold)


@SQLITE
def test_writers_are_served_in_turn(app, db):
    """A thread writing transaction after transaction cannot starve another writer."""
    engine = db.engine
    a_done, b_done = [], []
    a_started = threading.Event()

    def busy_writer():
        for i in range(10):
            _write(engine, f"a{i}", hold=0.15)
            a_done.append(time.monotonic())
            a_started.set()

    def one_write():
        _write(engine, "b")
        b_done.append(time.monotonic())

    a = threading.Thread(target=busy_writer)
    a.start()
    a_started.wait(5)
    b = threading.Thread(target=one_write)
    b.start()
    b.join(20)
    a.join(20)
    assert b_done, "the second writer never got its turn"
    # it waited for the transaction in progress and, at most, the one already queued
    assert sum(1 for t in a_done if t < b_done[0]) <= 3


@SQLITE
def test_a_second_connection_inside_a_write_reads_at_once(app, db):
    engine = db.engine
    with writing(), engine.begin() as conn:
        conn.execute(text("INSERT INTO settings (key, value, secret, updated_at) "
                          "VALUES ('held', 'x', false, CURRENT_TIMESTAMP)"))
        started = time.monotonic()
        with engine.connect() as other:  # e.g. the settings snapshot, read on its own connection
            assert other.execute(text("SELECT count(*) FROM settings")).scalar() >= 0
        assert time.monotonic() - started < 2


@SQLITE
def test_the_gate_opens_after_a_rollback_and_a_closed_connection(app, db):
    engine = db.engine
    with pytest.raises(RuntimeError):
        with writing(), engine.begin() as conn:
            conn.execute(text("INSERT INTO settings (key, value, secret, updated_at) "
                              "VALUES ('r', 'x', false, CURRENT_TIMESTAMP)"))
            raise RuntimeError
    with writing():
        conn = engine.connect()
        conn.execute(text("INSERT INTO settings (key, value, secret, updated_at) "
                          "VALUES ('c', 'x', false, CURRENT_TIMESTAMP)"))
        conn.close()  # never committed: rolled back when it goes back to the pool
    done = []
    writer = threading.Thread(target=lambda: (_write(engine, "after"), done.append(True)))
    writer.start()
    writer.join(5)
    assert done, "a later writer waited for a gate nobody holds"
    keys = {k for (k,) in db.session.execute(text("SELECT key FROM settings")).all()}
    assert "after" in keys and not {"r", "c"} & keys
