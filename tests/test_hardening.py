"""The small holes an attacker with a browser finds: timing, unthrottled password checks, huge bodies,
out-of-range filters, a CSRF token kept across log-in, backups readable by everyone."""
import os
import re
import stat
import time

import pytest

from app.orders.models import Customer
from tests.conftest import PASSWORD


@pytest.fixture
def app_config():
    # the parameters production uses (OWASP's Argon2id minimum), so that hashing time is real
    return {"RATELIMIT_ENABLED": True, "PASSWORD_HASH_TIME_COST": 2, "PASSWORD_HASH_MEMORY_KIB": 19456,
            "LOGIN_RATE_LIMIT": "1000 per minute", "LOGIN_ACCOUNT_RATE_LIMIT": "1000 per minute"}


def _seconds(client, email):
    started = time.perf_counter()
    assert client.post("/login", data={"email": email, "password": "wrong-password-1"}).status_code == 200
    return time.perf_counter() - started


def test_log_in_takes_as_long_for_an_unknown_e_mail(app, make_user, client):
    """Known and unknown e-mails alternate, so a busy machine slows both alike. Before, the unknown
    one checked a hash made with cheaper parameters and took a small fraction of the time."""
    user = make_user("customer")
    _seconds(client, user.email)  # warm up
    known, unknown = [], []
    for _ in range(7):
        known.append(_seconds(client, user.email))
        unknown.append(_seconds(client, "nobody@example.com"))
    # the fastest of each: what the work itself costs, whatever the other worker slowed (a median of 7
    # once fell under 0.4 × with a browser test beside it)
    assert min(unknown) > min(known) * 0.4, (known, unknown)


def test_log_in_takes_as_long_for_a_deactivated_account(app, db, make_user, client):
    """A deactivated account answers as an unknown e-mail does, in the same time: before, it was refused
    before its password was checked, a small fraction of the time, which told that the e-mail has an
    account (staff who left, a customer an admin switched off)."""
    user = make_user("staff")
    user.active = False
    db.session.commit()
    answer = client.post("/login", data={"email": user.email, "password": "wrong-password-1"}).get_data(as_text=True)
    nobody = client.post("/login", data={"email": "nobody@example.com", "password": "wrong-password-1"})
    assert "Неправильний e-mail або пароль." in answer and "Неправильний e-mail або пароль." in nobody.get_data(as_text=True)
    deactivated, unknown = [], []
    for _ in range(7):
        deactivated.append(_seconds(client, user.email))
        unknown.append(_seconds(client, "nobody@example.com"))
    assert min(deactivated) > min(unknown) * 0.4, (deactivated, unknown)
    # the right password does not let a deactivated account in either
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 200


def test_the_password_asked_before_erasure_is_throttled(app, db, make_user, client, login):
    user = make_user("customer")
    login(user.email)
    for _ in range(5):
        answer = client.post("/account/privacy/erase", data={"password": "wrong-password-1", "confirm": "y"})
        assert answer.status_code == 400
    blocked = client.post("/account/privacy/erase", data={"password": PASSWORD, "confirm": "y"})
    assert blocked.status_code == 429
    assert db.session.get(Customer, user.customer.id).anonymised_at is None


def test_a_huge_body_is_refused_before_it_is_read(app, client):
    answer = client.post("/login", data=b"x" * (9 * 1024 * 1024), content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 413 and "Traceback" not in answer.get_data(as_text=True)


BAD_FILTERS = (  # (page, query, what the answer names)
    ("/admin/orders", "date_to=9999-12-31", "9999-12-31"),
    ("/admin/orders", "date_from=0001-01-01", "0001-01-01"),
    ("/admin/orders", "date_from=2026-02-31", "2026-02-31"),
    ("/admin/orders", "date_to=tomorrow", "tomorrow"),
    ("/admin/orders", "q=" + "ж" * 60000, "200"),
    ("/admin/orders", "region=" + "x" * 60000, "120"),
    ("/admin/orders/export.csv", "date_to=9999-12-31", "9999-12-31"),
    ("/admin/orders/export.csv", "q=" + "x" * 60000, "200"),
    ("/admin/audit", "date_from=9999-12-31", "9999-12-31"),
    ("/admin/audit", "actor=" + "x" * 60000, "254"),
    ("/admin/analytics/", "date_to=3000-01-01", "3000-01-01"),
    ("/admin/users", "q=" + "x" * 60000, "254"),
    ("/admin/notifications/", "q=" + "x" * 60000, "254"),
)


@pytest.mark.parametrize("path, query, named", BAD_FILTERS, ids=[f"{p}?{q[:24]}" for p, q, _n in BAD_FILTERS])
def test_out_of_range_dates_and_long_filters_are_a_translated_400(app, make_user, make_order, client, login,
                                                                   path, query, named):
    """Before, 9999-12-31 was a 500 (the day after it overflows), a 60,000-character filter a misleading
    503 from the database, and other bad values were dropped or cut without a word."""
    make_order()
    login(make_user("admin").email)
    answer = client.get(f"{path}?{query}", headers={"Accept-Language": "en"})
    assert answer.status_code == 400, (answer.status_code, answer.get_data(as_text=True)[:300])
    page = answer.get_data(as_text=True)
    assert named in page and query.split("=")[0] in page and "Traceback" not in page
    download = "/export." in path
    assert ("Show the list without filters" in page) is not download  # a link back to the list, not to a file
    ukrainian = client.get(f"{path}?{query}", headers={"Accept-Language": "uk"}).get_data(as_text=True)
    assert named in ukrainian and any(words in ukrainian for words in ("не дата", "поза роками", "довший за"))
    assert ("Показати список без фільтрів" in ukrainian) is not download


def test_good_dates_and_filters_still_filter(app, make_user, make_order, client, login):
    order = make_order()
    login(make_user("staff").email)
    for query, listed in (("date_from=1900-01-01&date_to=2999-12-31", True), ("date_from=2999-12-31", False),
                          ("q=" + order.number, True), ("q=" + "x" * 200, False)):
        answer = client.get(f"/admin/orders?{query}")
        assert answer.status_code == 200, query
        assert (order.number in answer.get_data(as_text=True)) is listed, query


def test_the_csrf_token_changes_at_log_in(app, make_user, client):
    app.config["WTF_CSRF_ENABLED"] = True
    user = make_user("customer")
    page = client.get("/login").get_data(as_text=True)
    planted = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'name="csrf_token" value="([^"]+)"', page)
    token = planted.group(1)
    assert client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
                       ).status_code == 302
    assert client.post("/logout", data={"csrf_token": token}).status_code == 400  # the old token is void
    fresh = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/orders/").get_data(as_text=True)).group(1)
    assert client.post("/logout", data={"csrf_token": fresh}).status_code == 302


def test_backups_are_readable_by_the_app_only(app, db, runner, tmp_path):
    previous = os.umask(0o022)
    try:
        result = runner.invoke(args=["backup", str(tmp_path / "copy.db")])
    finally:
        os.umask(previous)
    assert result.exit_code == 0, result.output
    assert os.stat(tmp_path / "copy.db").st_mode & 0o077 == 0


def test_the_sqlite_database_is_readable_by_the_app_only(tmp_path):
    """Before, the database file (and its -wal/-shm) came out 0644 under the usual umask, while the
    secret key beside it was 0600. The CLI creates and migrates a new file; a file left world-readable
    by an older version is narrowed when the app starts."""
    from app import create_app
    from tests.conftest import _config

    path = tmp_path / "fresh.db"
    previous = os.umask(0o022)
    try:
        app = create_app(_config(f"sqlite:///{path}"))
        app.instance_path = str(tmp_path)
        result = app.test_cli_runner().invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        with app.app_context():
            from app.extensions import db

            db.session.execute(db.text("CREATE TABLE IF NOT EXISTS probe (x INTEGER)"))
            db.session.commit()
            for name in (path, tmp_path / "fresh.db-wal", tmp_path / "fresh.db-shm"):
                if name.exists():
                    assert stat.S_IMODE(os.stat(name).st_mode) == 0o600, name
            db.engine.dispose()
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        old = tmp_path / "old.db"
        old.write_bytes(path.read_bytes())
        os.chmod(old, 0o666)
        create_app(_config(f"sqlite:///{old}"))
        assert stat.S_IMODE(os.stat(old).st_mode) == 0o640
    finally:
        os.umask(previous)
