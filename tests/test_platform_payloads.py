"""Shopify and WooCommerce webhooks with bodies shaped as the platforms really send them
(tests/platform_payloads.py names each source): each makes the right order, or is answered with a
clear reason, and none is lost or doubled."""
import base64
import hashlib
import hmac
import json

import pytest
from platform_payloads import (
    WOO_GUEST_CYRILLIC,
)

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
