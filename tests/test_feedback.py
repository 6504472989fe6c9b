"""The question after delivery: asked once on the customer's own channel, answered by a signed link
without an account, a low score on the Attention page."""
import os
import re
from datetime import datetime, timedelta

import pytest
from notify_servers import send_at_once

from app import settings
from app.attention.models import DeliveryException
from app.feedback import services
from app.feedback.models import CustomerFeedback
from app.notify.dispatcher import dispatch
from app.notify.models import DevMail, Notification
from app.orders.models import Customer

NOW = datetime(2026, 3, 10, 12, 0)


@pytest.fixture
def app_config():
    return {"TIMEZONE": "UTC"}


@pytest.fixture
def shop(app, db):
    send_at_once(SMS_PROVIDER="turbosms", NOTIFY_SMS_STATUSES="feedback")
    return app


def delivered(db, make_order, at, **customer):
    person = Customer(name="Олена Коваль", email=customer.pop("email", "olena@example.com"),
                      phone="+380671234567", language="uk", **customer)
    db.session.add(person)
    order = make_order(customer=person, status="delivered")
    order.status_changed_at = at
    db.session.commit()
    return order


def test_due_orders_are_asked_once_on_one_channel(shop, db, make_order):
    fresh = delivered(db, make_order, NOW - timedelta(hours=3))  # too fresh (24 h)
    due = delivered(db, make_order, NOW - timedelta(days=2))
    old = delivered(db, make_order, NOW - timedelta(days=9))  # past the 7-day window
    assert [o.id for o in services.due(NOW)] == [due.id]
    assert services.ask_due(NOW) == 1
    db.session.commit()
    assert services.ask_due(NOW + timedelta(hours=1)) == 0  # asked once
    asked = db.session.query(CustomerFeedback).one()
    assert asked.order_id == due.id and asked.channel == "email"
    sent = db.session.query(Notification).filter_by(order_id=due.id, kind="feedback").all()
    # one message on one channel (e-mail first for a customer with no messages yet), plus the account's
    assert sorted(n.channel for n in sent) == ["email", "inapp"]
    assert not db.session.query(Notification).filter_by(order_id=fresh.id, kind="feedback").count()
    assert not db.session.query(Notification).filter_by(order_id=old.id, kind="feedback").count()


def test_the_question_goes_on_the_channel_the_customer_reads(shop, db, make_order):
    order = delivered(db, make_order, NOW - timedelta(days=2))
    db.session.add(Notification(event_id="evt_old", order_id=order.id, customer_id=order.customer_id, channel="sms",
                                kind="status", status="shipped", recipient="+380671234567", state="sent",
                                sent_at=NOW - timedelta(days=4)))
    db.session.commit()
    services.ask_due(NOW)
    db.session.commit()
    assert db.session.query(CustomerFeedback).one().channel == "sms"
    assert sorted(n.channel for n in db.session.query(Notification).filter_by(kind="feedback")) == ["inapp", "sms"]


def test_switched_off_by_a_setting(shop, db, make_order):
    delivered(db, make_order, NOW - timedelta(days=2))
    settings.put("FEEDBACK_ENABLED", "0")
    db.session.commit()
    assert services.ask_due(NOW) == 0


def feedback_link(db):
    mail = db.session.query(DevMail).one()
    return re.search(r"https://shop\.example(/feedback/[\w.-]+)", mail.text_body).group(1)


def test_answered_without_an_account_once_and_a_low_score_needs_attention(shop, db, make_order, client):
    order = delivered(db, make_order, NOW - timedelta(days=2))
    services.ask_due(NOW)
    db.session.commit()
    assert dispatch(now=NOW + timedelta(minutes=1)).sent >= 1
    path = feedback_link(db)
    page = client.get(path)
    assert page.status_code == 200 and order.number in page.get_data(as_text=True)
    assert client.post(path, data={"rating": "9"}).status_code == 422
    answer = client.post(path, data={"rating": "2", "comment": "Коробка пом'ята"})
    assert answer.status_code == 303
    row = db.session.query(CustomerFeedback).one()
    assert (row.rating, row.comment) == (2, "Коробка пом'ята") and row.answered_at is not None
    problem = db.session.query(DeliveryException).filter_by(order_id=order.id, rule="low_score").one()
    assert problem.cleared_at is None
    # a second answer changes nothing
    client.post(path, data={"rating": "5"})
    assert db.session.get(CustomerFeedback, row.id).rating == 2
    assert 'data-rating="2"' in client.get(path).get_data(as_text=True)
    # the rule holds it on the page while the answer is recent
    from app.attention.services import find

    assert (order.id, "low_score") in find(row.answered_at + timedelta(days=1))
    assert (order.id, "low_score") not in find(row.answered_at + timedelta(days=15))
    assert client.get(path[:-3] + "xyz").status_code == 404


def test_the_question_of_an_anonymised_order_no_longer_opens(shop, db, make_order, client):
    """Retention anonymises old orders but keeps their ratings: the link still opened a page about
    the order, and took an answer from whoever held it."""
    from app.privacy.retention import anonymise_order

    order = delivered(db, make_order, NOW - timedelta(days=2))
    services.ask_due(NOW)
    db.session.commit()
    assert dispatch(now=NOW + timedelta(minutes=1)).sent >= 1
    path = feedback_link(db)
    assert client.get(path).status_code == 200
    anonymise_order(order, NOW)
    db.session.commit()
    for response in (client.get(path), client.post(path, data={"rating": "5"})):
        assert response.status_code == 404 and order.number not in response.get_data(as_text=True)
    assert db.session.query(CustomerFeedback).one().rating is None


def test_a_good_score_is_no_problem(shop, db, make_order):
    order = delivered(db, make_order, NOW - timedelta(days=2))
    row = services.ask(order, NOW)
    services.answer(row, 4, "", NOW)
    db.session.commit()
    assert not db.session.query(DeliveryException).count()
    with pytest.raises(services.FeedbackError):
        services.answer(row, 1, "", NOW)


@pytest.mark.browser
def test_a_missing_rating_is_named_below_the_choices_on_a_phone(shop, db, make_order, live_server, browser, output_dir):
    """The error sat inside the row of choices: on a phone it landed between 4 and 5."""
    order = delivered(db, make_order, NOW - timedelta(days=2))
    token = services.make_token(services.ask(order, NOW))
    db.session.commit()
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.goto(f"{live_server}/feedback/{token}")
    page.click(".feedback-form button[type=submit]")
    page.wait_for_load_state()
    page.screenshot(path=os.path.join(output_dir, "no-rating.png"), full_page=True)
    error = page.locator(".rating .field-error").bounding_box()
    lowest = max(box["y"] + box["height"] for box in
                 (page.locator(".rating-choice").nth(i).bounding_box() for i in range(5)))
    assert error["y"] >= lowest and error["x"] < 40, error
    page.close()
