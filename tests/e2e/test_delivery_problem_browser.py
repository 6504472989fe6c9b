"""Staff read why an e-mail failed in their own language on the message's page: the mail server
refused the connection (nothing listens on the SMTP port), said in Ukrainian with the technical
detail after it, where the page showed "SMTP connection lost: [Errno 111] Connection refused"."""
import os

import pytest
from playwright.sync_api import expect

from app.notify.dispatcher import dispatch
from app.notify.models import Notification
from app.orders.models import Customer
from tests.e2e.browsing import log_in
from tests.notify_servers import free_port, later, send_at_once, use_smtp

# what the pages say; one engine is enough
pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]

SENTENCE = "Поштовий сервер відхилив з’єднання. Подробиці: [Errno 111] Connection refused"


def test_a_failed_email_says_why_in_ukrainian(app, db, make_user, make_order, live_server, browser, output_dir):
    send_at_once()
    use_smtp(free_port(), NOTIFY_MAX_ATTEMPTS="1")  # nothing listens: the e-mail fails
    person = Customer(name="Олена Коваль", email="olena@example.com", phone="+380671234567", language="uk")
    db.session.add(person)
    order = make_order(customer=person, status="shipped")
    dispatch(now=later())
    failed = db.session.execute(db.select(Notification).filter_by(
        order_id=order.id, channel="email", status="shipped")).scalar_one()
    assert failed.state == "failed"

    context, page = log_in(browser, live_server, make_user("staff", language="uk").email, 1280, 900)
    try:
        page.goto(f"{live_server}/admin/notifications/?state=failed")
        row = page.locator("tr", has=page.get_by_role("link", name=f"#{failed.id}", exact=True))
        expect(row.locator(".notify-error")).to_have_text(SENTENCE)

        page.goto(f"{live_server}/admin/notifications/{failed.id}")
        expect(page.locator("dd", has_text=SENTENCE)).to_be_visible()  # the last error
        expect(page.locator("td", has_text=SENTENCE)).to_be_visible()  # the attempt's
        expect(page.get_by_text("SMTP connection", exact=False)).to_have_count(0)
        page.screenshot(path=os.path.join(output_dir, "delivery-problem-uk.png"), full_page=True)
    finally:
        context.close()
