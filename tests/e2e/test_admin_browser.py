"""The staff list in a real browser: filters update the table in place and the address follows; an
admin's switching an account off and on reads in words in the audit log.

Waits use Playwright's locator assertions: string predicates (``wait_for_function``) are
evaluated with ``eval`` in the page, which the app's Content Security Policy rightly forbids.
"""
import os
import re

from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.browsing import log_in


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


def test_an_account_switched_off_and_on_reads_in_words_in_the_audit_log(app, db, make_user, live_server, browser,
                                                                         output_dir):
    admin = make_user("admin", name="Ірина Бондар")
    nina = make_user("staff", email="nina@example.com", name="Ніна")
    context, page = log_in(browser, live_server, admin.email, 1280, 900)
    try:
        page.goto(f"{live_server}/admin/users")
        row = page.locator(f"tr[data-user='{nina.email}']")
        row.get_by_role("button", name="Деактивувати").click()
        expect(row).to_contain_text("Деактивовано")
        row.get_by_role("button", name="Активувати знову").click()
        expect(row.get_by_role("button", name="Деактивувати")).to_be_visible()

        page.goto(f"{live_server}/admin/audit")
        entries = page.locator(".audit-table tbody tr")
        expect(entries).to_have_count(2)
        expect(entries.locator(".audit-sentence")).to_have_text(["Знову ввімкнено обліковий запис: nina@example.com",
                                                                 "Вимкнено обліковий запис: nina@example.com"])
        expect(entries.nth(0)).to_contain_text("Ірина Бондар")
        expect(page.get_by_text("user.deactivate")).not_to_be_visible()  # the code only behind "Details"
        page.screenshot(path=os.path.join(output_dir, "audit-account-off-and-on-1280.png"), full_page=True)
    finally:
        context.close()
