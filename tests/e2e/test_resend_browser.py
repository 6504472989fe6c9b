"""A staff member sends a failed message again from the delivery log. When the message tells the
customer a status their order has left since ("shipped" of a delivered order), the message's page
says so and asks before it goes: once, it went out as news with no word to the staff."""
import os

import pytest
from playwright.sync_api import expect

from app.notify.dispatcher import dispatch
from app.notify.models import Notification
from app.orders import lifecycle
from app.orders.models import Customer
from tests.e2e.browsing import log_in
from tests.notify_servers import free_port, later, send_at_once, use_smtp

# what the pages say; one engine is enough
pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]


def test_sending_again_old_news_is_named_and_asked_for(app, db, make_user, make_order, live_server,
                                                        browser, output_dir):
    send_at_once()
    use_smtp(free_port(), NOTIFY_MAX_ATTEMPTS="1")  # nothing listens: the e-mail fails
    person = Customer(name="Олена Коваль", email="olena@example.com", phone="+380671234567", language="uk")
    db.session.add(person)
    order = make_order(customer=person, status="shipped")
    dispatch(now=later())
    lifecycle.change_status(order, "in_transit", source="carrier")
    lifecycle.change_status(order, "delivered", source="carrier")
    db.session.commit()
    shipped = db.session.execute(db.select(Notification).filter_by(
        order_id=order.id, channel="email", status="shipped")).scalar_one()
    assert shipped.state == "failed"

    context, page = log_in(browser, live_server, make_user("staff").email, 1280, 900)
    try:
        page.goto(f"{live_server}/admin/notifications/?state=failed")
        row = page.locator("tr", has=page.get_by_role("link", name=f"#{shipped.id}", exact=True))
        with page.expect_navigation():
            row.get_by_role("button", name="Надіслати ще раз").click()
        warning = page.locator(".outdated-message")
        expect(warning).to_contain_text("Це повідомлення каже клієнтові «Відправлено», а замовлення вже «Доставлено».")
        page.screenshot(path=os.path.join(output_dir, "resend-outdated-asked.png"), full_page=True)
        db.session.rollback()
        assert db.session.get(Notification, shipped.id).state == "failed"  # nothing queued yet

        with page.expect_navigation():
            warning.get_by_role("button", name="Однаково надіслати старе повідомлення").click()
        expect(page.get_by_text("Повідомлення знову поставлено в чергу на надсилання.")).to_be_visible()
        page.screenshot(path=os.path.join(output_dir, "resend-outdated-sent.png"), full_page=True)
    finally:
        context.close()
    db.session.rollback()
    assert db.session.get(Notification, shipped.id).state == "queued"
