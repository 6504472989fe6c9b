"""The settings pages (carriers, branding, notifications, API clients) show the staff menu like every other staff
page, at a laptop's 1280 px and a phone's 360 px, and its first entry takes the staff member back to the orders.
Screenshots go to test-output/ to be looked at."""
import pytest
from playwright.sync_api import expect

from tests.e2e.browsing import log_in, overflow

# a page's menu as a person sees it; one engine is enough
pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]

PAGES = (("carriers", "/admin/carriers/", "Перевізники"), ("branding", "/admin/branding", "Віджет і фірмовий стиль"),
         ("notifications", "/admin/notifications/", "Журнал надсилань"), ("api-clients", "/admin/api-clients/",
                                                                          "API-клієнти"))


@pytest.mark.parametrize("width,height", [(1280, 800), (360, 740)])
def test_settings_pages_have_the_staff_menu_back_to_the_orders(app, db, make_order, make_user, live_server, browser,
                                                               output_dir, width, height):
    make_order(status="shipped")
    admin = make_user("admin", name="Ірина Бондар")
    context, page = log_in(browser, live_server, admin.email, width, height)
    try:
        for name, path, heading in PAGES:
            page.goto(f"{live_server}{path}")
            expect(page.locator("h1")).to_contain_text(heading)
            menu = page.get_by_role("navigation", name="Меню працівника")
            expect(menu).to_be_visible()
            orders = menu.get_by_role("link", name="Замовлення", exact=True)
            expect(orders).to_be_visible()
            # the page is under "Ще" (More): marked there, and its own entry is marked when the menu opens
            expect(menu.locator(".admin-more summary")).to_have_class("current")
            page.screenshot(path=f"{output_dir}/{name}-{width}.png")
            page.screenshot(path=f"{output_dir}/{name}-{width}-full.png", full_page=True)
            assert overflow(page) <= 1, f"{path} scrolls sideways at {width} px"
            menu.locator(".admin-more summary").click()
            expect(menu.locator(".admin-more-menu a[aria-current=page]")).to_be_visible()
            page.screenshot(path=f"{output_dir}/{name}-menu-open-{width}.png")
            assert overflow(page) <= 1, f"{path} with the menu open scrolls sideways at {width} px"
            with page.expect_navigation():
                orders.click()
            assert page.url == f"{live_server}/admin/orders"
            expect(page.get_by_role("navigation", name="Меню працівника")
                   .get_by_role("link", name="Замовлення", exact=True)).to_have_attribute("aria-current", "page")
    finally:
        context.close()


def test_a_staff_member_gets_back_from_the_delivery_log(app, db, make_order, make_user, live_server, browser,
                                                        output_dir):
    """Not an administrator: the delivery log is theirs too, reached from the staff menu."""
    make_order(status="shipped")
    staff = make_user("staff", name="Андрій Мельник")
    context, page = log_in(browser, live_server, staff.email, 360, 740)
    try:
        page.goto(f"{live_server}/admin/notifications/")
        menu = page.get_by_role("navigation", name="Меню працівника")
        expect(menu).to_be_visible()
        page.screenshot(path=f"{output_dir}/notifications-staff-360.png")
        assert overflow(page) <= 1
        with page.expect_navigation():
            menu.get_by_role("link", name="Замовлення", exact=True).click()
        assert page.url == f"{live_server}/admin/orders"
    finally:
        context.close()
