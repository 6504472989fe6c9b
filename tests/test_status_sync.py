"""Statuses flowing back to the four platforms, each request checked against the platform's format.

Shapes from the platforms' REST references: Shopify's FulfillmentEvent (``POST
/admin/api/2024-10/orders/{order_id}/fulfillments/{fulfillment_id}/events.json``, body
``{"event": {"status": ...}}``, answer ``{"fulfillment_event": {...}}``); WooCommerce's orders and order
notes (``PUT /wp-json/wc/v3/orders/{id}``, ``POST .../notes`` with ``note`` and ``customer_note``);
Magento's ``POST /V1/order/{orderId}/ship`` (``notify``, ``appendComment``, ``comment``, ``tracks[]``
with ``track_number``, ``title``, ``carrier_code``; answers the shipment id) and ``POST
/V1/orders/{id}/comments`` (``statusHistory``); PrestaShop's ``order_histories`` resource (an XML
``<prestashop><order_history>`` with ``id_order`` and ``id_order_state``).
"""
import base64
import json
from xml.etree import ElementTree

import pytest
from notify_servers import later
from werkzeug import Response

from app import settings
from app.api.models import PlatformOrder
from app.notify.dispatcher import dispatch
from app.notify.models import Notification
from app.orders import lifecycle


@pytest.fixture
def shops(app, db, httpserver):
    """Local stand-ins of the four platforms; every request is kept as (path, headers, body)."""
    if "tracking.signed" not in app.view_functions:
        app.add_url_rule("/t/<token>", endpoint="tracking.signed", view_func=lambda token: token)
    seen = []

    def keep(answer, status=200):
        def handler(request):
            seen.append((request.method, request.path, dict(request.headers), request.get_data(), dict(request.args)))
            body = answer() if callable(answer) else answer
            return Response(body if isinstance(body, str) else json.dumps(body), status=status,
                            content_type="application/json")
        return handler

    base = "/admin/api/2024-10/orders/820982911946154508"
    httpserver.expect_request(f"{base}/fulfillments.json", method="GET").respond_with_handler(keep(
        {"fulfillments": [{"id": 255858046, "order_id": 820982911946154508, "status": "success",
                           "tracking_company": "Nova Poshta", "tracking_numbers": ["20450000555666"]}]}))
    httpserver.expect_request(f"{base}/fulfillments/255858046/events.json", method="POST").respond_with_handler(keep(
        {"fulfillment_event": {"id": 944956395, "fulfillment_id": 255858046, "status": "in_transit"}}, 201))
    httpserver.expect_request("/wp-json/wc/v3/orders/727", method="PUT").respond_with_handler(
        keep({"id": 727, "status": "completed"}))
    httpserver.expect_request("/wp-json/wc/v3/orders/727/notes", method="POST").respond_with_handler(
        keep({"id": 281, "note": "x", "customer_note": True}, 201))
    httpserver.expect_request("/rest/V1/order/301/ship", method="POST").respond_with_handler(keep("55"))
    httpserver.expect_request("/api/order_histories", method="POST").respond_with_handler(
        keep({"order_history": {"id": 99, "id_order": 12, "id_order_state": 4}}, 201))
    url = httpserver.url_for("/").rstrip("/")
    for key, value in {"PUBLIC_URL": "https://shop.example", "NOTIFY_MERGE_SECONDS": "0", "NOTIFY_QUIET_HOURS": "-",
                       "SHOPIFY_SHOP_URL": url, "SHOPIFY_ACCESS_TOKEN": "shpat_local", "WOOCOMMERCE_URL": url,
                       "WOOCOMMERCE_KEY": "ck_local", "WOOCOMMERCE_SECRET": "cs_local", "MAGENTO_URL": url,
                       "MAGENTO_TOKEN": "mag-token", "PRESTASHOP_URL": url, "PRESTASHOP_KEY": "PSKEY"}.items():
        settings.put(key, value)
    db.session.commit()
    return seen


def platform_order(db, make_order, platform, external_id, status, tracking_number):
    order = make_order(status=status, tracking_number=tracking_number)
    db.session.add(PlatformOrder(platform=platform, external_id=external_id, order=order))
    db.session.commit()
    return order


def requests_to(seen, path_part):
    return [r for r in seen if path_part in r[1]]


def test_a_status_change_reaches_each_of_the_four_platforms_in_its_format(shops, db, make_order):
    shopify = platform_order(db, make_order, "shopify", "820982911946154508", "shipped", "20450000555666")
    woo = platform_order(db, make_order, "woocommerce", "727", "awaiting_shipment", "20450000555667")
    magento = platform_order(db, make_order, "magento", "301", "awaiting_shipment", "20450000555668")
    presta = platform_order(db, make_order, "prestashop", "12", "awaiting_shipment", "20450000555669")
    lifecycle.change_status(shopify, "in_transit", source="carrier")
    for order in (woo, magento, presta):
        lifecycle.change_status(order, "shipped", source="staff")
    db.session.commit()
    result = dispatch(now=later())
    assert result.failed == 0 and result.retrying == 0

    method, _path, headers, body, _args = requests_to(shops, "/events.json")[0]
    assert headers["X-Shopify-Access-Token"] == "shpat_local"
    event = json.loads(body)["event"]
    assert set(event) == {"status", "message"} and event["status"] == "in_transit"

    [put] = [r for r in requests_to(shops, "/wc/v3/orders/727") if r[0] == "PUT"]
    assert json.loads(put[3]) == {"status": "completed"}
    assert put[2]["Authorization"] == "Basic " + base64.b64encode(b"ck_local:cs_local").decode()
    [note] = requests_to(shops, "/orders/727/notes")
    note_body = json.loads(note[3])
    assert set(note_body) == {"note", "customer_note"} and note_body["customer_note"] is True
    assert "https://shop.example/t/" in note_body["note"] and "20450000555667" in note_body["note"]

    [ship] = requests_to(shops, "/order/301/ship")
    ship_body = json.loads(ship[3])
    assert ship[2]["Authorization"] == "Bearer mag-token"
    assert set(ship_body) == {"notify", "appendComment", "comment", "tracks"}
    assert ship_body["tracks"] == [{"track_number": "20450000555668", "title": "Nova Poshta", "carrier_code": "custom"}]
    assert set(ship_body["comment"]) == {"comment", "is_visible_on_front"}

    [history] = requests_to(shops, "/api/order_histories")
    assert history[2]["Content-Type"] == "application/xml" and history[4]["sendemail"] == "1"
    xml = ElementTree.fromstring(history[3])
    assert xml.tag == "prestashop" and xml.find("order_history/id_order").text == "12"
    assert xml.find("order_history/id_order_state").text == "4"

    rows = db.session.execute(db.select(Notification).filter_by(channel="platform")).scalars().all()
    assert len(rows) == 4 and all(r.state == "sent" for r in rows)
    assert {r.provider_id for r in rows} == {"944956395", "281", "55", "99"}


def test_the_platform_is_not_told_its_own_news_and_a_refusal_is_logged_not_retried(shops, db, make_order, httpserver):
    order = platform_order(db, make_order, "woocommerce", "727", "awaiting_shipment", "20450000555667")
    lifecycle.change_status(order, "shipped", source="import", actor="woocommerce")
    db.session.commit()
    assert not db.session.execute(db.select(Notification).filter_by(channel="platform")).first()

    settings.put("WOOCOMMERCE_STATUS_MAP", "shipped=completed,in_transit=on-hold")
    db.session.commit()
    httpserver.clear()
    httpserver.expect_request("/wp-json/wc/v3/orders/727", method="PUT").respond_with_json(
        {"code": "woocommerce_rest_shop_order_invalid_id", "message": "Invalid ID.", "data": {"status": 400}},
        status=400)
    lifecycle.change_status(order, "in_transit", source="carrier")
    db.session.commit()
    assert dispatch(now=later()).failed == 1
    row = db.session.execute(db.select(Notification).filter_by(channel="platform")).scalar_one()
    assert row.state == "failed" and "HTTP 400" in row.last_error and "Invalid ID" in row.last_error


def test_the_admin_edits_a_mapping_and_a_bad_one_changes_nothing(shops, db, make_user, login, client):
    make_user("admin", email="boss@example.com")
    login("boss@example.com")
    page = client.get("/admin/api-clients/").get_data(as_text=True)
    assert "shipped=completed" in page
    form = {"SHOPIFY_STATUS_MAP": "delivered=delivered", "WOOCOMMERCE_STATUS_MAP": "shipped=<b>x</b>",
            "MAGENTO_STATUS_MAP": "shipped=ship", "PRESTASHOP_STATUS_MAP": "lost=9"}
    refused = client.post("/admin/api-clients/status-sync", data=form)
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "не є статусом WooCommerce" in text and "не є нашим статусом" in text and "<b>x</b>" not in text
    assert '<p class="flash flash-error">Перевірте виділені поля.</p>' in text  # the form is at the page's foot
    assert settings.get("SHOPIFY_STATUS_MAP") in (None, "")
    alone = client.post("/admin/api-clients/status-sync", data={**form, "WOOCOMMERCE_STATUS_MAP": "shipped",
                                                                "PRESTASHOP_STATUS_MAP": "delivered=5"})
    assert "«shipped» не має статусу WooCommerce: запишіть як shipped=completed." in alone.get_data(as_text=True)
    form.update(WOOCOMMERCE_STATUS_MAP="shipped=processing", PRESTASHOP_STATUS_MAP="delivered=5")
    assert client.post("/admin/api-clients/status-sync", data=form).status_code == 302
    from app.integrations.push import mapping

    assert mapping("woocommerce") == {"shipped": "processing"} and mapping("prestashop") == {"delivered": "5"}
