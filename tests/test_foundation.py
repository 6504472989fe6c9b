"""Migrations, demo data, log-in, access to orders, errors and the health check."""
import re

import pytest
from sqlalchemy import create_engine, inspect

from app.orders import statuses
from app.orders.models import Order


def test_migrations_build_the_whole_schema_and_downgrade(db_url):
    from flask_migrate import downgrade, upgrade

    from app import create_app
    from app.extensions import db
    from tests.conftest import _config

    app = create_app(_config(db_url))
    with app.app_context():
        expected = set(db.metadata.tables)
        engine = create_engine(db_url)
        assert expected <= set(inspect(engine).get_table_names())
        downgrade(revision="base")
        assert set(inspect(engine).get_table_names()) - {"alembic_version"} == set()
        upgrade()
        assert expected <= set(inspect(engine).get_table_names())
        engine.dispose()
        db.engine.dispose()


#: Checks of the demo's data once loaded, on one engine: loading it on PostgreSQL is checked by
#: test_demo_data_is_idempotent_and_covers_every_status (and every demo page by test_tracking)
DEMO_DATA_ON_SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_demo_data_is_idempotent_and_covers_every_status(app, db, runner):
    first = runner.invoke(args=["demo-data"])
    assert first.exit_code == 0 and "63 orders" in first.output
    counts = {s: db.session.query(Order).filter_by(status=s).count() for s in statuses.ALL}
    assert sum(counts.values()) >= 50 and all(counts.values())
    second = runner.invoke(args=["demo-data"])
    assert second.exit_code == 0 and "already loaded" in second.output
    assert db.session.query(Order).count() == sum(counts.values())
    olena = [o for o in db.session.query(Order).all() if o.customer.email == "olena@example.com"]
    assert {o.status for o in olena} == set(statuses.ALL)
    assert any(s.carrier == "sandbox" and s.active for o in olena for s in o.shipments)


@DEMO_DATA_ON_SQLITE
def test_demo_tracking_numbers_have_real_formats(app, db, runner):
    from app.carriers import detect_carriers
    from app.orders.models import Shipment

    runner.invoke(args=["demo-data"])
    shipments = db.session.query(Shipment).all()
    assert {s.carrier for s in shipments} >= {"nova_poshta", "ukrposhta", "meest", "dhl", "inpost", "sandbox"}
    for shipment in shipments:
        assert shipment.carrier in detect_carriers(shipment.tracking_number), shipment.tracking_number


@DEMO_DATA_ON_SQLITE
def test_demo_log_ins_work(app, runner, client):
    runner.invoke(args=["demo-data"])
    for email, landing in (("olena@example.com", "/orders/"), ("staff@example.com", "/admin/orders"),
                           ("admin@example.com", "/admin/orders")):
        response = client.post("/login", data={"email": email, "password": "demo-pass-1"})
        assert response.status_code == 302 and response.headers["Location"].endswith(landing)
        assert client.get(landing).status_code == 200
        assert client.post("/logout").status_code == 302
        assert client.get(landing).status_code == 302  # logged out: back to the log-in page


@DEMO_DATA_ON_SQLITE
def test_login_page_shows_demo_accounts_only_with_demo_data(app, runner, client):
    assert "olena@example.com" not in client.get("/login").get_data(as_text=True)
    runner.invoke(args=["demo-data"])
    assert "olena@example.com" in client.get("/login").get_data(as_text=True)


def test_wrong_password_is_refused(app, make_user, client, login):
    user = make_user("customer")
    response = login(user.email, "wrong-password-here")
    assert response.status_code == 200
    assert "Неправильний e-mail або пароль" in response.get_data(as_text=True)
    assert client.get("/orders/").status_code == 302


def test_passwords_are_hashed_with_argon2id(app, make_user):
    assert make_user("staff").password_hash.startswith("$argon2id$")


def test_customer_cannot_open_another_customers_order(app, make_user, make_order, client, login):
    alice, bob = make_user("customer"), make_user("customer")
    mine = make_order(customer=alice.customer)
    theirs = make_order(customer=bob.customer)
    login(alice.email)
    assert client.get(f"/orders/{mine.number}").status_code == 200
    response = client.get(f"/orders/{theirs.number}")
    assert response.status_code == 404
    assert bob.customer.name not in response.get_data(as_text=True)
    assert client.get("/orders/PS-999999").status_code == 404


def test_customer_cannot_open_staff_pages(app, make_user, make_order, client, login):
    login(make_user("customer").email)
    assert client.get("/admin/orders").status_code == 403


def test_staff_changes_status_through_the_form(app, db, make_user, make_order, client, login):
    order = make_order(status="new")
    login(make_user("staff").email)
    response = client.post(f"/admin/orders/{order.id}", data={"status": "awaiting_shipment", "note": "ok",
                                                              "version": order.version})
    assert response.status_code == 302
    db.session.refresh(order)
    assert order.status == "awaiting_shipment"


def test_staff_illegal_or_stale_change_writes_nothing(app, db, make_user, make_order, client, login):
    order = make_order(status="new")
    login(make_user("staff").email)
    stale = client.post(f"/admin/orders/{order.id}", data={"status": "awaiting_shipment", "version": 0})
    assert stale.status_code == 409
    assert "змінив хтось інший" in stale.get_data(as_text=True)
    db.session.refresh(order)
    assert order.status == "new" and len(order.history) == 1


def test_unknown_page_is_a_translated_404(app, client):
    response = client.get("/no/such/page", headers={"Accept-Language": "pl"})
    assert response.status_code == 404
    assert "Nie znaleziono strony" in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_healthz(app, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "scheduler": "off"}


def test_language_switch_is_remembered(app, client):
    client.post("/language", data={"lang": "en", "next": "/"})
    assert "Where is my order?" in client.get("/").get_data(as_text=True)



@pytest.mark.parametrize("shown_at, back_to", [
    ("/admin/users/4/reset-password", "/admin/users"),  # the new password's page
    ("/admin/orders/7/shipments", "/admin/orders/7"),  # a refused parcel
    ("/orders/PS-100001/returns/3/waybill", "/orders/PS-100001"),
    ("/admin/orders?q=PS-1&status=new", "/admin/orders?q=PS-1&status=new"),  # a page stays itself
    ("/no/such/page", "/no/such/page"),
])
def test_language_switch_on_a_forms_answer_leads_to_its_page(app, client, shown_at, back_to):
    """A refused form is answered at its own address, which takes only POST: the language buttons
    there led to 'This action is not allowed here'."""
    answer = client.post("/language", data={"lang": "pl", "next": shown_at})
    assert answer.status_code == 302 and answer.headers["Location"] == back_to


def test_the_home_page_offers_a_guest_the_look_up_as_well_as_the_log_in(app, client):
    """A customer without an account saw only "Log in to see your orders"; the look-up hid in the menu."""
    html = client.get("/").get_data(as_text=True)
    assert 'href="/login"' in html and re.search(r'<a class="button secondary" href="/track">', html)


def test_unknown_language_falls_back_to_ukrainian(app, client):
    html = client.get("/", headers={"Accept-Language": "de-DE,de;q=0.9"}).get_data(as_text=True)
    assert "Де моє замовлення?" in html and re.search(r'<html lang="uk"', html)


def test_create_user_cli(app, runner):
    result = runner.invoke(args=["create-user", "--role", "staff", "new.staff@example.com"],
                           input="long-enough-password\nlong-enough-password\n")
    assert result.exit_code == 0, result.output
    short = runner.invoke(args=["create-user", "--role", "staff", "x@example.com"], input="short\nshort\n")
    assert short.exit_code != 0 and "at least 12" in short.output
    # the e-mail rule customers' addresses follow: "staff@shop" could never be sent a message
    nowhere = runner.invoke(args=["create-user", "--role", "staff", "staff@shop"],
                            input="long-enough-password\nlong-enough-password\n")
    assert nowhere.exit_code != 0 and "Enter a valid e-mail address." in nowhere.output


def test_form_fields_are_marked_invalid_only_with_an_error(app, client):
    html = client.get("/login").get_data(as_text=True)
    assert "aria-invalid" not in html and 'aria-describedby="None"' not in html
    html = client.post("/login", data={"email": "not-an-address", "password": ""}).get_data(as_text=True)
    assert 'aria-invalid="true"' in html and 'aria-describedby="email-error"' in html


@DEMO_DATA_ON_SQLITE
def test_demo_history_is_not_announced(app, db, runner):
    from app.notify.models import Notification

    runner.invoke(args=["demo-data"])
    outgoing = db.session.query(Notification).filter(Notification.channel != "inapp").all()
    assert outgoing and {n.state for n in outgoing} == {"skipped"}  # nothing goes out for old history


def test_favicon_is_served_by_the_app_and_linked_from_every_page(app, client, make_order):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/vnd.microsoft.icon"
    assert icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    svg = client.get("/static/favicon.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    from app.orders.links import make_token

    order = make_order()
    for path in ("/", "/login", "/privacy", f"/widget/{make_token(order)}", "/widget/not-a-valid-token"):
        html = client.get(path).get_data(as_text=True)
        assert '<link rel="icon" href="/favicon.ico"' in html and 'href="/static/favicon.svg"' in html, path


@DEMO_DATA_ON_SQLITE
def test_demo_returns_carry_reason_codes(app, db, runner, client, make_user, login):
    from app.admin.reasons import RETURN_REASONS
    from app.orders.models import StatusEvent

    runner.invoke(args=["demo-data"])
    returns = db.session.query(StatusEvent).filter_by(status="returned").all()
    assert len(returns) >= 4
    assert all(event.reason_code in RETURN_REASONS and event.source == "staff" and event.note for event in returns)
    assert len({event.reason_code for event in returns}) >= 3  # a realistic mix, not one reason
    login(make_user("staff").email)
    page = client.get("/admin/analytics/", query_string={"date_from": "2020-01-01", "lang": "en"}).get_data(
        as_text=True)
    assert "Wrong size" in page and "Not given" not in page
