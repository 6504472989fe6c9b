"""Privacy: retention, export completeness, erasure, audit rows and the privacy pages."""
import csv
import html
import io
import json
import re
import zipfile
from datetime import timedelta

from sqlalchemy import inspect, text

from app.api.models import PlatformCustomer
from app.audit import AuditLog
from app.auth.models import User
from app.auth.sessions import UserSession
from app.clock import utcnow
from app.feedback.models import CustomerFeedback
from app.notify.models import MessengerLink, Notification, NotificationPreference, PushSubscription
from app.orders import lifecycle
from app.orders.models import CarrierEvent, Customer, Order, Shipment
from app.privacy import registry, retention
from app.privacy.registry import months_before
from app.returns.models import ReturnCase
from app.tracking.models import OrderFollower, ProblemReport, ReturnRequest

PERSONAL = {
    "name": "Зоряна Унікальна-Тестова",
    "email": "zoryana.unique@example.com",
    "phone": "+380671112233",
    "address": "вул. Секретна, 17, кв. 4",
    "pickup": "Поштомат Таємний №9911",
    "postcode": "79099",
    "note": "Подзвоніть Зоряні перед доставкою",
    "status_note": "Зоряна просила повернути через розмір",
    "location": "Відділення Таємне 5, вул. Прихована",
    "tracking": "20450099887766",
    "payload": "Recipient Zoryana Unikalna",
    "return_reason": "Зоряні не підійшов розмір рукава",
    "problem": "Зоряна чекає посилку вже тиждень",
    "feedback": "Зоряна: кур'єр був дуже ввічливий",
    "follower": "zoryana.mama@example.com",
    "push_endpoint": "https://push.example/zoryana-secret-endpoint",
    "telegram_chat": "918273645501",
}


def _seed_customer(db, make_user, make_order, staff):
    """A customer with a log-in and one finished order that touches every personal column."""
    user = make_user("customer", email=PERSONAL["email"], name=PERSONAL["name"])
    customer = user.customer
    customer.phone = PERSONAL["phone"]
    db.session.commit()
    order = make_order(customer=customer, status="delivered", tracking_number=PERSONAL["tracking"],
                       delivery={"city": "Львів", "region": "Львівська", "pickup_point": PERSONAL["pickup"],
                                 "address": PERSONAL["address"], "postcode": PERSONAL["postcode"]},
                       note=PERSONAL["note"])
    shipment = order.shipments[0]
    shipment.raw_payload = json.dumps({"RecipientFullName": PERSONAL["payload"]})
    db.session.add(CarrierEvent(shipment=shipment, occurred_at=utcnow(), raw_code="9", raw_text="Отримано",
                                location=PERSONAL["location"], mapped_status="delivered"))
    db.session.add(ReturnRequest(order_id=order.id, reason=PERSONAL["return_reason"], requested_by_user_id=user.id))
    db.session.add(ReturnCase(order_id=order.id, kind="exchange", state="requested", reason="wrong_size",
                              comment=PERSONAL["return_reason"], opened_by="customer"))
    db.session.add(ProblemReport(order_id=order.id, message=PERSONAL["problem"], source="customer"))
    db.session.add(CustomerFeedback(order_id=order.id, channel="email", asked_at=utcnow(), rating=5,
                                    comment=PERSONAL["feedback"], answered_at=utcnow()))
    db.session.add(OrderFollower(order_id=order.id, channel="email", address=PERSONAL["follower"], language="uk",
                                 consent_text="Я погоджуюся", token="follow-token-zoryana"))
    db.session.add(NotificationPreference(customer_id=customer.id, email_enabled=True, email_consent_at=utcnow()))
    db.session.add(PlatformCustomer(platform="woocommerce", external_id="17", customer_id=customer.id))
    db.session.add(PushSubscription(customer_id=customer.id, endpoint=PERSONAL["push_endpoint"],
                                    p256dh="BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
                                    auth="tBHItJI5svbpez7KI4CCXg"))
    db.session.add(MessengerLink(customer_id=customer.id, channel="telegram", chat_id=PERSONAL["telegram_chat"]))
    lifecycle.change_status(order, "returned", source="staff", actor_user=staff, note=PERSONAL["status_note"])
    db.session.commit()
    # the messages the changes queued, sent to the dev mailbox (no SMTP is configured)
    from app.notify.dispatcher import dispatch

    dispatch(now=utcnow() + timedelta(hours=1))
    db.session.commit()
    return user, customer, order



def _dump(db):
    """Every text value of every table of the database, as one string."""
    engine = db.engine
    chunks = []
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                chunks.extend(str(value) for value in row if value is not None)
    return "\n".join(chunks).lower()


# ---- registry --------------------------------------------------------------------------------

def test_every_table_with_personal_columns_is_registered(app):
    assert registry.unregistered_personal_tables() == []
    names = {source.name for source in registry.sources()}
    assert {"customers", "users", "orders", "shipments", "status_events", "carrier_events", "audit_log",
            "user_sessions"} <= names


def test_months_before_clamps_to_the_end_of_the_month():
    from datetime import datetime

    assert months_before(datetime(2026, 3, 31, 10), 1) == datetime(2026, 2, 28, 10)
    assert months_before(datetime(2026, 1, 15), 12) == datetime(2025, 1, 15)


# ---- retention -------------------------------------------------------------------------------

def _age(db, order, days):
    order.status_changed_at = utcnow() - timedelta(days=days)
    order.customer.created_at = utcnow() - timedelta(days=days + 30)
    db.session.commit()


def test_retention_anonymises_old_finished_orders_only(app, db, make_order, make_user, runner):
    staff = make_user("staff")
    old_delivered = make_order(status="delivered", note="Залишити у сусідки Марії")
    old_cancelled = make_order(status="cancelled")
    recent = make_order(status="delivered", note="Свіжа примітка")
    old_open = make_order(status="in_transit")
    lifecycle.change_status(old_delivered, "returned", source="staff", actor_user=staff, note="Повернення Марії")
    db.session.commit()
    for order in (old_delivered, old_cancelled, old_open):
        _age(db, order, 400)
    _age(db, recent, 30)
    db.session.add(UserSession(user_id=staff.id, token_hash="x" * 64, created_at=utcnow() - timedelta(days=3),
                               last_seen_at=utcnow() - timedelta(days=3), expires_at=utcnow() - timedelta(days=2)))
    db.session.add(AuditLog(action="old.entry", created_at=utcnow() - timedelta(days=800)))
    db.session.commit()

    def analytics():
        orders = db.session.query(Order).order_by(Order.id).all()
        return ([(o.number, o.status, o.total, o.created_at, o.status_changed_at, len(o.items), len(o.history))
                 for o in orders])

    before = analytics()
    preview = {rule.name: (count, sample) for rule, count, sample in retention.preview()}
    assert preview["orders"][0] == 2 and set(preview["orders"][1]) == {old_delivered.number, old_cancelled.number}
    assert preview["sessions"][0] == 1 and preview["audit"][0] == 1

    result = runner.invoke(args=["retention"])
    assert result.exit_code == 0, result.output
    assert "orders: 2" in result.output and "sessions: 1" in result.output and "audit: 1" in result.output
    assert "customers: 2" in result.output

    db.session.expire_all()
    assert analytics() == before  # numbers, statuses, totals, dates and history all unchanged
    for order in (old_delivered, old_cancelled):
        assert order.anonymised_at is not None and order.note is None and order.delivery_pickup_point is None
        assert order.customer.email is None and order.customer.phone is None and order.customer.name == "—"
        assert order.shipments[0].tracking_number == f"anon-{order.shipments[0].id}"
        assert all(event.note is None and event.actor is None for event in order.history)
    assert old_delivered.delivery_city == "Львів"  # coarse place stays for delivery statistics
    for order in (recent, old_open):
        assert order.anonymised_at is None and order.customer.email and order.shipments[0].tracking_number.isdigit()
    assert recent.note == "Свіжа примітка"
    dump = _dump(db)
    assert "марії" not in dump and "свіжа примітка" in dump
    assert db.session.query(UserSession).count() == 0

    again = runner.invoke(args=["retention", "--dry-run"])
    assert "orders: 0 would be touched" in again.output


def test_retention_keeps_customers_with_an_account(app, db, make_order, make_user):
    user = make_user("customer")
    order = make_order(customer=user.customer, status="delivered")
    _age(db, order, 400)
    counts = retention.run()
    assert counts["orders"] == 1 and counts["customers"] == 0
    db.session.expire_all()
    assert order.anonymised_at is not None and user.customer.email == user.email


def test_admin_sees_the_retention_preview_and_can_run_it(app, db, make_order, make_user, client, login):
    order = make_order(status="delivered")
    _age(db, order, 400)
    login(make_user("admin").email)
    html = client.get("/admin/privacy").get_data(as_text=True)
    assert order.number in html and 'id="retention-orders">1<' in html
    response = client.post("/admin/privacy/retention", follow_redirects=True)
    assert "1" in response.get_data(as_text=True) and response.status_code == 200
    db.session.expire_all()
    assert order.anonymised_at is not None


# ---- export ----------------------------------------------------------------------------------

#: Every field a customer's own export may hold, table by table. A new column reaches customers only
#: when it is added here and in app/privacy/sources.py: the shop's systems and staff stay out.
EXPORT_ALLOW_LIST = {
    "customers": {"name", "email", "phone", "language", "created_at"},
    "users": {"email", "name", "language", "created_at", "last_login_at"},
    "user_sessions": {"created_at", "last_seen_at", "expires_at", "remembered", "ip", "user_agent"},
    "orders": {"id", "number", "status", "status_changed_at", "currency", "problem_note", "delivery_carrier",
               "delivery_country", "delivery_city", "delivery_region", "delivery_pickup_point", "delivery_address",
               "delivery_postcode", "created_at"},
    "order_items": {"order_id", "name", "sku", "size", "color", "quantity", "price"},
    "shipments": {"id", "order_id", "carrier", "tracking_number", "scheduled_delivery_date", "created_at"},
    "status_events": {"order_id", "status", "previous_status", "created_at"},
    "carrier_events": {"shipment_id", "occurred_at", "raw_text", "location"},
    "notifications": {"id", "order_id", "channel", "kind", "status", "recipient", "subject", "body", "state",
                      "created_at", "sent_at", "read_at"},
    "notification_preferences": {"email_enabled", "email_consent_at", "sms_enabled", "sms_consent_at",
                                 "push_enabled", "push_consent_at", "telegram_enabled", "telegram_consent_at",
                                 "viber_enabled", "viber_consent_at", "sms_only_without_messenger", "updated_at"},
    "push_subscriptions": {"endpoint", "created_at"},
    "messenger_links": {"channel", "chat_id", "consent_at", "stopped_at"},
    "return_requests": {"order_id", "reason", "created_at"},
    "return_cases": {"order_id", "kind", "state", "reason", "comment", "staff_message", "created_at", "refund_amount",
                     "refund_method", "refund_date"},
    "problem_reports": {"order_id", "message", "created_at"},
    "customer_feedback": {"order_id", "rating", "comment", "asked_at", "answered_at"},
    # who follows is that person's data (GDPR Art. 15(4)): the copy says someone does, not who
    "order_followers": {"order_id", "channel", "consent_at", "consent_text", "unsubscribed_at"},
}
#: What the shop holds about its own systems and staff around the same customer: never exported.
SHOP_ONLY = {
    "webhook": "https://hooks.slack.example/services/T000/B000/secret-zoryana-hook",
    "webhook_error": "Connection refused by hooks.slack.example",
    "staff_ip": "10.9.8.7",
}


def _shop_records(db, order, staff):
    """A webhook delivery about the order and an audit row by staff from their office address."""
    from app.notify.models import WebhookEndpoint
    from app.settings import encrypt

    endpoint = WebhookEndpoint(url=SHOP_ONLY["webhook"], secret_encrypted=encrypt("whsec_x"))
    db.session.add(endpoint)
    db.session.flush()
    db.session.add(Notification(event_id="evt_shop", order_id=order.id, customer_id=order.customer_id,
                                endpoint_id=endpoint.id, channel="webhook", recipient=SHOP_ONLY["webhook"],
                                payload=json.dumps({"url": SHOP_ONLY["webhook"]}), state="failed",
                                last_error=SHOP_ONLY["webhook_error"]))
    db.session.add(AuditLog(action="order.update", object_type="order", object_id=str(order.id),
                            actor_user_id=staff.id, actor_label=staff.email, ip=SHOP_ONLY["staff_ip"],
                            after=json.dumps({"note": PERSONAL["note"]})))
    db.session.commit()


def test_export_holds_exactly_the_subjects_data(app, db, make_user, make_order, client, login):
    staff = make_user("staff", email="olha.staff@shop.example")
    user, customer, order = _seed_customer(db, make_user, make_order, staff)
    _shop_records(db, order, staff)
    login(user.email)
    response = client.post("/account/privacy/export.json")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    tables = data["tables"]
    assert set(tables) == set(EXPORT_ALLOW_LIST)
    for name, rows in tables.items():
        assert rows, f"{name} exported nothing"
        for row in rows:
            assert set(row) == EXPORT_ALLOW_LIST[name], name
    text_ = json.dumps(data, ensure_ascii=False)
    for key in ("name", "email", "phone", "address", "pickup", "postcode", "location", "tracking", "return_reason",
                "push_endpoint", "feedback"):
        assert PERSONAL[key] in text_, key
    # the internal order note, the staff's note on a status change, the carrier's raw answer
    for key in ("note", "status_note", "payload"):
        assert PERSONAL[key] not in text_, key
    for value in (*SHOP_ONLY.values(), staff.email, "whsec_"):
        assert value not in text_, value
    assert {row["channel"] for row in tables["notifications"]} == {"email", "push", "inapp"}
    assert {row["recipient"] for row in tables["notifications"]} == {PERSONAL["email"], PERSONAL["push_endpoint"],
                                                                     None}
    assert PERSONAL["follower"] not in text_  # neither the follower's address nor the news sent to them
    assert tables["orders"][0]["number"] == order.number
    assert db.session.query(AuditLog).filter_by(action="privacy.export", object_id=str(customer.id)).count() == 1

    archive = zipfile.ZipFile(io.BytesIO(client.post("/account/privacy/export.csv").data))
    with archive.open("customers.csv") as fh:
        rows = list(csv.DictReader(io.TextIOWrapper(fh, encoding="utf-8-sig")))
    assert rows[0]["email"] == PERSONAL["email"] and rows[0]["phone"] == PERSONAL["phone"]
    assert {f"{name}.csv" for name in EXPORT_ALLOW_LIST} | {"README.txt"} == set(archive.namelist())
    everything = "".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())
    for value in (*SHOP_ONLY.values(), staff.email, PERSONAL["note"]):
        assert value not in everything, value


def test_export_of_another_format_is_404(app, make_user, client, login):
    login(make_user("customer").email)
    assert client.post("/account/privacy/export.xml").status_code == 404


# ---- erasure ---------------------------------------------------------------------------------

def test_customer_erases_their_account_and_nothing_personal_is_left(app, db, make_user, make_order, client, login):
    staff = make_user("staff")
    user, customer, order = _seed_customer(db, make_user, make_order, staff)
    total, number, status = order.total, order.number, order.status
    login(user.email)
    client.post("/account/privacy/export.json")  # the audit row of this export is erased as well
    dump = _dump(db)
    assert PERSONAL["email"] in dump  # the seed is really in the database

    refused = client.post("/account/privacy/erase", data={"password": "wrong-password", "confirm": "y"})
    assert refused.status_code == 400 and db.session.get(Customer, customer.id).email == PERSONAL["email"]

    response = client.post("/account/privacy/erase", data={"password": "correct-horse-battery", "confirm": "y"})
    assert response.status_code == 302
    dump = _dump(db)
    for value in PERSONAL.values():
        assert value.lower() not in dump, value
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert (order.total, order.number, order.status) == (total, number, status)
    assert order.customer_id == customer.id and order.customer.anonymised_at is not None
    assert client.get("/orders/").status_code == 302  # logged out
    assert login(PERSONAL["email"]).status_code == 200  # the log-in is gone
    erase_row = db.session.query(AuditLog).filter_by(action="privacy.erase").one()
    assert erase_row.object_id == str(customer.id) and erase_row.actor_user_id is None


def test_erasure_waits_for_orders_on_their_way(app, db, make_user, make_order, client, login):
    user = make_user("customer")
    open_order = make_order(customer=user.customer, status="in_transit")
    login(user.email)
    response = client.post("/account/privacy/erase", data={"password": "correct-horse-battery", "confirm": "y"})
    assert response.status_code == 409
    assert f"Замовлення {open_order.number} ще не завершене." in response.get_data(as_text=True)  # one: singular
    db.session.expire_all()
    assert db.session.get(Customer, user.customer.id).email == user.email


def test_admin_answers_a_request_by_email(app, db, make_user, make_order, client, login):
    staff = make_user("staff")
    user, customer, order = _seed_customer(db, make_user, make_order, staff)
    admin = make_user("admin")
    login(admin.email)
    found = client.get("/admin/privacy?q=zoryana", headers={"HX-Request": "true"})
    body = found.get_data(as_text=True)
    assert found.status_code == 200 and "<html" not in body and PERSONAL["name"] in body
    by_phone = client.get("/admin/privacy?q=067 111 22 33", headers={"HX-Request": "true"})  # as people write it
    assert PERSONAL["name"] in by_phone.get_data(as_text=True)
    page = client.get(f"/admin/privacy/customers/{customer.id}")
    assert page.status_code == 200 and PERSONAL["phone"] in page.get_data(as_text=True)
    views = db.session.query(AuditLog).filter_by(action="privacy.view", object_id=str(customer.id)).all()
    assert len(views) == 1 and views[0].actor_user_id == admin.id  # the second view within 10 min adds none
    export = client.post(f"/admin/privacy/customers/{customer.id}/export.json")
    assert PERSONAL["address"] in export.get_data(as_text=True)
    not_confirmed = client.post(f"/admin/privacy/customers/{customer.id}/erase", data={})
    assert not_confirmed.status_code == 302 and db.session.get(Customer, customer.id).email == PERSONAL["email"]
    done = client.post(f"/admin/privacy/customers/{customer.id}/erase", data={"confirm": "y"})
    assert done.status_code == 302
    dump = _dump(db)
    for value in PERSONAL.values():
        assert value.lower() not in dump, value
    actions = {row.action for row in db.session.query(AuditLog).filter_by(object_id=str(customer.id))}
    assert {"privacy.view", "privacy.export", "privacy.erase"} <= actions


def test_only_admins_use_the_privacy_desk(app, make_user, client, login):
    assert client.get("/admin/privacy").status_code == 302
    login(make_user("staff").email)
    assert client.get("/admin/privacy").status_code == 403
    assert client.post("/admin/privacy/customers/1/erase", data={"confirm": "y"}).status_code == 403


def test_privacy_page_is_translated(app, client):
    from flask import g
    from flask_babel import refresh

    for lang, phrase in (("uk", "Ваші права"), ("en", "Your rights"), ("pl", "Twoje prawa"), ("ru", "Ваши права")):
        g.pop("_locale", None)  # the test's app context outlives a request; a real one does not
        refresh()
        response = client.get("/privacy", headers={"Accept-Language": lang})
        assert response.status_code == 200 and phrase in response.get_data(as_text=True), lang
    assert "12" in client.get("/privacy").get_data(as_text=True)


def test_shipment_tracking_numbers_are_personal(app):
    assert Shipment.__table__.c.tracking_number.info["personal"]


def test_the_scheduler_runs_retention_daily(app, db, make_order):
    from app import scheduler

    jobs = {job_id: (func, seconds) for job_id, func, seconds in scheduler.scheduled_jobs(app)}
    func, seconds = jobs["privacy-retention"]
    assert seconds == 24 * 3600
    order = make_order(status="cancelled")
    _age(db, order, 400)
    scheduler._run(app, "privacy-retention", func)
    assert db.session.get(Order, order.id).anonymised_at is not None


def test_staff_viewing_an_order_with_contact_details_is_audited(app, db, make_user, make_order, client, login):
    order = make_order(status="new")
    staff = make_user("staff")
    login(staff.email)
    for _ in range(2):
        assert client.get(f"/admin/orders/{order.id}").status_code == 200
    views = db.session.query(AuditLog).filter_by(action="privacy.view", object_id=str(order.customer_id)).all()
    assert len(views) == 1 and views[0].actor_user_id == staff.id and views[0].object_type == "customer"


def test_privacy_page_gives_the_shops_contact_address_from_the_settings(app, client, make_user, login):
    assert "mailto:" not in client.get("/privacy").get_data(as_text=True)  # nothing set: no made-up address
    login(make_user("admin").email)
    form = {"SHOP_NAME": "", "DEFAULT_LANGUAGE": "uk", "ORDERS_PER_PAGE": "", "POLL_SECONDS": "",
            "SYNC_INTERVAL_MINUTES": "", "RETENTION_MONTHS": ""}
    refused = client.post("/admin/settings", data={**form, "SHOP_EMAIL": "not an address"})
    assert refused.status_code == 422
    assert client.post("/admin/settings", data={**form, "SHOP_EMAIL": "privacy@lon-i-vovna.ua"}).status_code == 302
    client.post("/logout")
    for lang, phrase in (("uk", "напишіть на:"), ("en", "write to:"), ("pl", "napisz na adres:"), ("ru", "напишите на:")):
        html = client.get("/privacy", query_string={"lang": lang}).get_data(as_text=True)
        assert phrase in html and '<a href="mailto:privacy@lon-i-vovna.ua">privacy@lon-i-vovna.ua</a>' in html, lang


def test_demo_shop_has_a_contact_address_on_the_privacy_page(app, runner, client):
    runner.invoke(args=["demo-data"])
    assert 'href="mailto:shop@example.com"' in client.get("/privacy").get_data(as_text=True)


def test_admin_customer_page_names_what_the_shop_holds_in_words(app, db, make_user, make_order, client, login):
    staff = make_user("staff")
    _user, customer, _order = _seed_customer(db, make_user, make_order, staff)
    nameless = Customer(name="Без контактів")  # no e-mail, no phone: no stray "·" line
    db.session.add(nameless)
    db.session.commit()
    login(make_user("admin").email)
    page = client.get(f"/admin/privacy/customers/{customer.id}").get_data(as_text=True)
    assert "Надіслані повідомлення" in page and "Хто стежить за замовленнями" in page and "Контактні дані" in page
    assert not re.search(r">(notifications|push_subscriptions|order_followers|customers)<", page)
    assert f"{customer.email} · {customer.phone}" in page
    bare = client.get(f"/admin/privacy/customers/{nameless.id}").get_data(as_text=True)
    assert "<p> · </p>" not in bare


def test_every_personal_data_source_has_a_label():
    assert [s.name for s in registry.sources() if s.label is None] == []


def test_erasure_takes_the_account_out_of_the_audit_log_too(app, db, make_user, make_order, client, login):
    """An admin made the customer's account on the users page and reset its password: those audit rows
    held the e-mail and the name. Once the customer erases the account, the audit log names neither, and
    the rows of their order read without the details that went with it."""
    admin = make_user("admin", email="boss@shop.example")
    login(admin.email)
    made = client.post("/admin/users", data={"email": "jan.unique@example.pl", "name": "Jan Niepowtarzalny",
                                             "role": "customer", "password": "jan-password-123"})
    assert made.status_code == 302
    account = db.session.query(User).filter_by(email="jan.unique@example.pl").one()
    reset = client.post(f"/admin/users/{account.id}/reset-password").get_data(as_text=True)
    password = re.search(r'class="one-time-password"><code>([^<]+)</code>', reset).group(1)
    client.post(f"/admin/users/{account.id}/active", data={"active": "0"})
    client.post(f"/admin/users/{account.id}/active", data={"active": "1"})
    audit = client.get(f"/admin/audit?object_id={account.id}").get_data(as_text=True)
    assert "jan.unique@example.pl" in audit  # before: the log names whose account it was
    order = make_order(customer=account.customer, status="in_transit")
    lifecycle.change_status(order, "delivered", source="staff", actor_user=admin)  # an audit row of the order
    db.session.commit()
    client.post("/logout")

    assert login("jan.unique@example.pl", password=password).status_code == 302
    erased = client.post("/account/privacy/erase", data={"password": password, "confirm": "y"})
    assert erased.status_code == 302
    dump = _dump(db)
    assert "jan.unique@example.pl" not in dump and "niepowtarzalny" not in dump

    login(admin.email)
    audit = client.get("/admin/audit").get_data(as_text=True)
    assert "jan.unique@example.pl" not in audit and "Niepowtarzalny" not in audit
    assert "Створено обліковий запис" in audit  # the row stays, without whose account it was
    # the order's own rows lost their details with the customer's data: told without empty quotes
    assert f"Змінено статус замовлення {order.number}" in html.unescape(re.sub(r"<[^>]+>", "", audit))
    assert "«»" not in audit


def test_a_message_still_queued_when_the_customer_erases_is_not_sent(app, db, make_user, make_order, client, login):
    """The order was delivered a minute before the customer erased the account: its e-mail still waited in
    the queue (the merge window). It is skipped with a reason, never "sent" to an empty address."""
    from app import settings
    from app.notify.dispatcher import dispatch
    from app.notify.models import DevMail

    settings.put("NOTIFY_QUIET_HOURS", "-")
    db.session.commit()
    user = make_user("customer", email="queued.unique@example.com", name="Queued Unique")
    order = make_order(customer=user.customer, status="in_transit")
    dispatch(now=utcnow() + timedelta(hours=1))
    lifecycle.change_status(order, "delivered", source="staff")
    db.session.commit()
    waiting = db.session.query(Notification).filter_by(order_id=order.id, channel="email", status="delivered").one()
    assert waiting.state == "queued"

    login(user.email)
    assert client.post("/account/privacy/erase", data={"password": "correct-horse-battery",
                                                       "confirm": "y"}).status_code == 302
    dispatch(now=utcnow() + timedelta(hours=1))
    db.session.expire_all()
    waiting = db.session.get(Notification, waiting.id)
    assert (waiting.state, waiting.skip_reason) == ("skipped", "data_erased")
    assert db.session.query(DevMail).filter(DevMail.recipient == "").count() == 0  # no mail to nobody

    login(make_user("admin").email)
    log = client.get(f"/admin/notifications/orders/{order.id}").get_data(as_text=True)
    assert "Персональні дані клієнта стерто до надсилання." in log
