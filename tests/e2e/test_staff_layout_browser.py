"""Staff pages at a laptop's 1280 × 800 and a phone's 360 px, and the monthly report printed on A4:
nothing is cut off or pushes the page sideways. Screenshots go to test-output/ to be looked at."""
import pytest
from playwright.sync_api import expect

from tests.e2e.browsing import log_in, overflow

# what a page looks like at a width; one engine is enough
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

# what the printed A4 portrait page holds at 96 px per inch with the report's 12 mm margins
A4_PRINTABLE_PX = round((210 - 2 * 12) / 25.4 * 96)


@pytest.fixture
def shop(db, make_order, make_user):
    orders = [make_order(status=s, delivery={"city": "Чернігів", "region": "Чернігівська",
                                             "pickup_point": "Відділення №3 (до 30 кг): вул. Шевченка, 12"})
              for s in ("new", "shipped", "in_transit", "delivered", "delivered", "returned", "cancelled")]
    return orders, make_user("admin", name="Ірина Бондар")


@pytest.mark.parametrize("width,height", [(1280, 800), (360, 740)])
def test_staff_pages_fit_the_screen(app, db, shop, live_server, browser, output_dir, width, height):
    orders, admin = shop
    context, page = log_in(browser, live_server, admin.email, width, height)
    try:
        for name, path in (("orders-list", "/admin/orders"), ("order-page", f"/admin/orders/{orders[1].id}"),
                           ("audit-log", "/admin/audit")):
            page.goto(f"{live_server}{path}")
            page.screenshot(path=f"{output_dir}/{name}-{width}.png")
            assert overflow(page) <= 1, f"{path} scrolls sideways at {width} px"
    finally:
        context.close()


def test_monthly_report_prints_on_a4_without_cutting_a_column(app, db, shop, live_server, browser, output_dir):
    _orders, admin = shop
    context, page = log_in(browser, live_server, admin.email, 1280, 800)
    try:
        page.goto(f"{live_server}/admin/analytics/monthly")
        expect(page.locator("h1")).to_contain_text("Місячний звіт")
        page.screenshot(path=f"{output_dir}/monthly-report-1280.png", full_page=True)
        page.pdf(path=f"{output_dir}/monthly-report-a4.pdf", format="A4", print_background=True)
        page.emulate_media(media="print")  # what the printer gets, seen at the laptop's width
        page.screenshot(path=f"{output_dir}/monthly-report-print-1280.png", full_page=True)
        # the same layout as the PDF, at the printed page's width, to measure and to look at
        page.emulate_media(media="print")
        page.set_viewport_size({"width": A4_PRINTABLE_PX, "height": 1100})
        page.screenshot(path=f"{output_dir}/monthly-report-printed-a4.png", full_page=True)
        cut = page.evaluate("""(limit) => [...document.querySelectorAll('table')].flatMap(t =>
            [...t.querySelectorAll('th, td')].filter(c => c.getBoundingClientRect().right > limit + 1)
              .map(c => c.textContent.trim()))""", A4_PRINTABLE_PX)
        assert cut == [], f"cells past the printed page's edge: {cut[:5]}"
        assert overflow(page) <= 1
    finally:
        context.close()


def _visible_exact(page, text):
    """How many elements a person sees whose own text is exactly ``text`` (not hidden for screen readers only)."""
    return page.evaluate("""(text) => [...document.querySelectorAll('body *')].filter(el => {
        const own = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('').trim();
        const box = el.getBoundingClientRect();
        return own === text && box.width > 2 && box.height > 2 && getComputedStyle(el).visibility !== 'hidden';
      }).length""", text)


def test_staff_menu_orders_list_and_order_page_as_a_person_sees_them(app, db, make_order, make_user, live_server,
                                                                     browser, output_dir):
    for n in range(16):
        make_order(status=("new", "shipped", "in_transit", "delivered")[n % 4],
                   delivery={"city": "Івано-Франківськ", "region": "Івано-Франківська",
                             "pickup_point": "Відділення №3"})
    order = make_order(status="shipped", items=[
        {"name": "Куртка демісезонна з капюшоном", "sku": "JK-501", "size": "XL", "color": "оливковий",
         "quantity": 2, "price": "12890.00"},
        {"name": "Шарф кашеміровий", "sku": "SC-050", "size": None, "color": "бежевий", "quantity": 1,
         "price": "750.00"}])
    admin = make_user("admin", name="Ірина Бондар")
    context, page = log_in(browser, live_server, admin.email, 1280, 800)
    try:
        page.goto(f"{live_server}/admin/orders")
        # the staff menu is one row; the admin's pages sit behind "Ще"
        tops = page.evaluate("() => [...document.querySelectorAll('.admin-nav > a, .admin-nav > details > summary')]"
                             ".map(e => Math.round(e.getBoundingClientRect().top))")
        assert len(set(tops)) == 1, tops
        expect(page.get_by_role("link", name="Журнал дій")).to_be_hidden()
        page.locator(".admin-more summary").click()
        expect(page.get_by_role("link", name="Журнал дій")).to_be_visible()
        page.screenshot(path=f"{output_dir}/staff-menu-open-1280.png")
        page.locator(".admin-more summary").click()
        # "Замовлення" once: the menu's current item (the heading is there for screen readers)
        assert _visible_exact(page, "Замовлення") == 1
        # compact rows: at least ten orders above the fold of a 1280 × 800 laptop
        bottoms = page.evaluate("() => [...document.querySelectorAll('.orders-table tbody tr')]"
                                ".map(r => r.getBoundingClientRect().bottom)")
        page.screenshot(path=f"{output_dir}/orders-list-1280.png")
        assert sum(1 for b in bottoms if b <= 800) >= 10, bottoms
        page.screenshot(path=f"{output_dir}/orders-list-1280.png")

        page.goto(f"{live_server}/admin/orders/{order.id}")
        # every item's name and price is there in full, not cut by its box
        cut = page.evaluate("""() => [...document.querySelectorAll('.item-rows .cell-input')]
            .filter(i => i.value && i.scrollWidth > i.clientWidth + 1).map(i => i.value)""")
        assert cut == [], cut
        # no red delete next to the tracking number: removing a parcel takes two deliberate steps
        shipments = page.locator(".shipments")
        expect(shipments.locator("button, .danger")).to_have_count(0)
        remove = page.get_by_role("button", name=f"Видалити посилку {order.shipments[0].tracking_number}")
        expect(remove).to_be_hidden()
        page.locator(".remove-parcel summary").click()
        expect(remove).to_be_visible()
        expect(page.locator("#status-card select[name=status]")).to_have_value("")
        page.screenshot(path=f"{output_dir}/order-page-1280.png", full_page=True)
        with page.expect_navigation():
            remove.click()
        expect(page.locator(".flash-success")).to_contain_text("Відправлення видалено")
        # after a save the status form again offers no status of its own choosing
        expect(page.locator("#status-card select[name=status]")).to_have_value("")

        # analytics: an empty period is said in words, not drawn as zero bars; tables one click away
        page.goto(f"{live_server}/admin/analytics/?date_from=2021-01-01&date_to=2021-01-31")
        expect(page.locator(".chart-empty").first).to_be_visible()
        assert page.locator("details.figure-table[open]").count() == 0
        expect(page.locator("details.figure-table table").first).to_be_hidden()
        page.screenshot(path=f"{output_dir}/analytics-empty-1280.png", full_page=True)

        page.set_viewport_size({"width": 360, "height": 740})
        for name, path in (("orders-list", "/admin/orders"), ("order-page", f"/admin/orders/{order.id}")):
            page.goto(f"{live_server}{path}")
            assert overflow(page) <= 1, f"{path} scrolls sideways at 360 px"
            page.screenshot(path=f"{output_dir}/{name}-360.png", full_page=True)
    finally:
        context.close()
