"""Order webhooks from shop platforms: WooCommerce and Shopify create or update orders here.

Both sign the raw body with HMAC-SHA256 (base64) using a secret the admin copies from the
platform into the API clients page; the signature is checked in constant time before the body
is parsed. An order is found again by the platform's own order id (``PlatformOrder``), and a body
already processed (``PlatformDelivery``, keyed by the order id and a hash of the body) is answered
200 without doing anything twice. WooCommerce's unsigned ping is answered 200, nothing else unsigned.

A cancellation or a full refund in the store cancels the order here until its parcel is handed to the
carrier. After that the parcel is moving whatever the store says: the order keeps its status, and the
Attention page lists it for staff to stop the parcel or expect it back (answered ``flagged``).
"""
import base64
import hashlib
import hmac
import html
import json
import re
from datetime import datetime, timezone
from decimal import ROUND_CEILING, Decimal, InvalidOperation

from flask import current_app, request
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app import settings
from app.api import schemas as s
from app.api.core import ApiError, resource
from app.api.models import PlatformCustomer, PlatformDelivery, PlatformOrder
from app.attention import services as attention
from app.carriers import detect_carriers, normalize_tracking_number
from app.clock import utcnow
from app.extensions import db
from app.orders import lifecycle, statuses
from app.orders.regions import region_name
from app.orders.services import (
    MAX_QUANTITY,
    OrderInputError,
    add_shipment,
    create_order,
    find_or_create_customer,
    new_parcel,
    parse_cod_amount,
    parse_country,
    parse_email,
    parse_phone,
    update_delivery,
)

PLATFORMS = {
    "woocommerce": {"secret": "WOOCOMMERCE_WEBHOOK_SECRET", "signature": "X-WC-Webhook-Signature",
                    "delivery": "X-WC-Webhook-Delivery-ID", "topic": "X-WC-Webhook-Topic"},
    "shopify": {"secret": "SHOPIFY_WEBHOOK_SECRET", "signature": "X-Shopify-Hmac-Sha256",
                "delivery": "X-Shopify-Webhook-Id", "topic": "X-Shopify-Topic"},
}
HANDLED_TOPICS = {
    "woocommerce": {"order.created", "order.updated", "order.restored"},
    "shopify": {"orders/create", "orders/updated", "orders/cancelled", "orders/fulfilled", "orders/partially_fulfilled"},
}
#: The stores' own names, as staff read them
LABELS = {"woocommerce": "WooCommerce", "shopify": "Shopify", "magento": "Magento", "prestashop": "PrestaShop"}
CARRIER_NAMES = (("nova", "nova_poshta"), ("новапошта", "nova_poshta"), ("ukrpo", "ukrposhta"),
                 ("укрпошта", "ukrposhta"), ("meest", "meest"), ("міст", "meest"), ("dhl", "dhl"),
                 ("inpost", "inpost"), ("sandbox", "sandbox"))


def label(platform):
    return LABELS.get(platform, platform)


def sign(secret, body):
    return base64.b64encode(hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()).decode("ascii")


def verify(platform, body):
    secret = settings.get(PLATFORMS[platform]["secret"]) or ""
    given = request.headers.get(PLATFORMS[platform]["signature"], "")
    if not secret or not given or not hmac.compare_digest(sign(secret, body).encode(), given.strip().encode()):
        raise ApiError(401, _("The webhook signature is not valid."),
                       _("The body must be signed with the secret set on the API clients page."),
                       code="invalid_signature")


# ---- mapping helpers -------------------------------------------------------------------------

def _text(value, length):
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    # JSON may escape a lone surrogate ("\ud800"), which no database can store: it becomes "?"
    text = str(value).replace("\x00", "").encode("utf-8", "replace").decode("utf-8").strip()
    return text[:length] or None


def _moment(value):
    """A platform's ISO 8601 time as naive UTC ("2017-03-22T16:28:08" is UTC, as WooCommerce's *_gmt
    fields are; "2026-12-07T18:00:00+02:00" is converted), or None."""
    try:
        moment = datetime.fromisoformat(_text(value, 40))
    except (TypeError, ValueError):
        return None
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


def _obj(value):
    return value if isinstance(value, dict) else {}


def _list(value):
    return value if isinstance(value, list) else []


def _full_name(*parts):
    return _text(" ".join(p for p in (_text(x, 100) for x in parts) if p), 200)  # customers.name


def _account_id(value):
    """A platform's customer account id, or None for a guest (WooCommerce sends 0)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return None
    value = str(value).strip()[:64]
    return value if value and value != "0" else None


def carrier_for(company, number):
    key = (company or "").lower().replace(" ", "").replace("-", "").replace("_", "")
    for needle, code in CARRIER_NAMES:
        if needle in key:
            return code
    guesses = detect_carriers(number)
    return guesses[0] if guesses else None


def line_quantity(value):
    """A platform line's quantity as a whole number, the one reading for every platform: 2, 2.0 and
    "2.0000" alike (Magento sends decimals, PrestaShop strings); a part of a unit (1.5 m of fabric)
    counts as a whole one. Anything else, 0 or less is 0, and ``ingest`` leaves such a line out
    (Shopify keeps a line an order edit took out, at 0)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return 0
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return 0
    if not (number.is_finite() and number > 0):
        return 0
    # "1e999999999" would be a number of a billion digits: anything over the most a line may hold is
    # refused by the order's own rule (parse_quantity), with its reason
    return int(min(number, Decimal(MAX_QUANTITY + 1)).to_integral_value(rounding=ROUND_CEILING))


def _price(item, quantity):
    value = item.get("price")
    if value in (None, "") and item.get("total") not in (None, ""):
        try:
            value = Decimal(str(item["total"])) / max(quantity, 1)
        except InvalidOperation:
            value = item["total"]
    return "0" if value in (None, "") else str(value)


def _meta(item, *needles):
    for meta in _list(item.get("meta_data")):
        meta = _obj(meta)
        key = str(meta.get("display_key") or meta.get("key") or "").lower()
        if any(n in key for n in needles):
            return _text(meta.get("display_value") or meta.get("value"), 64)
    return None


def _image(line):
    """The line's picture: WooCommerce sends ``image.src``; others send none (a placeholder shows)."""
    src = _text(_obj(line.get("image")).get("src"), 500) or ""
    return src if src.startswith(("https://", "http://")) else None


def _items(lines, platform):
    items = []
    for line in _list(lines):
        line = _obj(line)
        quantity = line_quantity(line.get("quantity", 1))
        name = line.get("name") or line.get("title")
        if platform == "woocommerce" and isinstance(name, str):
            # WordPress keeps product names HTML-escaped ("Сукня &ndash; льон", "Tom &amp; Jerry")
            name = html.unescape(name)
        items.append({"name": _text(name, 200) or "",
                      "sku": _text(line.get("sku"), 64), "quantity": quantity, "price": _price(line, quantity),
                      "size": _meta(line, "size", "розмір", "rozmiar") if platform == "woocommerce" else None,
                      "color": _meta(line, "color", "colour", "колір", "kolor") if platform == "woocommerce" else None,
                      "image_url": _image(line)})
    return items


def woocommerce_order(data):
    billing, shipping = _obj(data.get("billing")), _obj(data.get("shipping"))
    tracking = []
    for meta in _list(data.get("meta_data")):  # the "Shipment Tracking" extension's items
        meta = _obj(meta)
        if meta.get("key") == "_wc_shipment_tracking_items":
            # a PHP array whose first item was deleted is JSON-encoded as an object {"1": {...}}
            value = meta.get("value")
            for entry in _list(value) or list(_obj(value).values()):
                entry = _obj(entry)
                tracking.append((_text(entry.get("tracking_provider") or entry.get("custom_tracking_provider"), 64),
                                 _text(entry.get("tracking_number"), 64)))
    return {
        "customer_id": _account_id(data.get("customer_id")),  # 0: a guest
        "name": _full_name(billing.get("first_name"), billing.get("last_name"))
        or _full_name(shipping.get("first_name"), shipping.get("last_name")),
        "email": _text(billing.get("email"), 254), "phone": _text(billing.get("phone") or shipping.get("phone"), 32),
        "items": _items(data.get("line_items"), "woocommerce"),
        "delivery": {"city": _text(shipping.get("city") or billing.get("city"), 120),
                     "region": _text(shipping.get("state") or billing.get("state"), 120),
                     # a state code ("UA46", "LV"): named in the customer's language on import
                     "region_code": _text(shipping.get("state") or billing.get("state"), 8),
                     "address": _text(" ".join(filter(None, (_text(shipping.get("address_1"), 200),
                                                             _text(shipping.get("address_2"), 50)))), 255),
                     "postcode": _text(shipping.get("postcode"), 16),
                     "country": _text(shipping.get("country") or billing.get("country"), 2)},
        "currency": _text(data.get("currency"), 3) or "UAH",
        "note": _text(data.get("customer_note"), 2000),
        # WooCommerce's built-in "Cash on delivery" gateway has the id "cod"
        "cod_amount": _cod_amount(data.get("total")) if data.get("payment_method") == "cod" else None,
        "total": _cod_amount(data.get("total")),
        "cancelled": data.get("status") == "cancelled",
        # WooCommerce puts a fully refunded order in "refunded" by itself (a partial refund changes no status)
        "refunded": data.get("status") == "refunded",
        "tracking": tracking,
        "not_placed": _text(data.get("status"), 40) in WOOCOMMERCE_NOT_PLACED,
        "modified_at": _moment(data.get("date_modified_gmt")),
    }


#: Delivered as order.created/order.updated too, but not an order the shop will send (yet), and often
#: never one (WooCommerce's OrderStatus enum): the block checkout's cart ("checkout-draft"), an order
#: staff have only begun ("auto-draft", "draft", the legacy "new"), and one whose payment was never
#: made ("pending": "received, but no payment has been made") or failed ("failed"). A buyer who left
#: at the payment page was told "your order is accepted"; the order arrives when it is paid
#: ("processing") or awaits a bank transfer ("on-hold").
WOOCOMMERCE_NOT_PLACED = {"checkout-draft", "auto-draft", "draft", "new", "pending", "failed"}


def shopify_order(data):
    # an order picked up or not shipped has no shipping address: the billing one says where the buyer is
    customer, billing = _obj(data.get("customer")), _obj(data.get("billing_address"))
    shipping = _obj(data.get("shipping_address")) or billing
    tracking = []
    for fulfillment in _list(data.get("fulfillments")):
        fulfillment = _obj(fulfillment)
        if fulfillment.get("status") in ("cancelled", "error", "failure"):
            continue  # its numbers were never, or are no longer, a parcel of this order
        numbers = _list(fulfillment.get("tracking_numbers")) or [fulfillment.get("tracking_number")]
        for number in numbers:
            tracking.append((_text(fulfillment.get("tracking_company"), 64), _text(number, 64)))
    items, currency, total = _items(data.get("line_items"), "shopify"), _text(data.get("currency"), 3) or "UAH", \
        data.get("total_price")
    buyers = _text(data.get("presentment_currency"), 3)
    prices = [_presentment(_obj(line).get("price_set"), buyers) for line in _list(data.get("line_items"))]
    if buyers and buyers != currency and None not in prices:
        # the buyer paid in another currency than the shop's: the amounts they saw, as their receipt shows
        for item, price in zip(items, prices):
            item["price"] = price
        currency, total = buyers, _presentment(data.get("total_price_set"), buyers)
    return {
        # a test order (the admin's "Send test notification", a Bogus gateway order) comes in as a
        # sandbox order: marked so, messaging nobody, and its fake customer account not remembered
        "test": data.get("test") is True,
        "customer_id": _account_id(customer.get("id")),
        "name": _text(shipping.get("name"), 200) or _full_name(shipping.get("first_name"), shipping.get("last_name"))
        or _full_name(customer.get("first_name"), customer.get("last_name")) or _text(billing.get("name"), 200),
        "email": _text(data.get("email") or data.get("contact_email") or customer.get("email"), 254),
        "phone": _text(data.get("phone") or shipping.get("phone") or customer.get("phone"), 32),
        "items": items,
        "language": _text(data.get("customer_locale"), 2),
        "delivery": {"city": _text(shipping.get("city"), 120), "region": _text(shipping.get("province"), 120),
                     "region_code": _text(shipping.get("province_code"), 8),
                     "address": _text(" ".join(filter(None, (_text(shipping.get("address1"), 200),
                                                             _text(shipping.get("address2"), 50)))), 255),
                     "postcode": _text(shipping.get("zip"), 16), "country": _text(shipping.get("country_code"), 2)},
        "currency": currency,
        "note": _text(data.get("note"), 2000),
        # Shopify's manual payment method is named "Cash on Delivery (COD)" in payment_gateway_names
        "cod_amount": _cod_amount(total)
        if SHOPIFY_COD in [_text(name, 100) for name in _list(data.get("payment_gateway_names"))]
        + [_text(data.get("gateway"), 100)] else None,
        "total": _cod_amount(total),
        "cancelled": bool(data.get("cancelled_at")),
        # "refunded": the full amount paid went back to the buyer ("partially_refunded" is not a withdrawal)
        "refunded": data.get("financial_status") == "refunded",
        "tracking": tracking,
        "modified_at": _moment(data.get("updated_at")),
    }


SHOPIFY_COD = "Cash on Delivery (COD)"


def _presentment(amounts, currency):
    """The amount of a Shopify money set (``price_set``: shop_money, presentment_money) in the
    buyer's ``currency``, or None."""
    money = _obj(_obj(amounts).get("presentment_money"))
    amount = money.get("amount")
    return str(amount) if currency and money.get("currency_code") == currency and amount not in (None, "") else None


def _cod_amount(total):
    """A platform's own total of the order (with its delivery charge): its cash-on-delivery amount, and what
    that amount is checked against (``create_order``'s ``total``); None if unreadable."""
    try:
        return parse_cod_amount(total)
    except OrderInputError:
        return None


MAPPERS = {"woocommerce": woocommerce_order, "shopify": shopify_order}


# ---- ingestion -------------------------------------------------------------------------------

def _parcels(tracking, known, *, sandbox):
    """The parcels (carrier, number) of a platform's tracking numbers that ``known`` (the order's own)
    does not hold yet. A number no carrier's format fits, one another order already uses, or a real
    carrier's on a test order is left out: the order still comes in, and staff may add it by hand."""
    known, parcels = set(known), []
    for company, raw in tracking:
        number = normalize_tracking_number(raw)
        carrier = carrier_for(company, number) if number else None
        if not carrier or (carrier, number) in known:
            continue
        try:
            parcel = new_parcel(carrier, number, sandbox=sandbox)
        except OrderInputError:
            continue
        known.add(parcel)
        parcels.append(parcel)
    return parcels


def withdrawal(mapped):
    """What the store did to the order, as a platform's mapped order says: "cancelled", "refunded" or None."""
    return "cancelled" if mapped["cancelled"] else "refunded" if mapped.get("refunded") else None


def _withdrawal_words(platform, withdrawn):
    if withdrawn == "refunded":
        return _("Refunded in %(platform)s.", platform=label(platform))
    return _("Cancelled in %(platform)s.", platform=label(platform))


def withdrawal_note(order):
    """"Refunded in Shopify." for an order its store cancelled or refunded; None otherwise."""
    link = db.session.execute(db.select(PlatformOrder).filter_by(order_id=order.id)).scalar_one_or_none()
    return _withdrawal_words(link.platform, link.withdrawn) if link is not None and link.withdrawn else None


def _remember_withdrawal(link, withdrawn):
    """Keep what the store did on the order's link; whether that changed."""
    if link.withdrawn == withdrawn:
        return False
    if link.withdrawn is None:
        link.withdrawn_at = utcnow()  # cancelled, then refunded too: withdrawn since the first
    link.withdrawn = withdrawn
    if withdrawn is None:
        link.withdrawn_at = None  # put back in the store (WooCommerce: "Processing" again)
    return True


def platform_customer(platform, mapped):
    """The platform account's customer if it ordered before, else matched by e-mail (see
    ``find_or_create_customer``); the account is remembered for its next orders."""
    sandbox = bool(mapped.get("test"))
    account = None if sandbox else mapped["customer_id"]
    if account:
        known = db.session.execute(db.select(PlatformCustomer).filter_by(platform=platform, external_id=account)
                                   ).scalar_one_or_none()
        if known is not None:
            return known.customer
    language = (mapped.get("language") or "").lower()
    country = mapped["delivery"]["country"]
    customer = find_or_create_customer(name=mapped["name"] or _("Customer"), email=_usable_email(mapped["email"]),
                                       phone=_usable_phone(mapped["phone"], country), country=country,
                                       language=language if language in current_app.config["LANGUAGES"] else None,
                                       sandbox=sandbox)
    if account:
        db.session.add(PlatformCustomer(platform=platform, external_id=account, customer=customer))
    return customer


def _usable_phone(phone, country):
    """The order's phone if it is a number an SMS could reach, else None. A platform takes phones as
    buyers type them, and a real order is never refused for one: a webhook answered 422 is retried
    and then dropped by the platform, and a pulled order would be skipped. It comes in without the
    phone instead (the buyer is still told by e-mail or in the app)."""
    try:
        return parse_phone(phone, parse_country(country))
    except OrderInputError:
        return None


def _usable_email(email):
    """The order's e-mail if it is an address, else None, for the reason ``_usable_phone`` gives: an
    address typed as "n/a" or "-" would otherwise file every such buyer under one customer."""
    try:
        return parse_email(email)
    except OrderInputError:
        return None


def order_id_of(data):
    external_id = data.get("id")
    if isinstance(external_id, bool) or not isinstance(external_id, (int, str)) or not str(external_id).strip():
        raise ApiError(422, _("The request has invalid fields."), _("The platform's order has no id."),
                       errors=[{"field": "id", "detail": str(_("This field is required."))}])
    return str(external_id).strip()[:64]


#: An order whose delivery details a platform's update still changes (the buyer asked the shop for
#: another pickup point): nothing has been handed to a carrier yet
UNSHIPPED = (statuses.NEW, statuses.AWAITING_SHIPMENT)


def _delivery(mapped, language):
    """The order's delivery details from a platform's mapped order, the region named in ``language``."""
    delivery = dict(mapped["delivery"])
    delivery["region"] = region_name(delivery["country"], delivery.pop("region_code"), language) or delivery["region"]
    return delivery


def ingest(platform, mapped, external_id):
    """Create or update the order for a platform's order, mapped to the shape of ``MAPPERS``' answers;
    return (result, order). The result is "created", "updated", "ignored" (an older body) or "flagged":
    the store withdrew an order whose parcel is with the carrier, listed on the Attention page."""
    link = db.session.execute(db.select(PlatformOrder).filter_by(platform=platform, external_id=external_id)
                              ).scalar_one_or_none()
    withdrawn = withdrawal(mapped)
    try:
        if link is None:
            customer = platform_customer(platform, mapped)
            delivery = _delivery(mapped, customer.language)
            items = [item for item in mapped["items"] if item["quantity"] > 0]
            # created with its parcels, as the API's orders are: its "new" event (webhooks) lists them
            parcels = _parcels(mapped["tracking"], (), sandbox=bool(mapped.get("test")))
            order = create_order(customer, items, delivery=delivery, source="import",
                                 actor=platform, currency=mapped["currency"].upper(), note=mapped["note"],
                                 cod_amount=mapped["cod_amount"], total=mapped.get("total"),
                                 sandbox=bool(mapped.get("test")),
                                 shipments=[{"carrier": carrier, "tracking_number": number}
                                            for carrier, number in parcels])
            link = PlatformOrder(platform=platform, external_id=external_id, order=order,
                                 modified_at=mapped.get("modified_at"))
            db.session.add(link)
            result = "created"
        else:
            order, result = link.order, "updated"
            modified = mapped.get("modified_at")
            if modified is not None and link.modified_at is not None and modified < link.modified_at:
                # an older body delivered after a newer one (a retry, a slow queue): it would put back an
                # address the buyer has changed, or a cancelled order's old state
                return "ignored", order
            link.modified_at = modified or link.modified_at
            # until the parcel leaves, the platform's address is the one to send to (a body naming no
            # place at all is not taken as "no address")
            if order.status in UNSHIPPED and any(mapped["delivery"].get(key) for key in ("city", "address", "postcode")):
                update_delivery(order, _delivery(mapped, order.customer.language), actor_label=platform)
        # cancelled first: an order that comes in cancelled and fulfilled at once (deliveries out of
        # order) ends cancelled, its numbers kept, rather than shipped
        if withdrawn and statuses.CANCELLED in statuses.allowed_next(order.status):
            lifecycle.change_status(order, statuses.CANCELLED, source="import", actor=platform,
                                    note=_withdrawal_words(platform, withdrawn))
        if result != "created":
            parcels = _parcels(mapped["tracking"], {(x.carrier, x.tracking_number) for x in order.shipments},
                               sandbox=order.is_sandbox)
            for carrier, number in parcels:
                add_shipment(order, carrier, number)
        if parcels and order.status in UNSHIPPED:
            lifecycle.change_status(order, statuses.SHIPPED, source="import", actor=platform)
        if _remember_withdrawal(link, withdrawn):
            attention.scan(orders=[order.id])  # listed for staff now, not at the next scheduled scan
        if withdrawn and attention.holds(order, attention.CANCELLED_IN_STORE):
            result = "flagged"  # the parcel is with the carrier: the order keeps its status
    except OrderInputError as error:
        raise ApiError(422, _("The request has invalid fields."), str(error),
                       errors=[{"field": error.field.replace("items", "line_items"), "detail": str(error)}])
    return result, order


PING = re.compile(rb"webhook_id=[0-9]{1,20}")


def content_key(external_id, body):
    """What identifies a delivery's content: the order id and a hash of the body (a replay of the
    same body is the same key; another order, or the same order changed, is another)."""
    return f"{external_id}:{hashlib.sha256(body).hexdigest()[:32]}"


def receive(platform):
    body = request.get_data(cache=True)
    if platform == "woocommerce" and PING.fullmatch(body):
        # WooCommerce's ping when a webhook is saved: an unsigned form body, and it refuses to
        # save the webhook unless the answer is 200. It carries nothing and nothing is done.
        return s.WebhookResult(result="ignored")
    verify(platform, body)
    topic = (request.headers.get(PLATFORMS[platform]["topic"]) or "").strip()
    if topic and topic not in HANDLED_TOPICS[platform]:
        return s.WebhookResult(result="ignored")  # e.g. order.deleted: the order's history stays here
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
        raise ApiError(400, _("The body is not valid JSON."), _("Send one JSON object encoded in UTF-8."),
                       code="invalid_json")
    if not isinstance(data, dict):
        raise ApiError(400, _("The body is not a JSON object."), _("Send one JSON object encoded in UTF-8."),
                       code="invalid_json")
    external_id = order_id_of(data)
    mapped = MAPPERS[platform](data)
    if mapped.get("not_placed"):
        return s.WebhookResult(result="ignored")
    key = content_key(external_id, body)
    delivery_id = _text(request.headers.get(PLATFORMS[platform]["delivery"]), 100)
    for attempt in range(3):
        if db.session.execute(db.select(PlatformDelivery.id).filter_by(platform=platform, content_key=key)).first():
            return s.WebhookResult(result="duplicate")
        try:
            # The key is written first: a concurrent delivery of the same body waits on it
            # (PostgreSQL) and is then answered "duplicate" below.
            delivery = PlatformDelivery(platform=platform, content_key=key, delivery_id=delivery_id)
            db.session.add(delivery)
            db.session.flush()
            result, order = ingest(platform, mapped, external_id)
            db.session.flush()
            delivery.order_id = order.id
            db.session.commit()
        except IntegrityError:
            # Another worker stored this body, or created this order or its customer, at this
            # moment: look again (the body is then a duplicate, or the order is found and updated).
            # Twice: a copy of this body may have waited on our key and stored it as we rolled back
            # after losing the order to another body of the same order (orders/create and
            # orders/updated at once, each delivered twice).
            db.session.rollback()
            if attempt == 2:
                raise
            continue
        detail = _("Order %(number)s was cancelled or refunded in the store after its parcel was handed to the "
                   "carrier: its status stays “%(status)s”, and staff see it on the Attention page.",
                   number=order.number, status=order.status_label) if result == "flagged" else None
        return s.WebhookResult(result=result, order_id=order.id, order_number=order.number, detail=detail)


def _answer(result):
    from app.api.views import answer

    return answer(result, 201 if result.result == "created" else 200)


@resource("/platforms/woocommerce", "POST", public=True, tag="platforms", response=s.WebhookResult,
          errors=(400, 401, 413, 422), headers=("X-WC-Webhook-Signature",), raw_body=True,
          summary="WooCommerce order webhook (order.created, order.updated)",
          description="Set the delivery URL of a WooCommerce webhook to this address and its secret to the one "
                      "on the API clients page. Answers 201 for a new order, 200 for an update, a replay or a "
                      "body older than the newest applied (its date_modified_gmt); 200 flagged for an order "
                      "cancelled or refunded after its parcel was handed to the carrier (its status stays, "
                      "staff see it on the Attention page).")
def woocommerce_webhook():
    return _answer(receive("woocommerce"))


@resource("/platforms/shopify", "POST", public=True, tag="platforms", response=s.WebhookResult,
          errors=(400, 401, 413, 422), headers=("X-Shopify-Hmac-Sha256",), raw_body=True,
          summary="Shopify order webhook (orders/create, orders/updated)",
          description="Subscribe orders/create and orders/updated with this address; the app's client secret "
                      "goes on the API clients page. A replay of the same body, or a body older than the "
                      "newest applied (its updated_at), changes nothing. An order cancelled or refunded after its "
                      "parcel was handed to the carrier keeps its status and is answered 200 flagged (staff see "
                      "it on the Attention page).")
def shopify_webhook():
    return _answer(receive("shopify"))
