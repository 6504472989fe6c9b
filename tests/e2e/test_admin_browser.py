"""The staff list in a real browser: filters update the table in place and the address follows.

Waits use Playwright's locator assertions: string predicates (``wait_for_function``) are
evaluated with ``eval`` in the page, which the app's Content Security Policy rightly forbids.
"""
import re

from playwright.sync_api import expect

from tests.conftest import PASSWORD


def test_filter_updates_table_without_reload_and_suggests_carrier(app, db, make_order, make_user, live_server,
                                                                  browser):
    make_order(status="new")
    shipped = make_order(status="shipped")
    staff = make_user("staff")
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{live_server}/login")
        page.fill("input[name=email]", staff.email)
        page.fill("input[name=password]", PASSWORD)
        page.click("form[action='/login'] button[type=submit], main button[type=submit]")
        page.goto(f"{live_server}/admin/orders")
        page.evaluate("window.__noReload = true")
        assert page.locator(".orders-table tbody tr").count() == 2
        with page.expect_response(lambda r: "status=shipped" in r.url):
            page.select_option("#status", "shipped")
        expect(page.locator(".orders-table tbody tr")).to_have_count(1)
        assert page.locator(".orders-table tbody tr").first.get_attribute("data-order") == shipped.number
        assert "status=shipped" in page.url
        assert page.evaluate("window.__noReload") is True  # same document: no full reload
        page.fill("#q", shipped.number)
        expect(page).to_have_url(re.compile(rf"[?&]q={re.escape(shipped.number)}"))
        # the carrier is suggested as the tracking number is typed
        page.goto(f"{live_server}/admin/orders/new")
        page.fill("#tracking_number", "RA123456789UA")
        expect(page.locator("#tracking_number-hint")).to_contain_text("Ukrposhta")
    finally:
        context.close()
