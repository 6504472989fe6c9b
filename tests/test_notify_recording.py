"""The dispatcher records every outcome while others write to a SQLite file, and a database it
cannot write to for a while neither kills a sending thread nor sends a message twice."""
import sqlite3
import threading
from collections import Counter

import pytest
from notify_servers import SmtpServer, later, orders_with_emails, use_smtp
from werkzeug import Response

from app import settings
from app.notify.dispatcher import dispatch
from app.notify.models import Notification
from app.orders.models import Customer

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the file-wide write lock is SQLite's
NO_THREAD_DEATH = pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")


#: The busy timeout these tests give the app's SQLite connections, as a shorter ``PRAGMA busy_timeout``
#: would: what they check is what happens past it, whatever its length (the app's own is 15 s)
BUSY_TIMEOUT_S = 2.0


def _short_busy_timeout(db):
    """Every connection the app opens from here on waits ``BUSY_TIMEOUT_S`` for another writer's lock.
    Listened on this test's engine, so it runs after the app's own pragmas."""
    from sqlalchemy import event

    def pragma(dbapi_connection, record):
        dbapi_connection.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")

    event.listen(db.engine, "connect", pragma)
    db.engine.dispose()


def _another_writer(path):
    """A connection as another process has: its own, outside the app's pool."""
    return sqlite3.connect(path, timeout=60, isolation_level=None, check_same_thread=False)


def _push_subscriber_with_an_order(db, make_order, httpserver, push_service):
    """A customer subscribed to push at ``push_service`` (a local push service; the shop's key pair made as
    when the first browser asks for it), and an order of theirs whose message is due."""
    from app.notify.channels.push import subscribe, vapid_public_key

    httpserver.expect_request("/push/abc", method="POST").respond_with_handler(push_service)
    settings.put("PUSH_ALLOW_PRIVATE", "1")  # the test receiver is on loopback
    vapid_public_key()
    person = Customer(name="Олена Коваль", email="olena@example.com", language="uk")
    db.session.add(person)
    db.session.flush()
    subscribe(person, httpserver.url_for("/push/abc"), "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u"
              "-Ts1XbjhazAkj7I99e8QcYP7DkM", "tBHItJI5svbpez7KI4CCXg")
    db.session.commit()
    return make_order(customer=person, status="awaiting_shipment")


@SQLITE_ONLY
@NO_THREAD_DEATH
def test_a_write_by_someone_else_while_a_push_is_on_the_wire_does_not_stop_its_record(notify, db, make_order,
                                                                                      httpserver):
    """The push channel reads the subscription before sending. Its outcome was then written from
    that read's snapshot, which SQLite refuses at once ("database is locked", whatever the busy
    timeout) once anyone else has written meanwhile: the message went out but was never recorded."""
    received, path = [], db.engine.url.database

    def push_service(request):
        received.append(request.get_data())
        other = _another_writer(path)  # a staff member saves something while the push is on the wire
        other.execute("INSERT INTO settings (key, value, secret, updated_at) "
                      "VALUES ('SHOP_NAME', 'Льон і вовна', 0, CURRENT_TIMESTAMP) "
                      "ON CONFLICT (key) DO UPDATE SET updated_at = CURRENT_TIMESTAMP")
        other.close()
        return Response("", status=201)

    order = _push_subscriber_with_an_order(db, make_order, httpserver, push_service)

    result = dispatch(now=later())

    push = db.session.execute(db.select(Notification).filter_by(order_id=order.id, channel="push")).scalars().all()
    assert push and {row.state for row in push} == {"sent"}
    assert len(received) == len(push)  # each went out once
    assert result.unrecorded == []


@SQLITE_ONLY
@NO_THREAD_DEATH
@pytest.mark.slow
def test_a_write_lock_held_past_the_busy_timeout_delays_the_records_but_sends_each_message_once(
        notify, db, make_order, caplog):
    """Someone holds SQLite's write lock (a long import) longer than the busy timeout while a batch
    is being sent: the outcome that waited longest is recorded at the next try instead of killing
    its sending thread, which would have put its message back in the queue to be sent again."""
    total = 6
    ids = orders_with_emails(db, make_order, total)
    db.session.commit()

    _short_busy_timeout(db)
    hold = BUSY_TIMEOUT_S + 1.5
    held, path = [], db.engine.url.database

    with SmtpServer() as smtp:
        use_smtp(smtp.port, OUTGOING_ALLOWED_HOSTS="127.0.0.1")  # the admin allows the local mail server
        arrived = smtp.sink.handle_DATA

        async def lock_at_the_first_message(server, session, envelope):
            if not held:  # before the first message is accepted: its sender cannot have recorded it yet
                other = _another_writer(path)
                other.execute("BEGIN IMMEDIATE")
                held.append(other)
                threading.Timer(hold, lambda: (other.execute("COMMIT"), other.close())).start()
            return await arrived(server, session, envelope)

        smtp.sink.handle_DATA = lock_at_the_first_message
        with caplog.at_level("WARNING", logger="app.notify.dispatcher"):
            result = dispatch(now=later())
        received = Counter(int(m["X-Posylka-Notification"]) for m in smtp.messages)

    assert held, "the lock must have been taken mid-batch"
    assert received == Counter({i: 1 for i in ids})  # every message arrived exactly once
    db.session.expire_all()
    states = db.session.execute(db.select(Notification.state).filter_by(channel="email")).scalars().all()
    assert states == ["sent"] * total
    assert result.sent == total and result.unrecorded == []
    assert "trying again" in caplog.text  # a record did wait past the busy timeout


def _hold_the_outbox(db, seconds):
    """Another connection holds every write to the outbox for ``seconds`` (SQLite: its write lock;
    PostgreSQL: a lock on the notifications table), as a long import or a migration does."""
    if db.engine.dialect.name == "sqlite":
        other = _another_writer(db.engine.url.database)
        other.execute("BEGIN IMMEDIATE")
        release = lambda: (other.execute("COMMIT"), other.close())  # noqa: E731
    else:
        import psycopg

        other = psycopg.connect(db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False))
        other.execute("LOCK TABLE notifications IN EXCLUSIVE MODE")  # reads go on, writes wait
        release = lambda: (other.commit(), other.close())  # noqa: E731
    timer = threading.Timer(seconds, release)
    timer.start()
    return timer


@pytest.mark.parametrize("db_url", [pytest.param("sqlite", marks=pytest.mark.slow), "postgresql"], indirect=True)
@NO_THREAD_DEATH
def test_a_run_outlives_a_locked_outbox_while_it_claims_and_sends_each_message_once(notify, db, make_order, caplog):
    """The outbox is locked when a run starts claiming: past SQLite's busy timeout, or past the
    lock_timeout a PostgreSQL administrator set (``ALTER ROLE ... SET lock_timeout``). The run used to
    end there with the error; now it logs it with its trace, waits and goes on."""
    from sqlalchemy import event

    if db.engine.dialect.name == "postgresql":
        def lock_timeout(dbapi_connection, record):
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '300ms'")
            dbapi_connection.commit()

        event.listen(db.engine, "connect", lock_timeout)
        db.engine.dispose()  # every connection from here on has the timeout
        hold = 1.0
    else:
        # past the busy timeout by more than a loaded machine's delay before the run's first claim
        # (0.5 s once let a run start late enough to wait the lock out without an error)
        _short_busy_timeout(db)
        hold = BUSY_TIMEOUT_S + 2.5
    total = 3
    ids = orders_with_emails(db, make_order, total)
    db.session.commit()

    with SmtpServer() as smtp:
        use_smtp(smtp.port, OUTGOING_ALLOWED_HOSTS="127.0.0.1")  # the admin allows the local mail server
        timer = _hold_the_outbox(db, hold)
        with caplog.at_level("WARNING", logger="app.notify.dispatcher"):
            result = dispatch(now=later())
        timer.join()
        received = Counter(int(m["X-Posylka-Notification"]) for m in smtp.messages)

    assert received == Counter({i: 1 for i in ids})  # every message arrived, once
    db.session.expire_all()
    states = db.session.execute(db.select(Notification.state).filter_by(channel="email")).scalars().all()
    assert states == ["sent"] * total and result.unrecorded == []
    [failure] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert "trying again in 1.0 s" in failure.getMessage() and failure.exc_info  # logged with its trace
    assert "lock" in str(failure.exc_info[1])  # "database is locked", "canceling statement due to lock timeout"


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # a connection the server drops
@NO_THREAD_DEATH
def test_a_database_connection_dropped_while_a_push_is_on_the_wire_sends_it_once(notify, db, make_order, httpserver):
    """The push channel reads the subscription, so its sender holds a database connection while the
    push is on the wire. The server dropped it then (a restart, a proxy's idle timeout): recording
    the outcome failed before its first try and killed the sending thread; its message went back to
    the queue and was sent a second time by the same run."""
    import psycopg

    received = []
    conninfo = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)

    def push_service(request):
        received.append(request.get_data())
        if len(received) == 1:  # every other connection to the database is dropped
            with psycopg.connect(conninfo, autocommit=True) as server:
                server.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        return Response("", status=201)

    order = _push_subscriber_with_an_order(db, make_order, httpserver, push_service)

    result = dispatch(now=later())

    db.session.rollback()  # the test's own connection was dropped too
    push = db.session.execute(db.select(Notification).filter_by(order_id=order.id, channel="push")).scalars().all()
    assert len(push) == 2 and {row.state for row in push} == {"sent"}
    assert len(received) == len(push)  # each went out once
    assert result.unrecorded == []
