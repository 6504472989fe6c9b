"""What an admin sees on two pages in a real browser: a webhook address deliveries would be refused
is named when saved, and a sandbox API client's order is marked among the real ones."""
import os

import pytest
from playwright.sync_api import expect

from app.notify.models import WebhookEndpoint
from tests.e2e.browsing import log_in

# what two pages show; one engine is enough
pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]


def test_a_private_webhook_address_is_refused_in_the_form(app, db, make_user, live_server, browser, output_dir):
    context, page = log_in(browser, live_server, make_user("admin").email, 1280, 900)
    try:
        page.goto(f"{live_server}/admin/notifications/webhooks")
        page.fill("input[name=url]", "http://127.0.0.2:9/hook")
        page.locator("input[name=url]").press("Enter")
        expect(page.get_by_text("Ця адреса у приватній мережі або на цьому сервері")).to_be_visible()
        expect(page.locator("input[name=url]")).to_have_value("http://127.0.0.2:9/hook")
        page.screenshot(path=os.path.join(output_dir, "private-webhook-refused.png"), full_page=True)
    finally:
        context.close()
    db.session.rollback()
    assert db.session.execute(db.select(WebhookEndpoint)).first() is None


def test_a_sandbox_order_is_marked_in_the_orders_list_on_a_phone(app, db, make_user, make_order, live_server,
                                                                 browser, output_dir):
    sandbox, real = make_order(status="new"), make_order(status="new")
    sandbox.is_sandbox = True
    db.session.commit()
    context, page = log_in(browser, live_server, make_user("staff").email, 360, 1400)
    try:
        page.goto(f"{live_server}/admin/orders")
        # beside the number, in the first column: the status column is out of sight on a phone
        expect(page.locator(f'tr[data-order="{sandbox.number}"]').get_by_text("Пісочниця")).to_be_in_viewport()
        expect(page.locator(f'tr[data-order="{real.number}"]').get_by_text("Пісочниця")).to_have_count(0)
        # listed, but counted nowhere: the list says so beside its count
        expect(page.locator(".list-summary")).to_contain_text("Знайдено замовлень: 1.")
        expect(page.get_by_text("Тестові замовлення пісочниці теж у списку, але не враховані й не експортуються: 1.")
               ).to_be_visible()
        page.screenshot(path=os.path.join(output_dir, "sandbox-orders-list.png"), full_page=True)
    finally:
        context.close()
