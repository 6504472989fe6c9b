"""Shopify and WooCommerce webhooks with bodies shaped as the platforms really send them
(tests/platform_payloads.py names each source): each makes the right order, or is answered with a
clear reason, and none is lost or doubled."""
import base64
import copy
import hashlib
import hmac
import json
import re

import pytest
from platform_payloads import (
    SHOPIFY_CANCELLED_UNFULFILLED,
    SHOPIFY_FULFILLMENTS,
    SHOPIFY_GUEST_PICKUP,
    SHOPIFY_REFUNDED_AFTER_FULFILLMENT,
    SHOPIFY_TEST_NOTIFICATION,
    WOO_CHECKOUT_DRAFT,
    WOO_GUEST_CYRILLIC,
    WOO_REFUNDED_AFTER_SHIPPING,
    body,
)

from app.api.models import PlatformOrder
from app.attention.models import DeliveryException
from app.notify.models import Notification
from app.orders.models import Order

SECRETS = {"woocommerce": "woo-secret-of-the-webhook", "shopify": "shpss_secret_of_the_app"}
HEADERS = {"woocommerce": ("X-WC-Webhook-Signature", "X-WC-Webhook-Topic", "X-WC-Webhook-Delivery-ID"),
           "shopify": ("X-Shopify-Hmac-Sha256", "X-Shopify-Topic", "X-Shopify-Webhook-Id")}


@pytest.fixture
def secrets_set(app, db):
    from app import settings

    settings.put("WOOCOMMERCE_WEBHOOK_SECRET", SECRETS["woocommerce"], secret=True)
    settings.put("SHOPIFY_WEBHOOK_SECRET", SECRETS["shopify"], secret=True)
    db.session.commit()


def deliver(client, platform, payload, topic, *, raw=None, delivery="d-1"):
    """POST as the platform does: the raw body signed with HMAC-SHA256, base64 (Shopify's
    X-Shopify-Hmac-Sha256 and WooCommerce's X-WC-Webhook-Signature alike)."""
    data = raw if raw is not None else json.dumps(payload).encode()
    signature = base64.b64encode(hmac.new(SECRETS[platform].encode(), data, hashlib.sha256).digest()).decode()
    sig, topic_header, delivery_header = HEADERS[platform]
    return client.post(f"/api/platforms/{platform}", data=data, content_type="application/json",
                       headers={sig: signature, topic_header: topic, delivery_header: delivery})


def all_orders(db):
    db.session.expire_all()
    return db.session.execute(db.select(Order).order_by(Order.id)).scalars().all()


def test_shopify_test_notification_is_answered_and_comes_in_as_a_sandbox_order(app, client, db, secrets_set,
                                                                                make_user, login):
    response = deliver(client, "shopify", SHOPIFY_TEST_NOTIFICATION, "orders/create")
    assert response.status_code == 201, response.get_data(as_text=True)
    [order] = all_orders(db)
    assert order.is_sandbox and order.customer.is_sandbox  # marked "Sandbox"; nobody is messaged
    assert order.status == "cancelled" and order.currency == "EUR"
    assert order.customer.name == "Steve Shipper" and order.customer.phone is None  # "555-555-SHIP"
    assert [(i.sku, i.quantity, str(i.price)) for i in order.items] == [("SER-08", 1, "23.40"),
                                                                      ("SER-09", 1, "23.40")]
    assert db.session.query(Notification).count() == 0
    login(make_user("staff").email)  # staff see what it is
    rows = dict(re.findall(r'<tr data-order="([^"]+)">(.*?)</tr>', client.get("/admin/orders").get_data(as_text=True),
                           re.S))
    assert "Пісочниця" in rows[order.number]
    client.post("/logout")
    # pressed again: the same order, not a second one
    again = deliver(client, "shopify", body(SHOPIFY_TEST_NOTIFICATION, updated_at="2026-12-07T12:09:00+01:00"),
                    "orders/create", delivery="d-2")
    assert again.status_code == 200 and len(all_orders(db)) == 1
    # the test's fake customer account is not remembered: a real order from that account id is a real customer's
    real = body(SHOPIFY_TEST_NOTIFICATION, id=820982911946154509, test=False, cancelled_at=None)
    assert deliver(client, "shopify", real, "orders/create", delivery="d-3").status_code == 201
    live = all_orders(db)[-1]
    assert not live.is_sandbox and not live.customer.is_sandbox


def test_shopify_guest_pickup_without_customer_or_shipping_address(app, client, db, secrets_set):
    response = deliver(client, "shopify", SHOPIFY_GUEST_PICKUP, "orders/create")
    assert response.status_code == 201, response.get_data(as_text=True)
    [order] = all_orders(db)
    assert order.customer.name == "Ewa Kowalczyk" and order.customer.email == "ewa.kowalczyk@example.com"
    assert order.customer.phone == "+48 601 234 567" and order.customer.language == "pl"
    assert order.delivery_country == "PL" and order.delivery_city == "Łódź"  # the billing address: no shipping one
    # the gift card and the hand-added item (no variant, no SKU) are lines; the line an edit took out is not
    assert [(i.name, i.sku, i.quantity) for i in order.items] == [
        ("Sukienka lniana - M / niebieski", "DR-104-M", 1), ("Karta podarunkowa - 500", None, 1),
        ("Pakowanie na prezent", None, 1)]


def test_shopify_prices_in_the_currency_the_buyer_paid_in(app, client, db, secrets_set):
    cod = body(SHOPIFY_GUEST_PICKUP, payment_gateway_names=["Cash on Delivery (COD)"])
    response = deliver(client, "shopify", cod, "orders/create")
    assert response.status_code == 201, response.get_data(as_text=True)
    [order] = all_orders(db)
    # shop money is UAH, the buyer saw and pays złoty: their receipt's amounts, not the shop's
    assert order.currency == "PLN" and float(order.cod_amount) == 268
    assert [str(i.price) for i in order.items] == ["149.00", "52.00", "67.00"]
    # without presentment amounts on every line, the shop's own currency and prices stay
    lines = [dict(line) for line in SHOPIFY_GUEST_PICKUP["line_items"]]
    del lines[1]["price_set"]
    other = body(SHOPIFY_GUEST_PICKUP, id=5914470990124, line_items=lines)
    assert deliver(client, "shopify", other, "orders/create", delivery="d-2").status_code == 201
    order = all_orders(db)[-1]
    assert order.currency == "UAH" and [str(i.price) for i in order.items] == ["1450.00", "500.00", "650.00"]


def test_shopify_fulfillments_add_each_live_tracking_number_once(app, client, db, secrets_set):
    deliver(client, "shopify", SHOPIFY_GUEST_PICKUP, "orders/create")
    shipped = body(SHOPIFY_GUEST_PICKUP, fulfillment_status="partial", fulfillments=SHOPIFY_FULFILLMENTS,
                   updated_at="2026-12-07T15:05:01+02:00")
    response = deliver(client, "shopify", shipped, "orders/updated", delivery="d-2")
    assert response.status_code == 200 and response.get_json()["result"] == "updated"
    [order] = all_orders(db)
    assert sorted((s.carrier, s.tracking_number) for s in order.shipments) == [
        ("nova_poshta", "20450012345678"), ("nova_poshta", "20450012345679")]  # not the cancelled one
    assert order.status == "shipped"


def test_shopify_updates_out_of_order_never_move_the_order_back(app, client, db, secrets_set):
    shipped = body(SHOPIFY_GUEST_PICKUP, fulfillments=SHOPIFY_FULFILLMENTS[:1], updated_at="2026-12-07T15:05:01+02:00")
    cancelled = body(shipped, cancelled_at="2026-12-07T16:00:00+02:00", updated_at="2026-12-07T16:00:01+02:00")
    # the newest arrives first, then the older ones (Shopify does not promise the order of deliveries)
    assert deliver(client, "shopify", cancelled, "orders/cancelled", delivery="d-3").status_code == 201
    assert deliver(client, "shopify", shipped, "orders/updated", delivery="d-2").status_code == 200
    assert deliver(client, "shopify", SHOPIFY_GUEST_PICKUP, "orders/create", delivery="d-1").status_code == 200
    [order] = all_orders(db)
    assert order.status == "cancelled" and len(order.shipments) == 2
    assert db.session.query(PlatformOrder).count() == 1


def test_woocommerce_guest_with_cyrillic_names_and_empty_fields(app, client, db, secrets_set):
    response = deliver(client, "woocommerce", WOO_GUEST_CYRILLIC, "order.created")
    assert response.status_code == 201, response.get_data(as_text=True)
    [order] = all_orders(db)
    assert order.customer.name == "Ґанна Їжакевич-Щербань" and order.customer.email is None
    assert order.customer.phone == "050 123 45 67"
    assert order.delivery_city == "Житомир" and order.delivery_country == "UA" and order.delivery_address is None
    assert [(i.name, i.sku, i.quantity, str(i.price), i.size) for i in order.items] == [
        ("Светр вовняний", None, 2, "725.00", "XL")]
    assert float(order.cod_amount) == 1450
    # the Shipment Tracking item, kept by PHP as an object keyed "1"
    assert [(s.carrier, s.tracking_number) for s in order.shipments] == [("nova_poshta", "59000012345678")]
    assert order.status == "shipped"


def test_woocommerce_checkout_drafts_are_answered_and_make_no_order(app, client, db, secrets_set):
    for topic in ("order.created", "order.updated"):
        response = deliver(client, "woocommerce", WOO_CHECKOUT_DRAFT, topic, delivery=topic)
        assert response.status_code == 200 and response.get_json()["result"] == "ignored"
    assert all_orders(db) == [] and db.session.query(PlatformOrder).count() == 0
    # the buyer then places it: now it is an order
    placed = body(WOO_CHECKOUT_DRAFT, status="processing", billing=dict(WOO_GUEST_CYRILLIC["billing"]))
    assert deliver(client, "woocommerce", placed, "order.updated", delivery="d-3").status_code == 201
    assert len(all_orders(db)) == 1


def test_a_woocommerce_order_waiting_for_its_payment_is_not_an_order_until_paid(app, client, db, secrets_set):
    """A buyer who chose a card and left at the payment page leaves an order "pending" (WooCommerce:
    "received, but no payment has been made"), or "failed": they were messaged "your order is accepted"."""
    for status, delivery in (("pending", "d-1"), ("failed", "d-2")):
        unpaid = body(WOO_GUEST_CYRILLIC, status=status, payment_method="paypal")
        response = deliver(client, "woocommerce", unpaid, "order.created", delivery=delivery)
        assert response.status_code == 200 and response.get_json()["result"] == "ignored"
    assert all_orders(db) == [] and db.session.query(Notification).count() == 0
    paid = body(WOO_GUEST_CYRILLIC, status="processing", payment_method="paypal")
    assert deliver(client, "woocommerce", paid, "order.updated", delivery="d-3").status_code == 201
    assert len(all_orders(db)) == 1 and db.session.query(Notification).count() >= 1


def test_a_new_pickup_point_set_in_woocommerce_before_shipping_reaches_the_order(app, client, db, secrets_set):
    """A buyer who calls the shop to change the pickup point is changed in WooCommerce: the order here
    kept the first address, shown to the customer and to staff packing the parcel. Once a parcel has
    left, the address it was sent to stays."""
    from app.audit import AuditLog

    billing = dict(WOO_GUEST_CYRILLIC["billing"])
    placed = body(WOO_GUEST_CYRILLIC, meta_data=[], billing=billing)
    assert deliver(client, "woocommerce", placed, "order.created", delivery="d-1").status_code == 201
    order = all_orders(db)[0]
    assert order.delivery_city == "Житомир" and order.status == "new"
    version = order.version
    moved = body(placed, shipping={**WOO_GUEST_CYRILLIC["shipping"], "city": "Бердичів", "country": "UA",
                                   "address_1": "Відділення №3"})
    assert deliver(client, "woocommerce", moved, "order.updated", delivery="d-2").status_code == 200
    db.session.expire_all()
    order = all_orders(db)[0]
    assert (order.delivery_city, order.delivery_address) == ("Бердичів", "Відділення №3")
    assert order.version > version  # a watching customer's page shows it at its next poll
    from app.orders.links import tracking_url

    with app.test_request_context():
        link = tracking_url(order, external=False)
    page = client.get(link).get_data(as_text=True)  # what the customer reads
    assert "Бердичів" in page and "Житомир" not in page
    audit = db.session.query(AuditLog).filter_by(action="order.update", object_id=str(order.id)).one()
    assert audit.actor_label == "woocommerce" and "Бердичів" in audit.after and "Житомир" in audit.before
    # shipped: the parcel's address stays what it was sent to
    shipped = body(moved, meta_data=WOO_GUEST_CYRILLIC["meta_data"])
    assert deliver(client, "woocommerce", shipped, "order.updated", delivery="d-3").status_code == 200
    late = body(shipped, shipping={**moved["shipping"], "city": "Київ"})
    assert deliver(client, "woocommerce", late, "order.updated", delivery="d-4").status_code == 200
    db.session.expire_all()
    order = all_orders(db)[0]
    assert order.status == "shipped" and order.delivery_city == "Бердичів"


@pytest.mark.parametrize("platform", ["woocommerce", "shopify"])
def test_an_older_update_delivered_late_puts_back_nothing(app, client, db, secrets_set, platform):
    """Platforms do not keep webhooks in order (a retry, a slow queue): the buyer's changed address was
    replaced by the older one when the older body arrived last. Each body says when the platform last
    changed the order (WooCommerce's date_modified_gmt, Shopify's updated_at); an older one is ignored."""
    if platform == "woocommerce":
        placed = body(WOO_GUEST_CYRILLIC, meta_data=[], date_modified_gmt="2026-12-07T10:00:00")
        newer = body(placed, date_modified_gmt="2026-12-07T12:00:00",
                     shipping={**WOO_GUEST_CYRILLIC["shipping"], "city": "Бердичів", "country": "UA"})
        older = body(placed, date_modified_gmt="2026-12-07T11:00:00",
                     shipping={**WOO_GUEST_CYRILLIC["shipping"], "city": "Коростень", "country": "UA"})
    else:
        address = SHOPIFY_GUEST_PICKUP.get("shipping_address") or SHOPIFY_GUEST_PICKUP.get("billing_address") or {}
        placed = body(SHOPIFY_GUEST_PICKUP, updated_at="2026-12-07T12:00:00+02:00",
                      shipping_address={**address, "city": "Житомир", "country_code": "UA"})
        newer = body(placed, updated_at="2026-12-07T14:00:00+02:00",
                     shipping_address={**address, "city": "Бердичів", "country_code": "UA"})
        older = body(placed, updated_at="2026-12-07T11:30:00Z",  # 13:30 in Kyiv: before the newer one
                     shipping_address={**address, "city": "Коростень", "country_code": "UA"})
    topic = "order.updated" if platform == "woocommerce" else "orders/updated"
    assert deliver(client, platform, placed, "order.created" if platform == "woocommerce" else "orders/create",
                   delivery="d-1").status_code == 201
    assert deliver(client, platform, newer, topic, delivery="d-2").get_json()["result"] == "updated"
    late = deliver(client, platform, older, topic, delivery="d-3")
    assert late.status_code == 200 and late.get_json()["result"] == "ignored"
    db.session.expire_all()
    assert all_orders(db)[0].delivery_city == "Бердичів"


def test_woocommerce_product_names_arrive_without_html_entities(app, client, db, secrets_set):
    """WordPress keeps product names HTML-escaped: WooCommerce's own example order 727 sends
    "Ship Your Idea &ndash; Color: Black", and the customer read "&ndash;" on their page."""
    line = dict(WOO_GUEST_CYRILLIC["line_items"][0], name="Светр вовняний &ndash; сірий &amp; теплий")
    payload = body(WOO_GUEST_CYRILLIC, meta_data=[], line_items=[line])
    assert deliver(client, "woocommerce", payload, "order.created").status_code == 201
    order = all_orders(db)[0]
    assert order.items[0].name == "Светр вовняний – сірий & теплий"


def test_woocommerce_ping_with_a_charset_is_answered(app, client, db, secrets_set):
    # WC_Webhook::deliver_ping() posts "webhook_id=<id>" (form-encoded, unsigned) when a webhook is saved
    ping = client.post("/api/platforms/woocommerce", data=b"webhook_id=12",
                       content_type="application/x-www-form-urlencoded; charset=UTF-8")
    assert ping.status_code == 200 and ping.get_json()["result"] == "ignored"


def test_a_large_shopify_order_is_taken(app, client, db, secrets_set):
    """An order of many lines, each with Shopify's price sets, tax and discount lines, runs past the
    API's 256 KB: refusing it (413) would have the platform retry and then drop the order."""
    line = SHOPIFY_GUEST_PICKUP["line_items"][0]
    lines = [dict(line, id=line["id"] + n, sku=f"DR-{n}", properties=[{"name": "note", "value": "x" * 2000}])
             for n in range(150)]
    payload = body(SHOPIFY_GUEST_PICKUP, line_items=lines)
    assert len(json.dumps(payload)) > 300 * 1024
    response = deliver(client, "shopify", payload, "orders/create")
    assert response.status_code == 201, response.get_data(as_text=True)[:300]
    assert len(all_orders(db)[0].items) == 150


@pytest.mark.parametrize("raw", [b'{"id": 1, "email": "\xff\xfe"}', b"\xef\xbb\xbf" + json.dumps({"id": 7}).encode(),
                                 b'{"id": 9, "line_items": [{"name": "A", "quantity": 1e999}]}',
                                 b'{"id": 10, "line_items": [{"name": "A", "quantity": "1e999999999"}]}',
                                 b'[' * 100000 + b']' * 100000])
def test_bodies_that_are_not_clean_json_are_refused_with_a_reason(app, client, db, secrets_set, raw):
    response = deliver(client, "shopify", None, "orders/create", raw=raw)
    assert response.status_code in (400, 422), response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json" and response.get_json()["detail"]
    assert all_orders(db) == []


def test_a_lone_surrogate_in_a_name_is_kept_as_a_question_mark(app, client, db, secrets_set):
    """JSON may escape half of a UTF-16 pair alone ("\\ud83d"); no database stores it: the order comes in."""
    payload = body(SHOPIFY_GUEST_PICKUP, line_items=[dict(SHOPIFY_GUEST_PICKUP["line_items"][0], name="Сукня \ud83d")])
    response = deliver(client, "shopify", payload, "orders/create")
    assert response.status_code == 201, response.get_data(as_text=True)
    assert all_orders(db)[0].items[0].name == "Сукня ?"


def test_a_woocommerce_order_to_kosovo_is_taken(app, client, db, secrets_set):
    """WooCommerce's own country list (plugins/woocommerce/i18n/countries.php) has 'XK' => Kosovo,
    a code ISO 3166 leaves to its users and the time-zone table lacks."""
    kosovo = body(WOO_GUEST_CYRILLIC, billing=dict(WOO_GUEST_CYRILLIC["billing"], country="XK", city="Prishtinë",
                                                   phone="+383 44 123 456"))
    response = deliver(client, "woocommerce", kosovo, "order.created")
    assert response.status_code == 201, response.get_data(as_text=True)
    [order] = all_orders(db)
    assert order.delivery_country == "XK" and order.customer.phone == "+383 44 123 456"


def test_a_platform_e_mail_that_is_no_address_is_left_out_and_merges_nobody(app, client, db, secrets_set):
    """Shops type "n/a" or "-" for buyers without an e-mail (orders taken by phone): by that text
    every such buyer became one customer, who saw the others' orders and got their messages."""
    first = body(WOO_GUEST_CYRILLIC, billing=dict(WOO_GUEST_CYRILLIC["billing"], email="n/a"))
    second = body(WOO_GUEST_CYRILLIC, id=5122, billing=dict(WOO_GUEST_CYRILLIC["billing"], email="n/a",
                                                            first_name="Петро", last_name="Лис", phone="0671112233"))
    second["meta_data"] = []
    assert deliver(client, "woocommerce", first, "order.created").status_code == 201
    assert deliver(client, "woocommerce", second, "order.created", delivery="d-2").status_code == 201
    one, two = all_orders(db)
    assert one.customer.email is None and two.customer.email is None and one.customer_id != two.customer_id
    assert two.customer.name == "Петро Лис"


def _paths(data, prefix=()):
    """Every key of a body, of its objects and of its lists' first objects."""
    for key, value in data.items():
        yield prefix + (key,)
        if isinstance(value, dict):
            yield from _paths(value, prefix + (key,))
        if isinstance(value, list) and value and isinstance(value[0], dict):
            yield from _paths(value[0], prefix + (key, 0))


@pytest.mark.parametrize("platform", ["shopify", "woocommerce"])
def test_any_field_of_another_type_is_an_answer_never_a_500(app, client, db, secrets_set, platform):
    """A platform, a plugin or a version sends a field as another JSON type (a list for a text, an
    object for a number): each body is taken or refused with a reason, never a 500 (retried, dropped)."""
    base = body(SHOPIFY_GUEST_PICKUP, fulfillments=SHOPIFY_FULFILLMENTS) if platform == "shopify" else WOO_GUEST_CYRILLIC
    failed = []
    for number, path in enumerate(_paths(base)):
        for value in ([], {"a": [1]}):
            data = copy.deepcopy(base)
            target = data
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
            if path != ("id",):
                data["id"] = 90000 + number
            response = deliver(client, platform, data, "orders/create" if platform == "shopify" else "order.created",
                               delivery=f"{number}-{type(value).__name__}")
            if response.status_code >= 500:
                failed.append((path, value))
    assert failed == []


def test_orders_create_and_orders_updated_of_one_order_at_once_make_one_order(app, db, secrets_set):
    """Shopify sends orders/create and orders/updated (payment captured, tags added) of a new order
    within milliseconds, with different bodies; copies are retried too. At a real server, all at once:
    each is answered 2xx and there is one order, with the fulfillment's parcel."""
    import threading
    import urllib.error
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    from tests.conftest import served

    created = json.dumps(SHOPIFY_GUEST_PICKUP).encode()
    updated = json.dumps(body(SHOPIFY_GUEST_PICKUP, fulfillments=SHOPIFY_FULFILLMENTS[:1],
                              updated_at="2026-12-07T09:12:50+02:00")).encode()
    start = threading.Barrier(4)

    def send(n):
        data, topic = (created, "orders/create") if n % 2 == 0 else (updated, "orders/updated")
        signature = base64.b64encode(hmac.new(SECRETS["shopify"].encode(), data, hashlib.sha256).digest()).decode()
        request = urllib.request.Request(url, data=data, method="POST", headers={
            "Content-Type": "application/json", "X-Shopify-Hmac-Sha256": signature, "X-Shopify-Topic": topic,
            "X-Shopify-Webhook-Id": f"w-{n}"})
        start.wait()
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code

    with served(app) as base, ThreadPoolExecutor(4) as pool:
        url = f"{base}/api/platforms/shopify"
        answers = list(pool.map(send, range(4)))
    assert all(code in (200, 201) for code in answers), answers
    [order] = all_orders(db)
    assert sorted(s.tracking_number for s in order.shipments) == ["20450012345678", "20450012345679"]
    assert db.session.query(PlatformOrder).count() == 1


# ---- cancelled or refunded in the store after the parcel left ---------------------------------------

FLAG = "Скасовано в магазині після відправлення"  # the Attention rule's name, as staff read it (uk)
WHAT_TO_DO = "зупиніть посилку або чекайте її назад"


def attention_row(client, number):
    """The Attention page's row of order ``number`` (its text), or None."""
    page = client.get("/admin/attention/").get_data(as_text=True)
    for row in re.findall(r"<tr data-exception=.*?</tr>", page, re.S):
        if f">{number}</a>" in row:
            return row
    return None


def order_page(client, order):
    return client.get(f"/admin/orders/{order.id}").get_data(as_text=True)


def flags(db):
    db.session.expire_all()
    return db.session.execute(db.select(DeliveryException.order_id, DeliveryException.rule)).all()


def test_a_woocommerce_refund_after_shipping_keeps_the_status_and_flags_the_order(app, client, db, secrets_set,
                                                                               make_user, login):
    """Refunded in WooCommerce two days after the parcel left: the order stayed "shipped" here and nobody
    was told. The parcel is moving, so its status stays; staff find it on the Attention page and the
    order's page, and WooCommerce's delivery log reads what was done."""
    assert deliver(client, "woocommerce", WOO_GUEST_CYRILLIC, "order.created").status_code == 201
    [order] = all_orders(db)
    assert order.status == "shipped"  # its Shipment Tracking number
    messages = db.session.query(Notification).count()

    response = deliver(client, "woocommerce", WOO_REFUNDED_AFTER_SHIPPING, "order.updated", delivery="d-2")
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.get_json()
    assert answer["result"] == "flagged" and answer["order_number"] == order.number
    assert order.number in answer["detail"] and "«Відправлено»" in answer["detail"] and "«Увага»" in answer["detail"]
    [order] = all_orders(db)
    assert order.status == "shipped" and [e.status for e in order.history] == ["new", "shipped"]
    assert db.session.query(Notification).count() == messages  # the customer is told nothing by us

    make_user("staff", email="packer@example.com")
    login("packer@example.com")
    row = attention_row(client, order.number)
    assert row is not None, "the refunded order is not on the Attention page"
    assert FLAG in row and WHAT_TO_DO in row and "Кошти повернуто в WooCommerce." in row
    assert "Повідомити клієнта" not in row  # no message of ours fits: staff call or write
    page = order_page(client, order)
    assert "Потребує уваги" in page and FLAG in page and WHAT_TO_DO in page and "Кошти повернуто в WooCommerce." in page
    # nor can a hand-made request send the customer a message about it
    [flag] = db.session.execute(db.select(DeliveryException)).scalars().all()
    refused = client.post(f"/admin/attention/{flag.id}/notify", follow_redirects=True).get_data(as_text=True)
    assert "немає повідомлення клієнтові" in refused and db.session.query(Notification).count() == messages

    # told again (a retry of the same body, another body saying the same): still one flag
    assert deliver(client, "woocommerce", WOO_REFUNDED_AFTER_SHIPPING, "order.updated",
                   delivery="d-3").get_json()["result"] == "duplicate"
    again = body(WOO_REFUNDED_AFTER_SHIPPING, date_modified_gmt="2026-12-09T09:00:00", customer_note="Повернення")
    assert deliver(client, "woocommerce", again, "order.updated", delivery="d-4").get_json()["result"] == "flagged"
    assert flags(db) == [(order.id, "cancelled_in_store")]


def test_a_shopify_refund_of_a_fulfilled_order_flags_it(app, client, db, secrets_set, make_user, login):
    """Shopify cannot cancel a fulfilled order; the shop refunds it (financial_status "refunded")."""
    assert deliver(client, "shopify", SHOPIFY_GUEST_PICKUP, "orders/create").status_code == 201
    shipped = body(SHOPIFY_GUEST_PICKUP, fulfillments=SHOPIFY_FULFILLMENTS[:1], updated_at="2026-12-07T15:05:01+02:00")
    assert deliver(client, "shopify", shipped, "orders/updated", delivery="d-2").get_json()["result"] == "updated"
    response = deliver(client, "shopify", SHOPIFY_REFUNDED_AFTER_FULFILLMENT, "orders/updated", delivery="d-3")
    assert response.status_code == 200 and response.get_json()["result"] == "flagged"
    [order] = all_orders(db)
    assert order.status == "shipped"
    make_user("staff", email="packer@example.com")
    login("packer@example.com")
    row = attention_row(client, order.number)
    assert row is not None and FLAG in row and "Кошти повернуто в Shopify." in row


def test_a_shopify_cancellation_after_staff_shipped_the_parcel_flags_it(app, client, db, secrets_set, make_user,
                                                                        login):
    """Shipped from this app (the parcel entered on the order page, not in Shopify), then cancelled in
    Shopify (orders/cancelled): the order is not cancelled under a moving parcel, it is flagged."""
    from app.orders import lifecycle
    from app.orders.services import add_shipment
    from tests.conftest import write_transaction

    assert deliver(client, "shopify", SHOPIFY_GUEST_PICKUP, "orders/create").status_code == 201
    [order] = all_orders(db)
    with write_transaction(db):
        add_shipment(order, "nova_poshta", "20450000777001")
        lifecycle.change_status(order, "shipped", source="staff", actor="packer@example.com")
        db.session.commit()
    response = deliver(client, "shopify", SHOPIFY_CANCELLED_UNFULFILLED, "orders/cancelled", delivery="d-2")
    assert response.status_code == 200 and response.get_json()["result"] == "flagged"
    [order] = all_orders(db)
    assert order.status == "shipped"
    make_user("staff", email="packer@example.com")
    login("packer@example.com")
    row = attention_row(client, order.number)
    assert row is not None and FLAG in row and "Скасовано в Shopify." in row
    assert "Скасовано в Shopify." in order_page(client, order)


@pytest.mark.parametrize("status, words", [("cancelled", "Скасовано в WooCommerce."),
                                           ("refunded", "Кошти повернуто в WooCommerce.")])
def test_cancelled_or_refunded_before_shipping_cancels_the_order(app, client, db, secrets_set, status, words):
    placed = body(WOO_GUEST_CYRILLIC, meta_data=[])
    assert deliver(client, "woocommerce", placed, "order.created").status_code == 201
    withdrawn = body(placed, status=status, date_modified_gmt="2026-12-07T10:00:00")
    response = deliver(client, "woocommerce", withdrawn, "order.updated", delivery="d-2")
    assert response.status_code == 200 and response.get_json()["result"] == "updated"
    assert response.get_json()["detail"] is None
    [order] = all_orders(db)
    assert order.status == "cancelled" and order.history[-1].note == words
    assert flags(db) == []


def test_the_flag_stays_through_delivery_leaves_when_the_parcel_is_back_or_the_store_restores_it(
        app, client, db, secrets_set):
    from app.attention import services as attention
    from app.orders import lifecycle
    from tests.conftest import write_transaction

    def listed():
        db.session.expire_all()
        return attention.counts()["cancelled_in_store"]

    # refunded while moving, then delivered anyway: the customer has goods they were refunded, still listed
    assert deliver(client, "woocommerce", WOO_GUEST_CYRILLIC, "order.created").status_code == 201
    deliver(client, "woocommerce", WOO_REFUNDED_AFTER_SHIPPING, "order.updated", delivery="d-2")
    [order] = all_orders(db)
    with write_transaction(db):
        lifecycle.change_status(order, "delivered", source="carrier", actor="nova_poshta")
        db.session.commit()
    assert listed() == 1
    # it comes back: off the list (the "returning" rule takes over)
    with write_transaction(db):
        lifecycle.change_status(all_orders(db)[0], "returned", source="carrier", actor="nova_poshta",
                                note="Повернення відправнику")
        db.session.commit()
    assert listed() == 0

    # refunded after it was delivered: an ordinary return, not a parcel to stop
    second = body(WOO_GUEST_CYRILLIC, id=5140, meta_data=[{"id": 9002, "key": "_wc_shipment_tracking_items", "value": [
        {"tracking_provider": "", "custom_tracking_provider": "Нова Пошта", "tracking_number": "59 0000 1234 9999"}]}])
    assert deliver(client, "woocommerce", second, "order.created", delivery="d-3").status_code == 201
    with write_transaction(db):
        lifecycle.change_status(all_orders(db)[-1], "delivered", source="carrier", actor="nova_poshta")
        db.session.commit()
    refunded = body(second, status="refunded", date_modified_gmt="2026-12-12T09:00:00")
    assert deliver(client, "woocommerce", refunded, "order.updated", delivery="d-4").get_json()["result"] == "updated"
    assert listed() == 0

    # refunded while moving, then put back to "processing" in WooCommerce: off the list at once
    third = body(second, id=5141, meta_data=[{"id": 9003, "key": "_wc_shipment_tracking_items", "value": [
        {"tracking_provider": "", "custom_tracking_provider": "Нова Пошта", "tracking_number": "59 0000 1234 8888"}]}])
    assert deliver(client, "woocommerce", third, "order.created", delivery="d-5").status_code == 201
    cancelled = body(third, status="cancelled", date_modified_gmt="2026-12-08T09:00:00")
    assert deliver(client, "woocommerce", cancelled, "order.updated", delivery="d-6").get_json()["result"] == "flagged"
    assert listed() == 1
    restored = body(third, status="processing", date_modified_gmt="2026-12-08T10:00:00")
    assert deliver(client, "woocommerce", restored, "order.updated", delivery="d-7").get_json()["result"] == "updated"
    assert listed() == 0


@pytest.mark.parametrize("platform", ["woocommerce", "shopify"])
def test_an_order_arriving_with_its_parcels_announces_them_in_its_new_event(app, client, db, secrets_set,
                                                                           platform):
    """The shop's webhook heard "new" with no parcels, then "shipped" with them: a receiver that files
    parcels from "new" (as POST /api/orders' "new" lists them) missed them."""
    from app import settings
    from app.notify.channels.webhook import new_secret
    from app.notify.models import WebhookEndpoint

    db.session.add(WebhookEndpoint(url="https://hooks.example/posylka", secret_encrypted=settings.encrypt(new_secret())))
    db.session.commit()
    if platform == "woocommerce":
        payload, topic = WOO_GUEST_CYRILLIC, "order.created"
        expected = [{"carrier": "nova_poshta", "tracking_number": "59000012345678"}]
    else:
        payload, topic = body(SHOPIFY_GUEST_PICKUP, fulfillments=SHOPIFY_FULFILLMENTS), "orders/create"
        expected = [{"carrier": "nova_poshta", "tracking_number": "20450012345678"},
                    {"carrier": "nova_poshta", "tracking_number": "20450012345679"}]
    assert deliver(client, platform, payload, topic).status_code == 201
    events = [json.loads(p) for p in db.session.execute(
        db.select(Notification.payload).filter_by(channel="webhook").order_by(Notification.id)).scalars()]
    assert [e["data"]["status"] for e in events] == ["new", "shipped"]
    assert [e["data"]["shipments"] for e in events] == [expected, expected]
    assert all_orders(db)[0].status == "shipped"
