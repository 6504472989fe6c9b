"""The Attention page: each rule on a fixed data set, clearing when a parcel moves, the staff
menu's count, the message to the customer through the outbox, dismissing and the thresholds."""
import re
from datetime import date, datetime, timedelta

import pytest

from app.attention import services
from app.attention.models import DeliveryException
from app.audit import AuditLog
from app.notify.models import Notification, PickupWatch
from app.orders import lifecycle
from app.orders.models import CarrierEvent

NOW = datetime(2026, 3, 10, 12, 0)


@pytest.fixture
def app_config():
    return {"TIMEZONE": "UTC"}


def ago(days, hours=0):
    return NOW - timedelta(days=days, hours=hours)


@pytest.fixture
def parcels(db, make_order):
    """One order per case; the comment says which rule (default thresholds) it should meet."""
    def order(status, moved_at, **kwargs):
        o = make_order(status=status, **kwargs)
        o.status_changed_at = moved_at
        o.shipments[0].created_at = moved_at
        return o

    def scan(o, at):
        db.session.add(CarrierEvent(shipment=o.shipments[0], occurred_at=at, raw_code="moving", raw_text="x"))

    p = {
        "label": order("awaiting_shipment", ago(3)),  # parcel number 3 days old (> 2): not handed over
        "label_fresh": order("awaiting_shipment", ago(1)),  # 1 day: nothing
        "quiet": order("in_transit", ago(5)),  # last scan 4 days ago (> 3): no scan
        "moving": order("in_transit", ago(5)),  # scanned yesterday: nothing
        "late": order("shipped", ago(1)),  # expected yesterday: late
        "on_time": order("shipped", ago(1)),  # expected today: nothing
        "pickup": order("in_transit", ago(1)),  # at the point 6 days (storage 7, warn 2 before): deadline
        "pickup_new": order("in_transit", ago(1)),  # at the point 2 days: nothing
        "refused": order("in_transit", ago(1)),  # a parcel refused by the recipient: returning
        "failed_attempt": order("in_transit", ago(1)),  # carrier problem flag, nothing refused: carrier problem
        "returned": order("returned", ago(2)),  # returned 2 days ago (< 7): returning
        "returned_old": order("returned", ago(10)),  # 10 days ago: nothing
        "delivered": order("delivered", ago(20)),  # nothing
    }
    scan(p["quiet"], ago(4))
    scan(p["moving"], ago(1))
    p["late"].shipments[0].scheduled_delivery_date = date(2026, 3, 9)
    p["on_time"].shipments[0].scheduled_delivery_date = date(2026, 3, 10)
    for key, days in (("pickup", 6), ("pickup_new", 2)):
        lifecycle.set_flags(p[key], at_pickup_point=True)
        db.session.add(PickupWatch(order_id=p[key].id, since=ago(days)))
    lifecycle.set_flags(p["refused"], problem=True, problem_note="Refused by the recipient")
    p["refused"].shipments[0].refused_at = ago(1)
    lifecycle.set_flags(p["failed_attempt"], problem=True, problem_note="Невдала спроба доставки")
    db.session.commit()
    return p


def found(parcels):
    names = {o.id: name for name, o in parcels.items()}
    return {(names[order_id], rule) for order_id, rule in services.find(NOW)}


def test_each_rule_finds_exactly_its_parcels(app, parcels):
    assert found(parcels) == {("label", "not_handed_over"), ("quiet", "no_scan"), ("late", "late"),
                              ("pickup", "pickup_deadline"), ("refused", "returning"), ("returned", "returning"),
                              ("failed_attempt", "carrier_problem")}


def test_thresholds_are_settings(app, db, parcels):
    from app import settings

    settings.put("ATTENTION_NO_SCAN_DAYS", "5")  # the quiet parcel's last scan was 4 days ago
    settings.put("ATTENTION_HANDOVER_DAYS", "1")  # both labels are now old enough
    settings.put("ATTENTION_RETURN_DAYS", "11")
    db.session.commit()
    assert found(parcels) == {("label", "not_handed_over"), ("label_fresh", "not_handed_over"), ("late", "late"),
                              ("pickup", "pickup_deadline"), ("refused", "returning"), ("returned", "returning"),
                              ("returned_old", "returning"), ("failed_attempt", "carrier_problem")}


def test_scan_opens_once_and_clears_when_the_parcel_moves(app, db, parcels):
    assert services.scan(NOW) == (7, 0)
    db.session.commit()
    assert services.scan(NOW) == (0, 0)  # nothing new, nothing twice
    assert services.counts() == {"not_handed_over": 1, "no_scan": 1, "late": 1, "pickup_deadline": 1,
                                 "carrier_problem": 1, "returning": 2, "customer_report": 0,
                                 "low_score": 0, "cancelled_in_store": 0}
    # the quiet parcel gets a scan and the unhanded one is shipped: both leave the list, the shipped one
    # at once (its status change), the scanned one at the next scan
    db.session.add(CarrierEvent(shipment=parcels["quiet"].shipments[0], occurred_at=NOW, raw_code="moved"))
    lifecycle.change_status(parcels["label"], "shipped", source="carrier", at=NOW)
    db.session.commit()
    assert services.scan(NOW) == (0, 1)
    db.session.commit()
    rows = {(r.order_id, r.rule): r for r in db.session.query(DeliveryException)}
    assert rows[(parcels["quiet"].id, "no_scan")].cleared_at == NOW
    assert rows[(parcels["label"].id, "not_handed_over")].cleared_at is not None
    assert services.total() == 5


@pytest.fixture
def staff_page(app, db, client, make_user, login, parcels):
    services.scan(NOW)
    db.session.commit()
    staff = make_user("staff")
    assert login(staff.email).status_code == 302
    return staff


def test_page_lists_the_problems_and_the_menu_counts_them(client, parcels, staff_page):
    html = client.get("/admin/attention/").get_data(as_text=True)
    for name in ("label", "quiet", "late", "pickup", "refused", "returned", "failed_attempt"):
        assert parcels[name].number in html
    for name in ("label_fresh", "moving", "on_time", "pickup_new", "returned_old", "delivered"):
        assert parcels[name].number not in html
    assert 'data-attention-count>7<' in html
    assert "Не передано перевізнику" in html
    # a failed delivery attempt is the carrier's problem, not a refusal, and says what the carrier said
    problem = client.get("/admin/attention/?rule=carrier_problem").get_data(as_text=True)
    assert parcels["failed_attempt"].number in problem and parcels["refused"].number not in problem
    assert "Перевізник повідомив про проблему" in problem and "<q data-carrier-words>Невдала спроба доставки</q>" in problem
    returning = client.get("/admin/attention/?rule=returning").get_data(as_text=True)
    assert parcels["failed_attempt"].number not in returning and parcels["refused"].number in returning
    assert "Одержувач відмовився від посилки, або замовлення повернулося до магазину за останні 7 дн." in returning
    only = client.get("/admin/attention/?rule=no_scan").get_data(as_text=True)
    assert parcels["quiet"].number in only and parcels["late"].number not in only
    # the count is on every staff page
    assert 'data-attention-count>7<' in client.get("/admin/orders").get_data(as_text=True)


def test_telling_the_customer_goes_through_the_outbox_once(db, client, parcels, staff_page):
    row = db.session.query(DeliveryException).filter_by(order_id=parcels["quiet"].id).one()
    response = client.post(f"/admin/attention/{row.id}/notify", data={"rule": "no_scan"}, follow_redirects=True)
    assert response.status_code == 200
    messages = db.session.query(Notification).filter_by(order_id=parcels["quiet"].id, kind="delay").all()
    assert messages and {m.channel for m in messages} >= {"inapp"}
    assert db.session.get(DeliveryException, row.id).notified_at is not None
    again = client.post(f"/admin/attention/{row.id}/notify", follow_redirects=True).get_data(as_text=True)
    assert "Клієнтові вже повідомили про цю проблему." in again
    assert db.session.query(Notification).filter_by(order_id=parcels["quiet"].id, kind="delay").count() == \
        len(messages)
    assert [(a.object_id, a.after) for a in db.session.query(AuditLog).filter_by(action="attention.notify")] == \
        [(parcels["quiet"].number, '{"rule": "no_scan"}')]  # once: the refused second try leaves no entry


def test_an_order_staff_moved_on_leaves_the_page_and_its_customer_gets_no_apology(db, client, parcels,
                                                                                    staff_page):
    """Staff marked the late order delivered: it stayed listed until the hourly scan, and "Tell the
    customer" sent "your order is delayed" after the "delivered" message."""
    late = parcels["late"]
    row = db.session.query(DeliveryException).filter_by(order_id=late.id).one()
    lifecycle.change_status(late, "delivered", source="staff", note="Вручено")
    db.session.commit()
    page = client.get("/admin/attention/").get_data(as_text=True)
    assert f'data-exception="{row.id}"' not in page and 'data-attention-count>6<' in page
    # a problem that stopped holding without a status change (the carrier gave a new date): nothing is sent
    quiet = db.session.query(DeliveryException).filter_by(order_id=parcels["quiet"].id).one()
    db.session.add(CarrierEvent(shipment=parcels["quiet"].shipments[0], occurred_at=datetime.now(), raw_code="moving",
                                raw_text="scanned"))
    db.session.commit()
    refused = client.post(f"/admin/attention/{quiet.id}/notify", follow_redirects=True).get_data(as_text=True)
    assert "Відколи список склали, замовлення рушило далі: нічого не надіслано." in refused
    assert f'data-exception="{quiet.id}"' not in refused
    assert db.session.query(Notification).filter_by(kind="delay").count() == 0


def test_the_customer_reads_the_apology(app, db, parcels):
    from flask_babel import force_locale

    from app.notify import templates as tpl

    with app.test_request_context(), force_locale("en"):
        context = tpl.order_context(parcels["quiet"], "en", "https://shop.example/t/x")
        message = tpl.render("delay", "email", "en", context)
    assert parcels["quiet"].number in message.subject and "delayed" in message.subject
    assert "We are sorry" in message.body and "https://shop.example/t/x" in message.body


def test_dismissed_stays_off_until_the_condition_ends(db, client, parcels, staff_page):
    row = db.session.query(DeliveryException).filter_by(order_id=parcels["late"].id).one()
    flashed = client.post(f"/admin/attention/{row.id}/dismiss", follow_redirects=True).get_data(as_text=True)
    assert f'data-exception="{row.id}"' not in flashed and parcels["late"].number in flashed  # in the message
    assert db.session.query(AuditLog).filter_by(action="attention.dismiss").one().object_id == parcels["late"].number
    assert services.scan(NOW) == (0, 0)
    db.session.commit()
    assert f'data-exception="{row.id}"' not in client.get("/admin/attention/").get_data(as_text=True)
    assert services.total() == 6


def test_thresholds_form_checks_its_input_and_saves(db, client, make_user, login, parcels):
    from app import settings

    admin = make_user("admin")
    login(admin.email)
    data = {key: "3" for key in ("ATTENTION_HANDOVER_DAYS", "ATTENTION_NO_SCAN_DAYS", "ATTENTION_LATE_DAYS",
                                 "PICKUP_STORAGE_DAYS", "ATTENTION_PICKUP_DAYS_LEFT", "ATTENTION_RETURN_DAYS",
                                 "ATTENTION_FEEDBACK_DAYS")}
    bad = client.post("/admin/attention/thresholds", data=dict(data, ATTENTION_NO_SCAN_DAYS="many"))
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.get_data(as_text=True)
    # one clear error, not the number field's own beside the range's
    assert re.findall(r'id="ATTENTION_NO_SCAN_DAYS-error">([^<]*)<', bad.get_data(as_text=True)) == \
        ["Введіть ціле число від 1 до 365."]
    assert re.search(r'<input[^>]*name="ATTENTION_NO_SCAN_DAYS"[^>]*value="many"', bad.get_data(as_text=True))
    # the form is below the list: the top of the page, where it opens, says the settings were not saved
    assert re.search(r'class="flash flash-error">Налаштування не збережено', bad.get_data(as_text=True))
    assert settings.get_int("ATTENTION_NO_SCAN_DAYS") == 3 and settings.get("ATTENTION_HANDOVER_DAYS") == 2
    assert client.post("/admin/attention/thresholds", data=dict(data, ATTENTION_NO_SCAN_DAYS="9")).status_code == 302
    assert settings.get_int("ATTENTION_NO_SCAN_DAYS") == 9


def test_changed_thresholds_apply_to_the_list_at_once_and_unchanged_ones_scan_nothing(db, client, make_user, login,
                                                                                      parcels):
    from app import settings

    login(make_user("admin").email)
    data = {key: str(settings.get_int(key)) for key in (
        "ATTENTION_HANDOVER_DAYS", "ATTENTION_NO_SCAN_DAYS", "ATTENTION_LATE_DAYS", "PICKUP_STORAGE_DAYS",
        "ATTENTION_PICKUP_DAYS_LEFT", "ATTENTION_RETURN_DAYS", "ATTENTION_FEEDBACK_DAYS")}
    assert "Нічого зберігати" in client.post("/admin/attention/thresholds", data=data,
                                              follow_redirects=True).get_data(as_text=True)
    assert services.total() == 0  # nothing changed: no scan
    client.post("/admin/attention/thresholds", data=dict(data, ATTENTION_NO_SCAN_DAYS="9"))
    assert services.total() > 0  # the parcels are listed without waiting for the hourly scan


def test_staff_only(client, make_user, login, parcels):
    customer = make_user("customer")
    login(customer.email)
    assert client.get("/admin/attention/").status_code == 403
    staff = make_user("staff")
    login(staff.email)
    assert client.post("/admin/attention/thresholds", data={}).status_code == 403


def test_a_carrier_sync_with_news_clears_the_parcels_that_moved(app, db, make_order, client):
    from app.carriers.sync import scheduled_sync
    from app.clock import utcnow

    order = make_order(status="in_transit", carrier="sandbox", tracking_number="SBX000123456")
    order.status_changed_at = utcnow() - timedelta(days=5)
    order.shipments[0].created_at = utcnow() - timedelta(minutes=1)  # the simulator's first step is due
    services.scan()
    db.session.commit()
    assert services.total() == 1
    db.session.commit()  # end this session's read: the job's scan must see the sync's commit
    scheduled_sync(app)  # the simulated carrier reports the parcel's next step
    db.session.expire_all()
    assert db.session.query(CarrierEvent).count() >= 1
    assert services.total() == 0
    # the simulated carrier's step reads in the customer's language (it was English on a Ukrainian page)
    from app.orders import links

    page = client.get(f"/t/{links.make_token(db.session.get(type(order), order.id))}").get_data(as_text=True)
    assert "Виїхало із сортувального центру" in page and "Left the sorting centre" not in page


def test_a_customers_problem_report_is_listed_until_staff_handle_it(app, db, client, make_user, make_order, login):
    """Staff hear about it before the customer complains again: on the page, in the menu's count."""
    from app.tracking.models import ProblemReport

    customer = make_user("customer")
    order = make_order(customer=customer.customer, status="in_transit")
    login(customer.email)
    client.post(f"/orders/{order.number}/problem", data={"message": "Посилка стоїть уже тиждень"})
    client.post("/logout")
    login(make_user("staff").email)
    page = client.get("/admin/attention/?rule=customer_report").get_data(as_text=True)
    assert order.number in page and "Клієнт повідомив про проблему" in page
    assert "<q data-rating-words>Посилка стоїть уже тиждень</q>" in page
    assert 'data-attention-count>1<' in page
    report = db.session.query(ProblemReport).filter_by(order_id=order.id).one()
    client.post(f"/admin/problems/{report.id}/handled")
    page = client.get("/admin/attention/").get_data(as_text=True)
    assert order.number not in page and "data-exception=" not in page and "data-attention-count>" not in page
