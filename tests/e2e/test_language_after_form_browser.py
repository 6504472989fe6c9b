"""The language buttons on the answer to a refused form: that answer is shown at the form's own address,
which only takes POST, so the buttons must lead back to the page the form was on, not to a
'This action is not allowed here' page. Screenshots go to test-output/ to be looked at."""
import os

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.browsing import log_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # where the buttons lead; one engine is enough
def test_staff_switch_language_after_a_refused_parcel(app, db, make_order, make_user, live_server, browser,
                                                       output_dir):
    order = make_order(tracking_number=False)
    context, page = log_in(browser, live_server, make_user("staff").email, 360, 740)
    try:
        page.goto(f"{live_server}/admin/orders/{order.id}")
        form = page.locator("form[action$='/shipments']")
        form.locator("[name=tracking_number]").fill("ТТН: 20450000000001")  # the label pasted with the number
        form.locator("[name=carrier]").select_option("nova_poshta")
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        expect(page.locator("main")).to_contain_text("латинських літер, цифр і дефісів")
        with page.expect_navigation():
            page.locator("form.language-form button[value=pl]").click()
        page.screenshot(path=os.path.join(output_dir, "order-in-polish.png"), full_page=True)
        assert page.url == f"{live_server}/admin/orders/{order.id}"
        expect(page.locator("h1")).to_contain_text(f"Zamówienie {order.number}")
    finally:
        context.close()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # where the buttons lead; one engine is enough
def test_customer_switch_language_after_a_refused_erasure(app, db, make_user, live_server, browser, output_dir):
    customer = make_user("customer")
    context, page = log_in(browser, live_server, customer.email, 360, 740)
    try:
        page.goto(f"{live_server}/account/privacy")
        page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
        form = page.locator("form[action$='/erase']")
        form.locator("input[type=password]").fill(PASSWORD + "-wrong")
        for box in form.locator("input[type=checkbox]").all():
            box.check()
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        with page.expect_navigation():
            page.locator("form.language-form button[value=ru]").click()
        page.screenshot(path=os.path.join(output_dir, "privacy-in-russian.png"), full_page=True)
        assert page.url == f"{live_server}/account/privacy"
        expect(page.locator("form[action$='/erase'] button[type=submit]")).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", "ru")
    finally:
        context.close()
