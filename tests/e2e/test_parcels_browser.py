"""What the customer sees of an order of two parcels (issue 14), in a real Chromium: "1 of 2 parcels
delivered" while the second travels, the page still polling, and the order delivered by itself
when the second parcel arrives."""
import os

import pytest

from app.carriers.sync import sync_all
from app.database import writing
from app.orders.models import Order
from app.orders.services import add_shipment
from tests.e2e.test_tracking_browser import _log_in
from tests.test_multi_parcel import A, B, nova_poshta  # noqa: F401  (the local Nova Poshta)

pytestmark = pytest.mark.browser
POLL = 1


@pytest.fixture
def app_config():
    return {"POLL_SECONDS": POLL, "CARRIER_RETRIES": 0, "CARRIER_TIMEOUT_SECONDS": 2}


def test_customer_sees_one_of_two_parcels_delivered_then_the_order_delivered(
        app, db, make_user, make_order, nova_poshta, live_server, browser, output_dir):  # noqa: F811
    from playwright.sync_api import expect

    customer = make_user("customer", name="Олена Коваль")
    order = make_order(customer=customer.customer, status="shipped", carrier="nova_poshta", tracking_number=A)
    with writing():
        add_shipment(db.session.get(Order, order.id), "nova_poshta", B)
        db.session.commit()
    nova_poshta.update({A: "9", B: "5"})
    sync_all(app, trigger="test", force=True)
    db.session.commit()

    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="uk-UA")
    page = context.new_page()
    _log_in(page, live_server, customer.email)
    page.goto(f"{live_server}/orders/{order.number}")
    block = page.locator("#tracking-progress")
    expect(block.locator(".parcels-summary")).to_have_text("1 з 2 посилок доставлено")
    expect(block.locator(".progress [aria-current=step]")).to_contain_text("Прямує до вас")
    expect(block).to_have_attribute("hx-trigger", f"every {POLL}s")  # still followed
    parcels = block.locator(".fact-parcel")
    expect(parcels.filter(has_text=A).locator(".parcel-status")).to_have_text("Доставлено")
    expect(parcels.filter(has_text=B).locator(".parcel-status")).to_have_text("Прямує до вас")
    page.screenshot(path=os.path.join(output_dir, "one-of-two-360.png"), full_page=True)
    page.evaluate("window.__sameDocument = true")

    nova_poshta[B] = "9"
    sync_all(app, trigger="test", force=True)
    expect(block.locator(".parcels-summary")).to_have_text("2 з 2 посилок доставлено", timeout=(POLL + 5) * 1000)
    expect(page.locator("#tracking-progress .progress-summary")).to_contain_text("Доставлено")
    assert page.evaluate("window.__sameDocument") is True  # the page was not reloaded
    page.screenshot(path=os.path.join(output_dir, "two-of-two-360.png"), full_page=True)
    context.close()
