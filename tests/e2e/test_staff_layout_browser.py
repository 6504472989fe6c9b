"""Staff pages at a laptop's 1280 × 800 and a phone's 360 px, and the monthly report printed on A4:
nothing is cut off or pushes the page sideways. Screenshots go to test-output/ to be looked at."""
import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

# what the printed A4 portrait page holds at 96 px per inch with the report's 12 mm margins
A4_PRINTABLE_PX = round((210 - 2 * 12) / 25.4 * 96)


@pytest.fixture
def shop(db, make_order, make_user):
    orders = [make_order(status=s, delivery={"city": "Чернігів", "region": "Чернігівська",
                                             "pickup_point": "Відділення №3 (до 30 кг): вул. Шевченка, 12"})
              for s in ("new", "shipped", "in_transit", "delivered", "delivered", "returned", "cancelled")]
    return orders, make_user("admin", name="Ірина Бондар")


def _log_in(browser, live_server, user, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="uk-UA")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    return context, page


def _overflow(page):
    """How many CSS pixels the page is wider than the window (0: no sideways scrolling)."""
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.mark.parametrize("width,height", [(1280, 800), (360, 740)])
def test_staff_pages_fit_the_screen(app, db, shop, live_server, browser, output_dir, width, height):
    orders, admin = shop
    context, page = _log_in(browser, live_server, admin, width, height)
    try:
        for name, path in (("orders-list", "/admin/orders"), ("order-page", f"/admin/orders/{orders[1].id}"),
                           ("audit-log", "/admin/audit")):
            page.goto(f"{live_server}{path}")
            page.screenshot(path=f"{output_dir}/{name}-{width}.png")
            assert _overflow(page) <= 1, f"{path} scrolls sideways at {width} px"
    finally:
        context.close()


def test_monthly_report_prints_on_a4_without_cutting_a_column(app, db, shop, live_server, browser, output_dir):
    _orders, admin = shop
    context, page = _log_in(browser, live_server, admin, 1280, 800)
    try:
        page.goto(f"{live_server}/admin/analytics/monthly")
        expect(page.locator("h1")).to_contain_text("Місячний звіт")
        page.pdf(path=f"{output_dir}/monthly-report-a4.pdf", format="A4", print_background=True)
        # the same layout as the PDF, at the printed page's width, to measure and to look at
        page.emulate_media(media="print")
        page.set_viewport_size({"width": A4_PRINTABLE_PX, "height": 1100})
        page.screenshot(path=f"{output_dir}/monthly-report-printed-a4.png", full_page=True)
        cut = page.evaluate("""(limit) => [...document.querySelectorAll('table')].flatMap(t =>
            [...t.querySelectorAll('th, td')].filter(c => c.getBoundingClientRect().right > limit + 1)
              .map(c => c.textContent.trim()))""", A4_PRINTABLE_PX)
        assert cut == [], f"cells past the printed page's edge: {cut[:5]}"
        assert _overflow(page) <= 1
    finally:
        context.close()
