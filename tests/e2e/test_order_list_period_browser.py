"""The orders list's date filters in a real browser: a period that ends before it starts is named, in place."""
import pytest
from playwright.sync_api import expect

from tests.e2e.browsing import log_in, overflow

# a refused period as a person sees it; one engine is enough
pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]


@pytest.mark.parametrize("width, height", [(1280, 900), (360, 780)])
def test_reversed_dates_show_why_nothing_is_listed(app, db, make_order, make_user, live_server, browser, output_dir,
                                                   width, height):
    make_order()
    context, page = log_in(browser, live_server, make_user("staff").email, width, height)
    try:
        page.goto(f"{live_server}/admin/orders")
        page.locator(".more-filters summary").click()
        page.fill("#date_from", "2026-12-07")
        with page.expect_response(lambda r: "date_to=2026-12-01" in r.url):
            page.fill("#date_to", "2026-12-01")  # the filters apply themselves (htmx) on change
        error = page.locator("#orders-results [role=alert]")
        expect(error).to_have_text("Кінцева дата 1 груд. 2026 р. раніша за початкову 7 груд. 2026 р.: період має "
                                   "закінчуватися не раніше дня, коли починається.")
        expect(error).to_be_visible()
        expect(page.locator("#orders-results")).not_to_contain_text("Знайдено замовлень")
        assert overflow(page) == 0
        page.screenshot(path=f"{output_dir}/orders-reversed-period-{width}.png", full_page=True)
        # the full page (a reload, a shared link) says the same
        page.reload()
        expect(page.locator("#orders-results [role=alert]")).to_contain_text("Кінцева дата 1 груд. 2026 р. раніша")
    finally:
        context.close()
