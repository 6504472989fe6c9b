"""The delivery and message KPIs on a fixed data set, each figure checked against values worked out
by hand in the comments: message outcomes, A/B rates with Wilson intervals and the two-proportion
test, tracking-page views, questions per 100 orders, ratings per carrier and region, the on-time
rate against the promised date and the causes of late and returned parcels."""
from datetime import date, datetime, timedelta

import pytest
from notify_servers import send_at_once
from sqlalchemy import insert

from app.analytics import kpis, stats, wismo
from app.analytics.services import Period
from app.attention.models import DeliveryException
from app.feedback.models import CustomerFeedback
from app.notify.models import Notification
from app.tracking.models import ProblemReport, TrackingView
from tests.conftest import PASSWORD

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))


@pytest.fixture
def app_config():
    return {"TIMEZONE": "UTC"}


def test_wilson_and_the_two_proportion_test_by_hand():
    # 10 of 100: p = 0.1, z² = 3.8415; centre (0.1 + 0.019207) / 1.038415 = 0.114797;
    # half 1.96 · √(0.0009 + 0.0000960) / 1.038415 = 0.059595 → 0.0552 … 0.1744
    low, high = stats.wilson(10, 100)
    assert round(low, 4) == 0.0552 and round(high, 4) == 0.1744
    # 0 of 10: the interval still has width: 0 … z²/(n + z²) = 3.8415 / 13.8415 = 0.2775
    low, high = stats.wilson(0, 10)
    assert low == 0.0 and round(high, 4) == 0.2775
    assert stats.wilson(0, 0) == (None, None)
    # 25/100 against 10/100: pooled 0.175, se √(0.175 · 0.825 · 0.02) = 0.053735, z = 0.15 / 0.053735 = 2.7915,
    # p = erfc(2.7915 / √2) = 0.00525
    z, p = stats.two_proportion(25, 100, 10, 100)
    assert round(z, 4) == 2.7915 and round(p, 5) == 0.00525
    assert stats.better(10, 100, 25, 100) == "b"
    # 12/100 against 10/100: pooled 0.11, se √(0.11 · 0.89 · 0.02) = 0.044249, z = 0.02 / 0.044249 = 0.452,
    # p = erfc(0.452 / √2) = 0.651: no verdict
    z, p = stats.two_proportion(12, 100, 10, 100)
    assert round(z, 3) == 0.452 and round(p, 3) == 0.651 and stats.better(10, 100, 12, 100) is None


def message(order, channel, status="shipped", variant=None, *, delivered=False, opened=False, clicked=False,
            state="sent", created=datetime(2026, 3, 5, 10, 0), kind="status"):
    at = created + timedelta(minutes=5)
    return dict(event_id="evt_x", order_id=order.id, customer_id=order.customer_id, channel=channel, kind=kind,
                status=status, state=state, attempts=1, max_attempts=8, merged_count=0, next_attempt_at=created,
                created_at=created, updated_at=created, sent_at=at if state == "sent" else None, variant=variant,
                delivered_at=at if delivered else None, opened_at=at if opened else None,
                clicked_at=at if clicked else None)


@pytest.fixture
def data(app, db, make_order):
    """Six orders and their messages, views, questions, ratings and warnings (see each figure's test)."""
    region = {"Львівська": {"city": "Львів", "region": "Львівська"}, "Київська": {"city": "Київ", "region": "Київська"}}
    o1 = make_order(status="delivered", delivery=region["Львівська"])  # nova_poshta, on time
    o2 = make_order(status="delivered", delivery=region["Київська"])  # nova_poshta, late (no scan first)
    o3 = make_order(status="delivered", carrier="ukrposhta", delivery=region["Львівська"])  # late, no warning
    o4 = make_order(status="delivered", carrier="ukrposhta", delivery=region["Львівська"])  # no date: not counted
    o5 = make_order(status="returned")  # returned, with a "returning" warning
    o6 = make_order(status="returned")  # returned, no warning: its staff reason
    for order in (o1, o2, o3, o4):
        order.created_at = datetime(2026, 3, 1, 9, 0)
        order.delivery_carrier = order.shipments[0].carrier
    o1.promised_date = o2.promised_date = date(2026, 3, 10)
    o3.shipments[0].scheduled_delivery_date = date(2026, 3, 5)
    delivered_at = {o1: datetime(2026, 3, 10, 15, 0), o2: datetime(2026, 3, 12, 9, 0), o3: datetime(2026, 3, 7, 9, 0),
                    o4: datetime(2026, 3, 8, 9, 0)}
    for order, at in delivered_at.items():
        for event in order.history:
            event.created_at = at - timedelta(days=3) if event.status != "delivered" else at
    for order, at in ((o5, datetime(2026, 3, 20)), (o6, datetime(2026, 3, 21))):
        order.status_changed_at = at
    o6.history[-1].reason_code = "defect"
    db.session.add_all([
        DeliveryException(order_id=o2.id, rule="no_scan", found_at=datetime(2026, 3, 8)),
        DeliveryException(order_id=o2.id, rule="late", found_at=datetime(2026, 3, 11)),
        DeliveryException(order_id=o5.id, rule="returning", found_at=datetime(2026, 3, 18)),
        TrackingView(order_id=o1.id, day=date(2026, 3, 3), views=3),
        TrackingView(order_id=o1.id, day=date(2026, 3, 4), views=2),
        TrackingView(order_id=o2.id, day=date(2026, 3, 5), views=1),
        TrackingView(order_id=o3.id, day=date(2026, 2, 28), views=9),  # before the period
        CustomerFeedback(order_id=o1.id, asked_at=datetime(2026, 3, 11), rating=5, answered_at=datetime(2026, 3, 11)),
        CustomerFeedback(order_id=o2.id, asked_at=datetime(2026, 3, 13), rating=2, answered_at=datetime(2026, 3, 14)),
        CustomerFeedback(order_id=o3.id, asked_at=datetime(2026, 3, 8)),  # not answered
        CustomerFeedback(order_id=o4.id, asked_at=datetime(2026, 2, 20), rating=1, answered_at=datetime(2026, 2, 21)),
        ProblemReport(order_id=o2.id, message="Де посилка?", source="link", created_at=datetime(2026, 3, 11)),
        ProblemReport(order_id=o3.id, message="Old", source="link", created_at=datetime(2026, 2, 11)),  # February
    ])
    db.session.commit()
    from app.analytics.stages import rebuild

    rebuild()
    rows = [message(o1, "email", opened=True, clicked=True), message(o1, "email", opened=True),
            message(o2, "email"), message(o3, "email"),
            message(o1, "sms", delivered=True), message(o2, "sms", delivered=True), message(o3, "sms"),
            message(o4, "sms", state="failed"),  # not sent: not counted
            message(o4, "email", opened=True, created=datetime(2026, 2, 27))]  # before the period
    # the A/B test of the "on the way" e-mail: a 10/100 clicked, b 25/100
    rows += [message(o1, "email", "in_transit", "a", clicked=n < 10) for n in range(100)]
    rows += [message(o1, "email", "in_transit", "b", clicked=n < 25) for n in range(100)]
    db.session.execute(insert(Notification.__table__), rows)
    db.session.commit()
    wismo.register_source("test_questions", "Test questions", lambda start, end: 3 if start <= datetime(
        2026, 3, 15) < end else 0)
    yield {"o1": o1, "o2": o2, "o3": o3, "o4": o4, "o5": o5, "o6": o6}
    wismo.unregister_source("test_questions")


def test_message_outcomes_per_channel_and_template(data):
    rows = {(r.channel, r.template): r for r in kpis.message_kpis(MARCH)}
    email = rows[("email", "shipped")]
    # 4 e-mails sent in March (the February one is out): 2 opened, 1 clicked
    assert (email.sent, email.opened, email.clicked) == (4, 2, 1)
    assert email.rate("opened") == 0.5 and email.rate("clicked") == 0.25
    sms = rows[("sms", "shipped")]
    # 3 sent (the failed one is out), 2 delivered: 2/3
    assert (sms.sent, sms.delivered) == (3, 2) and round(sms.rate("delivered"), 4) == 0.6667
    assert (rows[("email", "in_transit")].sent, rows[("email", "in_transit")].clicked) == (200, 35)


def test_ab_test_rates_intervals_and_verdict(data):
    (test,) = kpis.ab_tests(MARCH)
    assert (test.channel, test.template, test.a.sent, test.b.sent) == ("email", "in_transit", 100, 100)
    clicked = test.results["clicked"]
    assert clicked["a"].value == 0.10 and clicked["b"].value == 0.25
    assert tuple(round(v, 4) for v in clicked["a"].interval) == (0.0552, 0.1744)
    assert round(clicked["p"], 5) == 0.00525 and clicked["better"] == "b"
    assert "delivered" not in test.results  # e-mail reports no delivery
    assert test.results["opened"]["p"] is None and test.results["opened"]["better"] is None  # 0 of 100 each


def test_views_and_questions_per_100_orders(data):
    views = kpis.tracking_views(MARCH)
    assert (views.views, views.orders, views.per_order) == (6, 2, 3.0)  # 3 + 2 + 1 on two orders
    # 3 test questions and 1 "report a problem" in March (one in February), 4 orders created: 100 per 100
    questions = kpis.questions(MARCH, 4)
    assert questions.total == 4 and questions.per_100 == 100.0
    wismo.unregister_source("test_questions")
    assert kpis.questions(MARCH, 4).per_100 == 25.0  # the problem report alone: 1 per 4 orders
    assert kpis.questions(MARCH, 0).per_100 is None


def test_ratings_per_carrier_and_region(data):
    ratings = kpis.ratings(MARCH)
    overall = ratings["all"]
    # asked in March: o1 (5), o2 (2), o3 (no answer); o4 was asked in February
    assert (overall.asked, overall.answered, overall.average, overall.low) == (3, 2, 3.5, 1)
    carrier = {r.key: r for r in ratings["carrier"]}
    assert (carrier["nova_poshta"].asked, carrier["nova_poshta"].average, carrier["nova_poshta"].low) == (2, 3.5, 1)
    assert (carrier["ukrposhta"].asked, carrier["ukrposhta"].answered, carrier["ukrposhta"].average) == (1, 0, None)
    region = {r.key: r for r in ratings["region"]}
    assert (region["Львівська"].asked, region["Львівська"].answered, region["Львівська"].average) == (2, 1, 5.0)
    assert (region["Київська"].average, region["Київська"].low) == (2.0, 1)


def test_on_time_rate_against_the_promised_date_and_causes(data):
    punctual = kpis.on_time(MARCH)
    # o1 on the promised day (on time), o2 two days late, o3 two days after the carrier's date; o4 had no date
    assert (punctual["all"].delivered, punctual["all"].on_time) == (3, 1)
    carrier = {r.key: r for r in punctual["carrier"]}
    assert (carrier["nova_poshta"].delivered, carrier["nova_poshta"].on_time) == (2, 1)
    assert (carrier["ukrposhta"].delivered, carrier["ukrposhta"].on_time) == (1, 0)
    causes = kpis.causes(MARCH, punctual)
    assert causes["late"] == [("no_scan", 1), ("none", 1)]  # o2's first warning was "no scan", o3 had none
    assert causes["returned"] == [("reason:defect", 1), ("returning", 1)]


def test_the_analytics_page_shows_the_kpis(data, client, make_user, login):
    staff = make_user("staff")
    login(staff.email)
    html = client.get("/admin/analytics/?date_from=2026-03-01&date_to=2026-03-31").get_data(as_text=True)
    assert 'data-figure="on-time-rate">33,3' in html or 'data-figure="on-time-rate">33.3' in html
    assert 'data-figure="views-per-order">3,0' in html or 'data-figure="views-per-order">3.0' in html
    assert 'data-figure="questions-per-100">100,00' in html
    assert 'data-figure="rating-average">3,5' in html or 'data-figure="rating-average">3.5' in html
    assert 'data-better="b"' in html


# ---- recording: the pixel, the click redirect, delivery reports, views -------------------------

@pytest.fixture
def tracked(app, db):
    send_at_once(MESSAGE_TRACKING="1")
    return app


def test_an_email_counts_its_open_and_its_click_through_signed_links(tracked, db, make_order, client):
    import json
    import re

    from app.notify.dispatcher import dispatch
    from app.notify.models import DevMail

    order = make_order(status="shipped")
    dispatch(now=datetime(2030, 1, 1))
    mail = db.session.query(DevMail).filter(DevMail.subject.contains(order.number)).order_by(DevMail.id).first()
    click = re.search(r"https://shop\.example(/m/c/[\w.-]+)", mail.text_body).group(1)
    pixel = re.search(r'src="https://shop\.example(/m/o/[\w.-]+\.gif)"', mail.html_body).group(1)
    row = db.session.get(Notification, int(json.loads(mail.headers)["X-Posylka-Notification"]))
    assert row.opened_at is None and row.clicked_at is None
    gif = client.get(pixel)
    assert gif.status_code == 200 and gif.mimetype == "image/gif"
    db.session.expire_all()
    opened = db.session.get(Notification, row.id).opened_at
    assert opened is not None
    jump = client.get(click)
    assert jump.status_code == 302 and "/t/" in jump.headers["Location"]
    client.get(click)  # a second click keeps the first time
    db.session.expire_all()
    again = db.session.get(Notification, row.id)
    assert again.clicked_at is not None and again.opened_at == opened
    assert client.get(click[:-4] + "abcd").status_code == 404  # tampered


def test_a_click_link_opens_only_the_tracking_link_its_message_held(tracked, app, db, make_order, make_user, client):
    """The counted click leads to the tracking link the message was sent with, so revoking an order's
    links (a forwarded e-mail) and their expiry reach the click links too. Before, each click made a
    fresh link with the order's current nonce: an old message opened the order after the revocation,
    and for ever."""
    import re
    import time

    from app.notify.dispatcher import dispatch
    from app.notify.models import DevMail

    order = make_order(status="shipped")
    dispatch(now=datetime(2030, 1, 1))
    mail = db.session.query(DevMail).filter(DevMail.subject.contains(order.number)).order_by(DevMail.id).first()
    click = re.search(r"https://shop\.example(/m/c/[\w.-]+)", mail.text_body).group(1)
    opened = client.get(click, follow_redirects=True)
    assert opened.status_code == 200 and order.number in opened.get_data(as_text=True)

    admin = app.test_client()
    admin.post("/login", data={"email": make_user("admin").email, "password": PASSWORD})
    assert admin.post("/admin/branding/revoke", data={"order": order.number}).status_code == 302
    page = client.get(click, follow_redirects=True)
    assert page.status_code == 404 and order.number not in page.get_data(as_text=True)
    assert "Посилання більше не дійсне" in page.get_data(as_text=True)

    order = make_order(status="shipped")  # expiry: a link older than TRACKING_LINK_DAYS
    dispatch(now=datetime(2030, 1, 1))
    mail = db.session.query(DevMail).filter(DevMail.subject.contains(order.number)).order_by(DevMail.id).first()
    click = re.search(r"https://shop\.example(/m/c/[\w.-]+)", mail.text_body).group(1)
    app.config["TRACKING_LINK_DAYS"] = 0
    time.sleep(1.1)  # the message's link is now a second older than the links' lifetime
    page = client.get(click, follow_redirects=True)
    assert page.status_code == 404 and order.number not in page.get_data(as_text=True)


def test_a_feedback_click_link_obeys_feedback_link_days_and_the_orders_revoked_links(tracked, app, db, make_order,
                                                                                    make_user, client):
    """The question after delivery's counted click made a fresh feedback link on every click, so an
    e-mail a year old (or one forwarded, its order's links since revoked) still opened the question
    for FEEDBACK_LINK_DAYS more. It now opens it only as long as the link the message held would."""
    import re

    from app import settings
    from app.clock import utcnow
    from app.feedback import services
    from app.notify.dispatcher import dispatch
    from app.notify.models import DevMail

    def feedback_click(order):
        services.ask(order)
        db.session.commit()
        dispatch(now=utcnow() + timedelta(minutes=1))
        # the question's own mail (a delivered order's status mail may be sent before or after it)
        asked = db.session.query(Notification).filter_by(order_id=order.id, kind="feedback", channel="email").one()
        mail = db.session.query(DevMail).filter_by(subject=asked.subject).one()
        for click in re.findall(r"https://shop\.example(/m/c/[\w.-]+)", mail.text_body):
            if "/feedback/" in client.get(click).headers.get("Location", ""):
                return click
        raise AssertionError("no counted feedback link in the message")

    order = make_order(status="delivered")
    click = feedback_click(order)
    opened = client.get(click, follow_redirects=True)
    assert opened.status_code == 200 and order.number in opened.get_data(as_text=True)
    message = db.session.query(Notification).filter_by(order_id=order.id, kind="feedback", channel="email").one()
    message.created_at = utcnow() - timedelta(days=31)  # FEEDBACK_LINK_DAYS is 30
    db.session.commit()
    page = client.get(click, follow_redirects=True)
    assert page.status_code == 404 and order.number not in page.get_data(as_text=True)
    assert "Посилання більше не дійсне" in page.get_data(as_text=True)
    settings.put("FEEDBACK_LINK_DAYS", "40")  # the setting, not the tracking links' lifetime, decides
    db.session.commit()
    assert client.get(click, follow_redirects=True).status_code == 200

    order = make_order(status="delivered")  # revoking the order's links reaches its question too
    click = feedback_click(order)
    admin = app.test_client()
    admin.post("/login", data={"email": make_user("admin").email, "password": PASSWORD})
    assert admin.post("/admin/branding/revoke", data={"order": order.number}).status_code == 302
    page = client.get(click, follow_redirects=True)
    assert page.status_code == 404 and order.number not in page.get_data(as_text=True)


def test_smsapi_delivery_reports_mark_the_messages_delivered(tracked, db, make_order, client):
    from app.notify import kpis

    order = make_order()
    db.session.execute(insert(Notification.__table__), [
        dict(message(order, "sms"), provider_id="6F5E4D3C2B1A"), dict(message(order, "sms"), provider_id="AA11")])
    db.session.commit()
    with tracked.test_request_context():
        url = kpis.report_url("smsapi").replace("http://localhost", "")
    assert client.get(url.replace("/smsapi/", "/turbosms/")).status_code == 404
    assert client.get(url[:-3] + "xyz").status_code == 404
    # two reports in one call: the first delivered (404), the second undelivered (405)
    answer = client.get(url, query_string={"MsgId": "6F5E4D3C2B1A,AA11", "status": "404,405",
                                           "status_name": "DELIVERED,UNDELIVERED"})
    assert answer.status_code == 200 and answer.get_data(as_text=True) == "OK"
    delivered = {r.provider_id: r.delivered_at for r in db.session.query(Notification).filter_by(channel="sms")}
    assert delivered["6F5E4D3C2B1A"] is not None and delivered["AA11"] is None


def test_tracking_page_views_are_counted_per_day_and_switched_off_by_one_setting(tracked, db, make_order, client):
    from app import settings
    from app.notify.kpis import flush_views
    from app.orders.links import tracking_url

    order = make_order(status="shipped")
    with tracked.test_request_context():
        path = tracking_url(order, external=False)
    db.session.commit()
    assert client.get(path).status_code == 200
    assert client.get(path).status_code == 200
    assert db.session.query(TrackingView).count() == 0  # counted in memory, not by the page
    flush_views(tracked)  # the scheduler's tick
    assert [v.views for v in db.session.query(TrackingView).filter_by(order_id=order.id)] == [2]
    assert client.get(path).status_code == 200
    flush_views(tracked)  # added to the day's row
    assert [v.views for v in db.session.query(TrackingView).filter_by(order_id=order.id)] == [3]
    settings.put("MESSAGE_TRACKING", "0")
    db.session.commit()
    client.get(path)
    flush_views(tracked)
    assert [v.views for v in db.session.query(TrackingView).filter_by(order_id=order.id)] == [3]
    policy = client.get("/privacy").get_data(as_text=True)
    assert 'id="message-measurement"' in policy


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # SQLite's file-wide write lock
def test_a_tracking_page_opens_while_another_process_holds_the_write_lock(tracked, db, make_order, client):
    """A carrier sync commits its batches while customers open their pages: the page is shown at
    once and its view is counted once the lock is free (before, the page waited for the lock with
    every serving thread it could take, and failed once the busy timeout ran out)."""
    import sqlite3

    from app.notify.kpis import flush_views
    from app.orders.links import tracking_url

    order = make_order(status="shipped")
    with tracked.test_request_context():
        path = tracking_url(order, external=False)
    db.session.commit()
    other = sqlite3.connect(db.engine.url.database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # the sync's write transaction
    try:
        page = client.get(path)
        assert page.status_code == 200 and order.number in page.get_data(as_text=True)
    finally:
        other.execute("COMMIT")
        other.close()
    flush_views(tracked)
    assert [v.views for v in db.session.query(TrackingView).filter_by(order_id=order.id)] == [1]


def test_views_wait_in_memory_until_a_write_succeeds_and_a_deleted_orders_views_are_dropped(tracked, db,
                                                                                            make_order, monkeypatch):
    from app.notify import kpis

    kept, deleted = make_order(), make_order()
    with tracked.test_request_context():
        for order in (kept, deleted, kept):
            kpis.record_view(order.id, today=date(2026, 3, 5))
    monkeypatch.setattr(db.session, "execute", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("database away")))
    kpis.flush_views(tracked)
    monkeypatch.undo()
    db.session.delete(deleted)
    db.session.commit()
    kpis.flush_views(tracked)
    assert [(v.order_id, v.views) for v in db.session.query(TrackingView)] == [(kept.id, 2)]


def test_retention_deletes_old_view_counts(tracked, db, make_order):
    from app.privacy.retention import run

    order = make_order()
    db.session.add_all([TrackingView(order_id=order.id, day=date(2024, 1, 5), views=4),
                        TrackingView(order_id=order.id, day=date(2030, 1, 5), views=1)])
    db.session.commit()
    counts = run(datetime(2030, 2, 1))
    assert counts["tracking_views"] == 1
    assert [v.day for v in db.session.query(TrackingView)] == [date(2030, 1, 5)]


def test_turbosms_delivery_reports_are_asked_for(tracked, db, make_order, httpserver):
    import json

    from werkzeug import Response

    from app import settings
    from app.notify import kpis

    seen = []

    def handler(request):
        seen.append(request.get_json())
        return Response(json.dumps({"response_code": 0, "response_status": "OK", "response_result": [
            {"message_id": "f83f8868", "response_code": 0, "status": "Delivered"},
            {"message_id": "a1b2c3d4", "response_code": 0, "status": "Sent"}]}), content_type="application/json")

    httpserver.expect_request("/message/status.json", method="POST").respond_with_handler(handler)
    for key, value in {"SMS_PROVIDER": "turbosms", "TURBOSMS_API_URL": httpserver.url_for("/").rstrip("/"),
                       "TURBOSMS_TOKEN": "tok-123"}.items():
        settings.put(key, value, secret=key.endswith("TOKEN"))
    order = make_order()
    sent = datetime(2030, 1, 1, 9, 0)
    db.session.execute(insert(Notification.__table__), [
        dict(message(order, "sms", created=sent), provider_id="f83f8868"),
        dict(message(order, "sms", created=sent), provider_id="a1b2c3d4")])
    db.session.commit()
    assert kpis.poll_turbosms(now=datetime(2030, 1, 1, 12, 0)) == 1
    assert sorted(seen[0]["messages"]) == ["a1b2c3d4", "f83f8868"]
    delivered = {r.provider_id: r.delivered_at for r in db.session.query(Notification).filter_by(channel="sms")}
    assert delivered["f83f8868"] is not None and delivered["a1b2c3d4"] is None
    # only the one still without a report is asked about next time
    kpis.poll_turbosms(now=datetime(2030, 1, 1, 12, 10))
    assert seen[1]["messages"] == ["a1b2c3d4"]


def test_the_kpis_download_as_csv(data, client, make_user, login):
    import csv
    import io

    login(make_user("staff").email)
    response = client.get("/admin/analytics/kpis.csv?date_from=2026-03-01&date_to=2026-03-31")
    assert response.mimetype == "text/csv" and "kpis-2026-03-01-2026-03-31.csv" in response.headers[
        "Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    by = {(r["section"], r["item"]): r for r in rows}
    assert (by[("on_time", "all")]["count"], by[("on_time", "all")]["successes"], by[("on_time", "all")]["share"]) == \
        ("3", "1", "0.3333")
    b = by[("ab_clicked", "email/in_transit/a")]
    assert (b["count"], b["successes"], b["low"], b["high"], b["p"]) == ("100", "10", "0.0552", "0.1744", "0.00525")
    assert by[("ratings", "all")]["share"] == "3.50" and by[("late_causes", "no_scan")]["count"] == "1"
    assert by[("questions_per_100_orders", "all")]["share"] == "100.00"


def test_a_viber_delivery_receipt_marks_the_message_delivered(tracked, db, make_order):
    import json

    from app import settings
    from app.notify.channels import viber

    settings.put("VIBER_BOT_TOKEN", "viber-secret", secret=True)
    order = make_order()
    db.session.execute(insert(Notification.__table__), [dict(message(order, "viber"), provider_id="4912661846655238145")])
    db.session.commit()
    body = json.dumps({"event": "delivered", "timestamp": 1_900_000_000_000, "message_token": 4912661846655238145,
                       "user_id": "01234567890A="}).encode()
    status, _answer = viber.handle_webhook({"X-Viber-Content-Signature": viber.signature("viber-secret", body)}, body,
                                           now_ms=1_900_000_001_000)
    assert status == 200
    db.session.expire_all()
    assert db.session.query(Notification).filter_by(channel="viber").one().delivered_at is not None
