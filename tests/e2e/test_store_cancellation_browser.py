"""An order refunded in WooCommerce after its parcel left, as staff meet it in Chromium: the staff menu's
count, the Attention page's row with the reason, and the order's page; screenshots in test-output/.

The store's webhooks reach the live server as WooCommerce sends them (signed bodies over HTTP)."""
import base64
import hashlib
import hmac
import json
import urllib.request

import pytest
from platform_payloads import WOO_GUEST_CYRILLIC, WOO_REFUNDED_AFTER_SHIPPING

from tests.e2e.test_narrow_screen_browser import TOO_WIDE, _log_in

pytestmark = pytest.mark.browser

SECRET = "woo-secret-of-the-webhook"


def _deliver(base, payload, topic, delivery):
    data = json.dumps(payload).encode()
    signature = base64.b64encode(hmac.new(SECRET.encode(), data, hashlib.sha256).digest()).decode()
    request = urllib.request.Request(f"{base}/api/platforms/woocommerce", data=data, method="POST", headers={
        "Content-Type": "application/json", "X-WC-Webhook-Signature": signature, "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Delivery-ID": delivery})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # a page check; one engine is enough
def test_staff_see_an_order_refunded_in_the_store_after_shipping(app, db, make_user, live_server, browser,
                                                                 output_dir):
    from app import settings
    from tests.conftest import write_transaction

    with write_transaction(db):
        settings.put("WOOCOMMERCE_WEBHOOK_SECRET", SECRET, secret=True)
        db.session.commit()
    created = _deliver(live_server, WOO_GUEST_CYRILLIC, "order.created", "d-1")
    refunded = _deliver(live_server, WOO_REFUNDED_AFTER_SHIPPING, "order.updated", "d-2")
    assert created["result"] == "created" and refunded["result"] == "flagged"
    number = created["order_number"]
    staff = make_user("staff")

    for width in (1280, 360):
        context = browser.new_context(base_url=live_server, viewport={"width": width, "height": 900},
                                      locale="uk-UA")
        page = context.new_page()
        try:
            _log_in(page, staff.email)
            assert page.locator("[data-attention-count]").inner_text() == "1"  # in the staff menu on every page
            page.click("nav.admin-nav >> text=Увага")
            row = page.locator(f"tr:has-text('{number}')")
            text = row.inner_text()
            assert "Скасовано в магазині після відправлення" in text
            assert "зупиніть посилку або чекайте її назад" in text and "Кошти повернуто в WooCommerce." in text
            assert row.locator("button", has_text="Повідомити клієнта").count() == 0
            assert row.locator("button").all_inner_texts() == ["Прибрати"]  # dismissed once dealt with
            page.screenshot(path=f"{output_dir}/attention-refunded-{width}.png", full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= width, page.evaluate(TOO_WIDE, width)

            row.locator("a", has_text=number).click()
            page.wait_for_selector("[data-attention-problems]")
            card = page.locator("[data-attention-problems]")
            assert card.is_visible()
            assert "Потребує уваги" in card.inner_text() and "Кошти повернуто в WooCommerce." in card.inner_text()
            assert "Відправлено" in page.locator("h1").inner_text()  # the status stays: the parcel is moving
            page.screenshot(path=f"{output_dir}/order-refunded-{width}.png", full_page=True)
            card.screenshot(path=f"{output_dir}/order-refunded-card-{width}.png")  # legible at 360 px too
            assert page.evaluate("document.documentElement.scrollWidth") <= width, page.evaluate(TOO_WIDE, width)
        finally:
            context.close()
