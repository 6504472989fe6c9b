"""A member of staff on the phone with a customer types the order number as the customer reads it out."""
import os

import pytest
from playwright.sync_api import expect

from tests.e2e.browsing import log_in

pytestmark = pytest.mark.browser


def test_order_number_typed_with_a_space_finds_the_order(app, db, make_order, make_user, live_server, browser,
                                                         output_dir):
    order = make_order(status="shipped")
    make_order(status="shipped")  # another order, not found
    context, page = log_in(browser, live_server, make_user("staff").email, 360, 740)
    try:
        page.goto(f"{live_server}/admin/orders")
        page.fill("input[name=q]", "ps " + order.number.removeprefix("PS-"))
        with page.expect_navigation():
            page.locator("input[name=q]").press("Enter")
        expect(page.locator("main")).to_contain_text("Знайдено замовлень: 1")
        expect(page.locator("main a", has_text=order.number)).to_be_visible()
        page.screenshot(path=os.path.join(output_dir, "found-360.png"))
    finally:
        context.close()
