"""The analytics page's period links in Chromium at 1280 px and 360 px: "Last 12 months" opens the
year's figures from the copy the scheduler keeps, saying how old they are. Screenshots in
test-output/ (analytics-last-12-months-*.png)."""
import pytest

from tests.e2e.browsing import log_in, overflow

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    return {"TIMEZONE": "UTC", "ANALYTICS_REFRESH_MINUTES": 15, "ANALYTICS_SLOW_MS": 0}  # kept, however quick


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # a page check; one engine is enough
def test_the_last_12_months_from_the_kept_copy(app, make_order, make_user, live_server, browser, output_dir):
    from app.analytics import services

    for status in ("delivered", "in_transit", "new"):
        make_order(status=status)
    services.refresh_job(app)  # the scheduler's job: the copy exists before anyone asks
    make_order()  # after the copy: not counted until the next recomputation
    staff = make_user("staff")
    for width in (1280, 360):
        context, page = log_in(browser, live_server, staff.email, width, 900)
        try:
            page.goto(f"{live_server}/admin/analytics/")
            page.get_by_role("link", name="Останні 12 місяців").click()
            page.wait_for_url("**date_from=*")
            assert page.locator(".period-presets [aria-current]").inner_text() == "Останні 12 місяців"
            assert "перераховуються кожні 15 хв" in page.locator("#figures-as-of").inner_text()
            assert page.locator('[data-figure="orders-created"]').inner_text() == "3"
            assert page.locator("#by-status svg").is_visible()
            page.screenshot(path=f"{output_dir}/analytics-last-12-months-{width}.png", full_page=False)
            assert overflow(page) == 0
            page.get_by_role("link", name="Останні 30 днів").click()
            page.wait_for_load_state()
            assert page.locator('[data-figure="orders-created"]').inner_text() == "4"  # computed when asked
            assert page.locator("#figures-as-of").count() == 0
        finally:
            context.close()
