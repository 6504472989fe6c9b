"""InPost sends codes only: in Chromium, a Polish member of staff reads them as Polish words on
the Attention page and the order page, and the customer reads them on the tracking page;
screenshots in test-output/."""
import pytest

from app.clock import utcnow
from app.orders import links
from tests.e2e.test_narrow_screen_browser import _log_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # a page check; one engine is enough
def test_inpost_codes_read_as_polish_words(app, db, make_user, make_order, live_server, browser, output_dir):
    from app.attention import services
    from app.database import writing
    from app.orders import lifecycle

    order = make_order(status="in_transit", carrier="inpost", tracking_number="602677439331630337653848")
    with writing():
        shipment = order.shipments[0]
        # as the sync leaves them after InPost's "pickup_time_expired"
        shipment.last_raw_status, shipment.last_raw_text = "pickup_time_expired", "pickup time expired"
        lifecycle.set_flags(order, problem=True, problem_note="pickup time expired")
        services.scan(utcnow())
        db.session.commit()
    token = links.make_token(order)
    staff = make_user("staff")

    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900}, locale="pl-PL")
    page = context.new_page()
    try:
        page.goto(f"/t/{token}")
        assert "Upłynął termin odbioru" in page.locator("main").inner_text()
        page.screenshot(path=f"{output_dir}/carrier-words-customer.png", full_page=True)
        _log_in(page, staff.email)
        page.click("nav.admin-nav >> text=Uwaga")
        row = page.locator(f"tr:has-text('{order.number}')")
        assert "Upłynął termin odbioru" in row.inner_text()
        page.screenshot(path=f"{output_dir}/carrier-words-attention.png", full_page=True)
        page.goto(f"/admin/orders/{order.id}")
        parcel = page.locator("ul.shipments li").first.inner_text()
        assert "Upłynął termin odbioru" in parcel and "pickup time expired" not in page.locator("main").inner_text()
        page.screenshot(path=f"{output_dir}/carrier-words-order.png", full_page=True)
    finally:
        context.close()
