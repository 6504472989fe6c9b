"""The customer's unchanged poll answered from memory (app/tracking/poll_cache.py) and the change
feed that ends those answers (app/sqlite_changes.py): never an answer older than the last change,
whoever made it."""
import os
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, text, update

from app import sqlite_changes
from app.auth.sessions import UserSession
from app.orders import lifecycle
from app.orders.models import Order, utcnow
from app.tracking import poll_cache, services

SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
HX = {"HX-Request": "true"}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Checkouts:
    """Counts the connections taken from the pool: an answer from memory takes none."""

    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __enter__(self):
        event.listen(self.engine, "checkout", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "checkout", self._count)

    def _count(self, *args):
        self.count += 1


@pytest.fixture
def watching(db, polling_customer, client):
    """A logged-in customer whose shipped order's poll is kept in memory: (order, url, etag)."""
    _, order, url, etag = polling_customer("shipped")  # its 304 read the order and kept the answer
    with Checkouts(db.engine) as checkouts:
        assert client.get(url, headers={**HX, "If-None-Match": etag}).status_code == 304
    assert checkouts.count == 0, "the unchanged poll should be answered from memory"
    return order, url, etag


@contextmanager
def _driver(db):
    """A pooled driver connection of the app's engine, as raw code would use it."""
    connection = db.engine.raw_connection()
    try:
        yield connection.driver_connection
    finally:
        connection.close()


def _in_another_process(db_url, number, *lines):
    """Run ``lines`` in a new OS process with the app on the same database, in a write
    transaction (``db``, ``lifecycle``, ``Order`` and ``number`` at hand), then commit."""
    script = "\n".join([
        "import sys; sys.path.insert(0, sys.argv[1])",
        "from app import create_app", "from config import TestConfig",
        "app = create_app(type('C', (TestConfig,), {'SQLALCHEMY_DATABASE_URI': sys.argv[2]}))",
        "number = sys.argv[3]",
        "with app.app_context():",
        "    from app.database import writing", "    from app.extensions import db",
        "    from app.orders import lifecycle", "    from app.orders.models import Order",
        "    with writing():", *(f"        {line}" for line in lines), "        db.session.commit()", ""])
    done = subprocess.run([sys.executable, "-c", script, ROOT, db_url, number], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr


def _changed(client, url, etag):
    response = client.get(url, headers={**HX, "If-None-Match": etag})
    assert response.status_code == 200 and response.headers["ETag"] != etag
    return response.get_data(as_text=True)


@SQLITE
def test_a_status_change_reaches_the_next_poll(db, client, watching):
    order, url, etag = watching
    lifecycle.change_status(order, "in_transit", source="staff", note="Прибуло до Львова")
    db.session.commit()
    assert "Прибуло до Львова" in _changed(client, url, etag)


@SQLITE
def test_a_change_by_any_statement_reaches_the_next_poll(db, client, watching):
    order, url, etag = watching
    # not by primary key: the feed cannot tell which rows, so every kept answer goes
    db.session.execute(update(Order).where(Order.number == order.number).values(version=Order.version + 1))
    db.session.commit()
    etag = client.get(url, headers=HX).headers["ETag"]
    assert client.get(url, headers={**HX, "If-None-Match": etag}).status_code == 304
    db.session.execute(text("UPDATE orders SET version = version + 1 WHERE id > 0 AND number = :n"),
                       {"n": order.number})
    db.session.commit()
    _changed(client, url, etag)


@SQLITE
def test_a_statement_committed_by_sqlite_itself_reaches_the_next_poll(db, client, watching):
    order, url, etag = watching
    with _driver(db) as driver:
        assert not driver.in_transaction  # no BEGIN: SQLite commits the statement by itself
        driver.execute("UPDATE orders SET version = version + 1 WHERE orders.id = ?", (order.id,))
    _changed(client, url, etag)


@SQLITE
def test_a_change_by_another_process_reaches_the_next_poll(db, client, watching, db_url):
    order, url, etag = watching
    _in_another_process(db_url, order.number,
                        "order = db.session.execute(db.select(Order).filter_by(number=number)).scalar_one()",
                        "lifecycle.change_status(order, 'in_transit', source='staff', note='Змінено з консолі')")
    assert "Змінено з консолі" in _changed(client, url, etag)


@SQLITE
def test_a_rolled_back_change_keeps_the_answers(app, db, client, watching):
    order, url, etag = watching
    shared = sqlite_changes.SharedCounter(db.engine.url.database + "-changes")
    before = shared.value()
    lifecycle.change_status(order, "in_transit", source="staff")
    db.session.flush()
    db.session.rollback()
    assert shared.value() == before  # nothing committed, nobody told
    with Checkouts(db.engine) as checkouts:
        assert client.get(url, headers={**HX, "If-None-Match": etag}).status_code == 304
    assert checkouts.count == 0


@SQLITE
def test_logging_out_ends_the_kept_answers_of_that_session(app, db, client, watching):
    order, url, etag = watching
    stolen = client.get_cookie("session").value
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get(url, headers={**HX, "If-None-Match": etag})
    assert response.status_code == 401 and response.headers["HX-Redirect"].startswith("/login")


@SQLITE
def test_kept_answers_keep_the_session_time_limits(app, db, client, watching, make_user):
    order, url, etag = watching
    row = db.session.execute(db.select(UserSession).filter_by(user_id=order.customer.user_id)).scalar_one()
    user = row.user
    args = (user.id, user.session_version, row.token_hash, order.number)
    cache = poll_cache.for_engine(db.engine)
    assert cache.get((order.number, user.id, user.session_version, row.token_hash)) is not None
    assert services.customer_order_state(*args) is not None
    # a minute later the row is due for a touch, a year later it has expired: no quick answer
    assert services.customer_order_state(*args, now=utcnow() + timedelta(minutes=2)) is None
    assert services.customer_order_state(*args, now=utcnow() + timedelta(days=400)) is None


@SQLITE
def test_an_answer_read_across_a_change_is_not_kept(app, db, watching):
    order, url, etag = watching
    cache = poll_cache.for_engine(db.engine)
    mark = ("order", order.id)
    token = cache.token()
    cache.changed([("orders", "id", order.id + 1000)])  # another order changed while this one was read
    assert not cache.put(("x",), "stale?", (mark,), token)
    token = cache.token()
    sqlite_changes.SharedCounter(db.engine.url.database + "-changes").bump()  # another process committed
    assert not cache.put(("x",), "stale?", (mark,), token)
    assert cache.get(("x",)) is None and len(cache) == 0  # and every kept answer went


@SQLITE
def test_the_cache_keeps_at_most_its_entries(app, db):
    cache = poll_cache.PollCache(sqlite_changes.feed_for(db.engine.url.database), capacity=3)
    for n in range(5):
        assert cache.put((n,), n, (("order", n), ("user", 7)), cache.token())
    assert len(cache) == 3 and cache.get((0,)) is None and cache.get((4,)) == 4
    cache.changed([("orders", "id", 4)])
    assert cache.get((4,)) is None and cache.get((3,)) == 3
    cache.changed([("user_sessions", "user_id", 7)])  # the user of both
    assert len(cache) == 0


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_postgresql_asks_the_database_every_time(app, db):
    assert poll_cache.for_engine(db.engine) is None


def test_statements_are_classified_by_what_they_can_change(tmp_path):
    feed = sqlite_changes.ChangeFeed(str(tmp_path / "shop.db"))
    assert feed.watch(poll_cache.WATCHED)
    rows, everything, nothing = "rows", ("all",), ("nothing",)
    cases = {
        "UPDATE orders SET status=?, version=?, updated_at=? WHERE orders.id = ?": (rows, "orders", "id", 1),
        'UPDATE "orders" SET version=(orders.version + ?) WHERE "orders"."number" = ?': (rows, "orders", "number", 1),
        "DELETE FROM user_sessions WHERE user_sessions.token_hash = ?": (rows, "user_sessions", "token_hash", 1),
        "DELETE FROM user_sessions WHERE user_sessions.id IN (?, ?, ?)": (rows, "user_sessions", "id", 3),
        "UPDATE users SET language=? WHERE users.id = ?": (rows, "users", "id", 1),
        "UPDATE orders SET status=? WHERE orders.id = ? AND orders.version = ?": everything,
        "UPDATE orders SET note=? WHERE orders.status = ?": everything,  # not a watched column
        "UPDATE orders SET x=(SELECT name FROM users WHERE users.id = ?) WHERE orders.id = ?": everything,
        "UPDATE main.orders SET status=? WHERE main.orders.id = ?": everything,
        "UPDATE orders SET status=:s WHERE orders.id = :id": everything,
        "INSERT OR REPLACE INTO users (id, email) VALUES (?, ?)": everything,
        "INSERT INTO orders (number) VALUES (?) ON CONFLICT (number) DO UPDATE SET version = 2": everything,
        "DROP TABLE orders": everything,
        "ALTER TABLE customers ADD COLUMN x": everything,
        "INSERT INTO orders (number, status) VALUES (?, ?)": nothing,  # new rows change no kept answer
        "UPDATE shipments SET active=? WHERE shipments.id = ?": nothing,
        "INSERT INTO status_events (order_id, status) VALUES (?, ?)": nothing,
        "SELECT * FROM orders WHERE orders.id = ?": nothing,
        "WITH x AS (SELECT 1) SELECT * FROM orders": nothing,
        "COMMIT": ("commit",),
        "ROLLBACK": ("rollback",),
        "ROLLBACK TO SAVEPOINT sa_1": nothing,
    }
    for sql, expected in cases.items():
        assert feed.classify(sql) == expected, sql


def test_other_processes_are_told_before_each_commit(tmp_path):
    """Told before the commit, under the in-flight lock: a process that dies after its commit has
    told the others already. Nothing is told for reads, unwatched tables or a rollback."""
    path = str(tmp_path / "shop.db")
    feed = sqlite_changes.feed_for(path)
    assert feed.watch(poll_cache.WATCHED)
    told = []
    feed.listen(told.append)
    connection = sqlite3.connect(path, factory=sqlite_changes.TrackedConnection, isolation_level=None)
    shared = sqlite_changes.SharedCounter(path + "-changes")

    def count():
        return int.from_bytes(shared.value(), "little")

    connection.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, number TEXT, version INTEGER)")
    connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    assert count() == 1 and told == [sqlite_changes.ALL]  # committed by SQLite itself; names "orders"
    connection.execute("BEGIN")
    connection.execute("INSERT INTO notes (body) VALUES (?)", ("x",))
    connection.execute("SELECT * FROM orders").fetchall()
    connection.commit()
    assert count() == 1
    connection.execute("BEGIN")
    connection.executemany("UPDATE orders SET version = ? WHERE orders.id = ?", [(2, 7), (2, 8)])
    assert count() == 1  # not committed yet
    connection.commit()
    assert count() == 2 and told[-1] == [("orders", "id", 7), ("orders", "id", 8)]
    connection.execute("BEGIN")
    connection.execute("UPDATE orders SET version = 3 WHERE orders.id = ?", (7,))
    connection.rollback()
    assert count() == 2 and len(told) == 2
    connection.executescript("UPDATE notes SET body = 'y'")  # a script may do anything
    assert count() == 3 and told[-1] is sqlite_changes.ALL
    assert feed.token() is not None  # no commit in flight: the lock was let go every time
    connection.close()


def _version(db, order):
    db.session.commit()
    return db.session.execute(db.select(Order.version).where(Order.id == order.id)).scalar_one()


@SQLITE
def test_writes_sqlite_would_match_otherwise_reach_the_next_poll(db, client, watching):
    """A string id (SQLite converts it and changes the row), the RELEASE of an outermost savepoint
    (it commits), an executemany that fails part-way outside a transaction (the rows before the
    failure are committed): each ends the kept answer."""
    order, url, etag = watching
    db.session.execute(update(Order).where(Order.id == str(order.id)).values(version=Order.version + 1))
    db.session.commit()
    etag = client.get(url, headers=HX).headers["ETag"] if _changed(client, url, etag) else etag
    assert client.get(url, headers={**HX, "If-None-Match": etag}).status_code == 304
    with _driver(db) as driver:
        driver.execute("SAVEPOINT outer_one")
        driver.execute("UPDATE orders SET version = version + 1 WHERE orders.id = ?", (order.id,))
        driver.execute("RELEASE outer_one")
        assert not driver.in_transaction
    etag = client.get(url, headers=HX).headers["ETag"] if _changed(client, url, etag) else etag
    assert client.get(url, headers={**HX, "If-None-Match": etag}).status_code == 304
    before = _version(db, order)
    with _driver(db) as driver, pytest.raises(sqlite3.IntegrityError):
        driver.executemany("UPDATE orders SET version = version + 1, number = ? WHERE orders.id = ?",
                           [(order.number, order.id), (None, order.id)])  # the second row breaks NOT NULL
    assert _version(db, order) == before + 1
    _changed(client, url, etag)


@SQLITE
def test_a_write_with_returning_outside_a_transaction_is_refused(db, client, watching):
    order, url, etag = watching
    with _driver(db) as driver, pytest.raises(sqlite3.ProgrammingError, match="needs a transaction"):
        driver.execute("UPDATE orders SET version = version + 1 WHERE orders.id = ? RETURNING version", (order.id,))
    assert client.get(url, headers={**HX, "If-None-Match": etag}).status_code == 304  # nothing changed


DYING_WRITER = """
import os, sqlite3, sys
sys.path.insert(0, sys.argv[1])
from app import sqlite_changes
from app.tracking import poll_cache
path, order_id = sys.argv[2], int(sys.argv[3])
feed = sqlite_changes.feed_for(path)
assert feed.watch(poll_cache.WATCHED)
held = feed.committing()  # what a writer does right before its COMMIT
print("in flight", flush=True)
sys.stdin.readline()
plain = sqlite3.connect(path, isolation_level=None)
plain.execute("UPDATE orders SET version = version + 1 WHERE id = ?", (order_id,))
print("committed", flush=True)
os._exit(9)  # killed before it could say anything more
"""


@SQLITE
def test_a_writer_that_dies_after_its_commit_leaves_no_stale_answer(db, client, watching):
    """Another process announced a commit and holds the in-flight lock: a poll read meanwhile is
    not kept (it may be older than that commit), and the commit is seen after the writer died."""
    order, url, etag = watching
    path = db.engine.url.database
    writer = subprocess.Popen([sys.executable, "-c", DYING_WRITER, ROOT, path, str(order.id)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "in flight"
        assert client.get(url, headers={**HX, "If-None-Match": etag}).status_code == 304  # read, not kept
        assert len(poll_cache.for_engine(db.engine)) == 0
        writer.stdin.write("go\n")
        writer.stdin.flush()
        assert writer.stdout.readline().strip() == "committed"
        assert writer.wait(30) == 9
    finally:
        if writer.poll() is None:
            writer.kill()
    _changed(client, url, etag)


@SQLITE
def test_a_deleted_counter_file_is_noticed(db, client, watching, db_url):
    order, url, etag = watching
    os.unlink(db.engine.url.database + "-changes")  # e.g. tidied away with -wal and -shm
    _in_another_process(db_url, order.number,
                        "db.session.execute(db.update(Order).where(Order.number == number).values(version=Order.version + 1))")
    time.sleep(1.1)  # checked at most once a second
    _changed(client, url, etag)


def test_the_shared_files_take_the_database_permissions_and_a_process_that_cannot_open_them_does_not_write(tmp_path):
    path = str(tmp_path / "shop.db")
    sqlite3.connect(path).executescript("CREATE TABLE orders (id INTEGER PRIMARY KEY, version INTEGER);"
                                        "CREATE TABLE notes (id INTEGER PRIMARY KEY)")
    os.chmod(path, 0o660)
    previous = os.umask(0o022)
    try:
        assert sqlite_changes.feed_for(path).watch(poll_cache.WATCHED)
    finally:
        os.umask(previous)
    for suffix in ("-changes", "-changes.lock"):
        assert os.stat(path + suffix).st_mode & 0o777 == 0o660

    other = str(tmp_path / "other.db")
    sqlite3.connect(other).executescript("CREATE TABLE orders (id INTEGER PRIMARY KEY, version INTEGER);"
                                         "CREATE TABLE notes (id INTEGER PRIMARY KEY)")
    os.mkdir(other + "-changes")  # cannot be opened as the counter
    assert not sqlite_changes.feed_for(other).watch(poll_cache.WATCHED)
    connection = sqlite3.connect(other, factory=sqlite_changes.TrackedConnection, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError, match="could not be told"):
        connection.execute("UPDATE orders SET version = 2 WHERE orders.id = ?", (1,))
    connection.execute("INSERT INTO notes (id) VALUES (1)")  # other tables are written as usual
    connection.close()
