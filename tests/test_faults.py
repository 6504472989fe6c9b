"""Faults: the database unreachable, and SQLite under several writing processes at once."""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time

import pytest
from sqlalchemy import event

from app import create_app
from app.auth.sessions import UserSession
from tests.conftest import _config, free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _assert_503_page(response, phrase):
    body = response.get_data(as_text=True)
    assert response.status_code == 503, body[:300]
    assert phrase in body and "Traceback" not in body and "OperationalError" not in body
    assert response.headers["Retry-After"]


def _down_urls(tmp_path):
    return (f"sqlite:///{tmp_path}/no/such/folder/tracking.db",
            f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/posylka")


def test_database_unreachable_gives_a_translated_503(tmp_path):
    for url in _down_urls(tmp_path):
        down = create_app(_config(url))
        client = down.test_client()
        _assert_503_page(client.get("/login", headers={"Accept-Language": "en"}),
                         "The database cannot be reached right now")
        _assert_503_page(down.test_client().get("/login", headers={"Accept-Language": "pl"}),
                         "Baza danych jest teraz niedostępna")
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.get_json()["database"].startswith("error") and health.get_json()["status"] == "error"
        assert client.get("/").status_code == 200  # a page that needs no database still works


def test_a_logged_in_visitor_gets_the_503_page_too(app, make_user, login, client, tmp_path):
    login(make_user("customer").email)
    cookie = client.get_cookie("session").value
    for url in _down_urls(tmp_path):
        down = create_app(_config(url)).test_client()
        down.set_cookie("session", cookie)
        _assert_503_page(down.get("/orders/", headers={"Accept-Language": "en"}),
                         "The database cannot be reached right now")


def test_concurrent_writers_on_sqlite_see_no_locked_errors(sqlite_template, tmp_path):
    path = tmp_path / "shared.db"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite:///{path}"
    workers, orders_each = 4, 8
    commands = [[sys.executable, "tests/concurrent_writer.py", url, str(w), str(orders_each)] for w in range(workers)]
    commands.append([sys.executable, "tests/concurrent_writer.py", url, "99", "6", "read"])
    processes = [subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for cmd in commands]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, err[-2000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert [r["errors"] for r in results] == [[]] * len(commands)
    assert results[-1]["reads"] > 0

    app = create_app(_config(url))
    with app.app_context():
        from app.audit import AuditLog
        from app.extensions import db
        from app.orders.models import Order, StatusEvent

        orders = db.session.query(Order).all()
        assert len(orders) == workers * orders_each
        assert {o.status for o in orders} == {"delivered"} and all(o.version == 5 for o in orders)
        assert db.session.query(StatusEvent).count() == workers * orders_each * 5
        assert db.session.query(AuditLog).filter_by(action="test.step").count() == workers * orders_each * 4
        assert sorted(i for r in results[:-1] for i in r["orders"]) == sorted(o.id for o in orders)
        db.engine.dispose()


def test_sync_and_dispatcher_run_beside_staff_and_customers_on_sqlite(sqlite_template, tmp_path):
    """The scheduler's jobs (a real carrier sync of sandbox parcels and the notification
    dispatcher) in their own processes, at the same time as staff writers and customer readers:
    no "database is locked", parcels move, messages go out."""
    path = tmp_path / "shared.db"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite:///{path}"
    app = create_app(_config(url))
    with app.app_context():
        from app.extensions import db
        from app.orders import lifecycle
        from app.orders.models import Customer
        from app.orders.services import create_order

        for n in range(12):
            customer = Customer(name=f"Sandbox {n}", email=f"sandbox{n}@example.com")
            order = create_order(customer, [{"name": "Светр", "quantity": 1, "price": "50.00"}],
                                 shipments=[{"carrier": "sandbox", "tracking_number": f"SBX{n:010d}"}],
                                 source="system")
            db.session.flush()
            lifecycle.change_status(order, "awaiting_shipment", source="system")
        db.session.commit()
        db.engine.dispose()
    commands = [[sys.executable, "tests/concurrent_writer.py", url, str(w), "5"] for w in range(2)]
    commands += [[sys.executable, "tests/concurrent_writer.py", url, "97", "6", "sync"],
                 [sys.executable, "tests/concurrent_writer.py", url, "98", "6", "dispatch"],
                 [sys.executable, "tests/concurrent_writer.py", url, "99", "6", "read"]]
    processes = [subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for cmd in commands]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, err[-2000:]
        assert "database is locked" not in err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert [r["errors"] for r in results] == [[]] * len(commands)
    sync, dispatch = results[2], results[3]
    assert sync["rounds"] > 1 and sync["work"] > 0
    assert dispatch["rounds"] > 1

    with app.app_context():
        from app.carriers.models import SyncRun
        from app.notify.models import Notification
        from app.orders.models import Order

        sandbox = db.session.query(Order).join(Order.shipments).filter_by(carrier="sandbox").all()
        assert all(o.status != "awaiting_shipment" for o in sandbox)
        runs = db.session.query(SyncRun).filter_by(carrier="sandbox").all()
        assert runs and all("locked" not in (r.errors or "") for r in runs)
        notes = db.session.query(Notification).all()
        assert notes and all("locked" not in (n.last_error or "") for n in notes)
        assert any(n.state == "sent" for n in notes)
        db.engine.dispose()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # PostgreSQL readers never wait for writers
def test_reads_do_not_take_the_write_lock(app, db, make_user, client, login):
    """A GET reads from its snapshot while another connection holds the write lock."""
    user = make_user("customer")
    login(user.email)
    db.session.rollback()  # the test's app context outlives the log-in request; a real one ends with it
    blocker = db.engine.raw_connection()
    try:
        blocker.driver_connection.execute("BEGIN IMMEDIATE")
        blocker.driver_connection.execute("UPDATE users SET name = 'x' WHERE id = ?", (user.id,))
        assert client.get("/orders/").status_code == 200
        assert client.get("/privacy").status_code == 200
    finally:
        if blocker.driver_connection.in_transaction:
            blocker.driver_connection.execute("ROLLBACK")
        blocker.close()
    assert db.session.query(UserSession).count() == 1


# ---- /healthz looks at the database for real ---------------------------------------------------

LOCKER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
if sys.argv[2] == "exclusive":  # nobody else may even read (locking_mode=EXCLUSIVE, taken at the first read)
    conn.execute("PRAGMA locking_mode=EXCLUSIVE")
    conn.execute("SELECT COUNT(*) FROM alembic_version").fetchone()
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.read()
"""


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # PostgreSQL's writes never find a stale snapshot
def test_staff_open_an_order_while_a_carrier_sync_writes(app, db, make_user, make_order, client, login, db_url):
    """The order page audits the view in a short write. A sync that committed after the page had
    begun reading (here: the moment the order was read) left the page's read snapshot stale, and
    SQLite refused the audit write at once: the staff member got the 503 page (seen in the demo)."""
    order = make_order()
    order_id, number = order.id, order.number
    login(make_user("staff").email)
    db.session.rollback()  # the test's app context outlives the log-in request; a real one ends with it
    path = db_url.removeprefix("sqlite:///")
    wrote = []

    def sync_commits(conn, cursor, statement, *args):
        if not wrote and statement.lstrip().startswith("SELECT") and "FROM orders" in statement:
            other = sqlite3.connect(path)
            other.execute("UPDATE orders SET note = 'carrier sync' WHERE id = ?", (order_id,))
            other.commit()
            other.close()
            wrote.append(True)

    event.listen(db.engine, "after_cursor_execute", sync_commits)
    try:
        response = client.get(f"/admin/orders/{order_id}", headers={"Accept-Language": "en"})
    finally:
        event.remove(db.engine, "after_cursor_execute", sync_commits)
    assert wrote
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert number in response.get_data(as_text=True)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("app_config", [{"HEALTHZ_TIMEOUT_SECONDS": 1}])
@pytest.mark.parametrize("lock", ["write", "exclusive"])
def test_healthz_answers_503_at_once_while_another_process_locks_sqlite(app, db, client, db_url, lock):
    assert client.get("/healthz").status_code == 200  # the pool has its connection open, as in production
    path = db_url.removeprefix("sqlite:///")
    locker = subprocess.Popen([sys.executable, "-c", LOCKER, path, lock], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert locker.stdout.readline().strip() == "locked"
        started = time.monotonic()
        response = client.get("/healthz")
        elapsed = time.monotonic() - started
        assert response.status_code == 503
        body = response.get_json()
        assert body["status"] == "error" and body["database"] == "error: locked"
        assert "no write could start within 1 s" in body["detail"] and body["scheduler"] == "off"
        assert elapsed < 4, f"/healthz took {elapsed:.1f} s"  # not the 15 s busy timeout of the pool
        assert response.headers["Cache-Control"] == "no-store"
    finally:
        locker.stdin.close()
        locker.wait(timeout=10)
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok", "scheduler": "off"}


def test_healthz_answers_503_for_a_database_without_the_schema(tmp_path):
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    response = create_app(_config(f"sqlite:///{empty}")).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "error: not migrated"
    assert "db upgrade" in response.get_json()["detail"]


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_healthz_answers_503_when_postgresql_accepts_no_writes(app, db, client, db_url):
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    assert client.get("/healthz").status_code == 200
    url = make_url(db_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{url.database}" SET default_transaction_read_only = on'))
        db.session.remove()
        db.engine.dispose()  # new connections see the setting (a standby after a fail-over looks the same)
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.get_json()["database"] == "error: read-only"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{url.database}" RESET default_transaction_read_only'))
        admin.dispose()
        db.engine.dispose()
    assert client.get("/healthz").status_code == 200


def test_healthz_names_the_failing_part_but_keeps_the_database_error_text_in_the_log(tmp_path, caplog):
    """Anyone may call /healthz: the answer names the part (``"database": "error: ..."``) and a fixed
    sentence; the database's own words (a file path, an SQL fragment) go to the log, for the operator."""
    garbage = tmp_path / "secret-name.db"
    garbage.write_bytes(b"this is no database, and the message says so " * 200)
    for url in (f"sqlite:///{garbage}", f"sqlite:///{tmp_path}/hidden-folder/tracking.db"):
        caplog.clear()
        with caplog.at_level("WARNING"):
            response = create_app(_config(url)).test_client().get("/healthz")
        body = response.get_data(as_text=True)
        assert response.status_code == 503
        assert response.get_json()["status"] == "error"
        assert response.get_json()["database"] in ("error: error", "error: unreachable")
        assert response.get_json()["detail"]
        for secret in ("not a database", "unable to open", "secret-name", "hidden-folder", str(tmp_path)):
            assert secret not in body
        logged = " ".join(record.getMessage() for record in caplog.records)
        assert "not a database" in logged or "unable to open" in logged
