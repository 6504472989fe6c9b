"""'I have received the order' takes a deliberate second step, and staff can undo a customer's
mistaken confirmation: the customer's open page follows without a reload."""
import os

import pytest
from playwright.sync_api import expect

from app.orders.models import Order
from tests.conftest import PASSWORD
from tests.e2e.browsing import log_in

pytestmark = pytest.mark.browser
POLL = 1


@pytest.fixture
def app_config():
    return {"POLL_SECONDS": POLL}


def test_customer_confirms_in_two_steps_and_staff_undo_it(app, db, make_user, make_order, live_server, browser,
                                                          output_dir):
    customer = make_user("customer", name="Олена Коваль")
    staff = make_user("staff", name="Андрій Мельник")
    order = make_order(customer=customer.customer, status="in_transit")

    shopper, page = log_in(browser, live_server, customer.email, 360, 780)
    shop, staff_page = None, None
    try:
        page.goto(f"{live_server}/orders/{order.number}")
        current = page.locator("#tracking-progress .progress [aria-current=step]")
        expect(current).to_contain_text("Прямує до вас")
        # one tap only opens the confirmation: nothing is sent yet
        page.locator(".confirm-receipt summary").click()
        confirm = page.get_by_role("button", name="Підтвердити отримання")
        expect(confirm).to_be_visible()
        expect(page.get_by_text("Підтверджуйте, лише коли посилка вже у вас у руках")).to_be_visible()
        page.screenshot(path=os.path.join(output_dir, "confirm-receipt-360.png"), full_page=True)
        confirm.click()  # the tick is required: the browser keeps the form
        db.session.expire_all()
        assert db.session.get(Order, order.id).status == "in_transit"
        page.get_by_label("Посилка в мене в руках").check()
        with page.expect_navigation():
            confirm.click()
        expect(page.locator(".flash-success")).to_contain_text("Замовлення позначено як доставлене")
        expect(current).to_contain_text("Доставлено")

        # staff see the customer's confirmation and undo it, with a second step of their own
        shop, staff_page = log_in(browser, live_server, staff.email, 1280, 800)
        staff_page.goto(f"{live_server}/admin/orders/{order.id}")
        card = staff_page.locator(".undo-receipt")
        expect(card).to_contain_text("Клієнт підтвердив отримання")
        expect(staff_page.get_by_role("button", name="Так, скасувати підтвердження")).to_be_hidden()
        card.locator("summary").click()
        staff_page.fill("#undo-note", "Клієнтка натиснула помилково, посилка ще на відділенні")
        staff_page.screenshot(path=os.path.join(output_dir, "undo-receipt-1280.png"), full_page=True)
        with staff_page.expect_navigation():
            staff_page.get_by_role("button", name="Так, скасувати підтвердження").click()
        expect(staff_page.locator(".flash-success")).to_contain_text("Підтвердження клієнта скасовано")
        expect(staff_page.locator("#status-card h2")).to_contain_text("Прямує до вас")
        expect(staff_page.locator(".timeline li").first).to_contain_text("посилка ще на відділенні")
        expect(staff_page.locator(".undo-receipt")).to_have_count(0)

        # the customer's open page follows by itself, and the confirmation is offered again
        expect(current).to_contain_text("Прямує до вас", timeout=(POLL + 5) * 1000)
        expect(page.locator(".confirm-receipt summary")).to_be_visible()

        # the audit log says it in words
        db.session.expire_all()
        admin = make_user("admin")
        staff_page.context.clear_cookies()
        staff_page.goto(f"{live_server}/login")
        staff_page.fill("input[name=email]", admin.email)
        staff_page.fill("input[name=password]", PASSWORD)
        with staff_page.expect_navigation():
            staff_page.click("main button[type=submit]")
        staff_page.goto(f"{live_server}/admin/audit")
        expect(staff_page.locator("main")).to_contain_text(
            f"Скасував(ла) «отримано» клієнта в замовленні {order.number} (знову «Прямує до вас»)")
        staff_page.screenshot(path=os.path.join(output_dir, "audit-log-1280.png"), full_page=True)
    finally:
        shopper.close()
        if shop is not None:
            shop.close()
