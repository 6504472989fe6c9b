"""Statuses flowing back to the shop's platform, through the outbox (retried, logged, replayable).

A status change of an order that came from Shopify, WooCommerce, Magento or PrestaShop queues one
``platform`` outbox row when that platform is connected for writing and the admin's mapping names
a platform status for ours (``<PLATFORM>_STATUS_MAP``, e.g. ``shipped=completed,cancelled=cancelled``).
A change the platform itself caused (an import from it) is not sent back.

What each platform hears, per its REST reference:

* Shopify: a fulfillment event, ``POST /admin/api/2024-10/orders/{id}/fulfillments/{fid}/events.json``
  with ``{"event": {"status": "in_transit", "message": ...}}`` on the order's latest fulfillment.
* WooCommerce: ``PUT /wp-json/wc/v3/orders/{id}`` with ``{"status": ...}``, then a customer note
  with the tracking link, ``POST /wp-json/wc/v3/orders/{id}/notes`` ``{"note", "customer_note": true}``.
* Magento: "ship" creates a shipment with the track and a comment (``POST /rest/V1/order/{id}/ship``);
  another status adds a status-history comment (``POST /rest/V1/orders/{id}/comments``).
* PrestaShop: an order history row (``POST /api/order_histories``, XML as the webservice takes it)
  with the mapped ``id_order_state``.
"""
import json
import re
from xml.sax.saxutils import escape

from flask_babel import force_locale
from flask_babel import gettext as _

from app import settings
from app.i18n import default_language
from app.integrations.http import PlatformError, send
from app.orders import statuses
from app.text import comma_list

SHOPIFY_API = "2024-10"
#: The platform statuses each platform accepts (WooCommerce and Magento shops may add their own codes)
SHOPIFY_EVENTS = ("label_printed", "label_purchased", "attempted_delivery", "ready_for_pickup", "picked_up",
                  "confirmed", "in_transit", "out_for_delivery", "delivered", "failure", "carrier_picked_up",
                  "delayed")
VALUE_FORMS = {"shopify": re.compile(f"^({'|'.join(SHOPIFY_EVENTS)})$"), "woocommerce": re.compile(r"^[a-z0-9_-]{1,40}$"),
               "magento": re.compile(r"^[a-z0-9_]{1,40}$"), "prestashop": re.compile(r"^[0-9]{1,6}$")}
DEFAULT_MAPS = {
    "shopify": "shipped=confirmed,in_transit=in_transit,delivered=delivered,returned=failure",
    "woocommerce": "shipped=completed,cancelled=cancelled,returned=refunded",
    "magento": "shipped=ship,delivered=complete,cancelled=canceled",
    "prestashop": "shipped=4,delivered=5,cancelled=6",
}
LABELS = {"shopify": "Shopify", "woocommerce": "WooCommerce", "magento": "Magento", "prestashop": "PrestaShop"}


class MappingInvalid(ValueError):
    pass


def parse_map(platform, text):
    """{our status: platform status}; MappingInvalid (translated) for anything else."""
    mapping = {}
    for part in comma_list((text or "").replace("\n", ",")):
        ours, _sep, theirs = (x.strip() for x in part.partition("="))
        if ours not in statuses.ALL:
            raise MappingInvalid(_("“%(status)s” is not one of our statuses.", status=ours[:40]))
        if not theirs:  # "shipped" alone was named an empty "“” is not a WooCommerce status"
            raise MappingInvalid(_("“%(part)s” has no %(platform)s status: write it as %(example)s.", part=part[:40],
                                   platform=LABELS[platform], example=DEFAULT_MAPS[platform].split(",")[0]))
        if not VALUE_FORMS[platform].match(theirs):
            raise MappingInvalid(_("“%(value)s” is not a %(platform)s status.", value=theirs[:40],
                                   platform=LABELS[platform]))
        mapping[ours] = theirs
    return mapping


def mapping(platform):
    text = settings.get(f"{platform.upper()}_STATUS_MAP", "") or DEFAULT_MAPS[platform]
    try:
        return parse_map(platform, text)
    except MappingInvalid:
        return parse_map(platform, DEFAULT_MAPS[platform])


def connected(platform):
    """Whether the app may write to the platform (its address and credentials are set)."""
    needed = {"shopify": ("SHOPIFY_SHOP_URL", "SHOPIFY_ACCESS_TOKEN"),
              "woocommerce": ("WOOCOMMERCE_URL", "WOOCOMMERCE_KEY", "WOOCOMMERCE_SECRET"),
              "magento": ("MAGENTO_URL", "MAGENTO_TOKEN"), "prestashop": ("PRESTASHOP_URL", "PRESTASHOP_KEY")}
    return all(settings.get(key, "") for key in needed.get(platform, ("-",)))


def payload(platform, external_id, order, status):
    """What the outbox row keeps: enough to send it again later, even if the order moved on."""
    shipment = order.shipments[-1] if order.shipments else None
    return json.dumps({"platform": platform, "external_id": external_id, "status": status,
                       "platform_status": mapping(platform).get(status),
                       "tracking_number": shipment.tracking_number if shipment else None,
                       "carrier": shipment.carrier if shipment else None}, sort_keys=True)


def comment(data, link):
    """The note the shop's platform shows (in the shop's language)."""
    from app.carriers import carrier_name

    with force_locale(default_language()):
        text = _("Order status: %(status)s.", status=statuses.label(data["status"]))
        if data.get("tracking_number"):
            text += " " + _("%(carrier)s, tracking number %(number)s.",
                            carrier=carrier_name(data.get("carrier")) or "", number=data["tracking_number"])
        if link:
            text += " " + _("Track the order: %(link)s", link=link)
    return text


# ---- one function per platform ---------------------------------------------------------------

def _base(key):
    return settings.get(key, "").rstrip("/")


def shopify(data, link):
    base = f"{_base('SHOPIFY_SHOP_URL')}/admin/api/{SHOPIFY_API}/orders/{int(data['external_id'])}"
    headers = {"X-Shopify-Access-Token": settings.get("SHOPIFY_ACCESS_TOKEN", "")}
    found = send("shopify", "GET", f"{base}/fulfillments.json", headers=headers) or {}
    fulfillments = [f for f in found.get("fulfillments") or [] if isinstance(f, dict) and f.get("id")] \
        if isinstance(found, dict) else []
    if not fulfillments:
        error = PlatformError("shopify", "the order has no fulfillment to add an event to")
        error.retry = False
        raise error
    chosen = next((f for f in fulfillments if data.get("tracking_number") in (f.get("tracking_numbers") or [])),
                  fulfillments[-1])
    body = {"event": {"status": data["platform_status"], "message": comment(data, link)}}
    answer = send("shopify", "POST", f"{base}/fulfillments/{int(chosen['id'])}/events.json", json=body,
                  headers=headers) or {}
    return str((answer.get("fulfillment_event") or {}).get("id") or "") if isinstance(answer, dict) else ""


def woocommerce(data, link):
    base = f"{_base('WOOCOMMERCE_URL')}/wp-json/wc/v3/orders/{int(data['external_id'])}"
    auth = (settings.get("WOOCOMMERCE_KEY", ""), settings.get("WOOCOMMERCE_SECRET", ""))
    send("woocommerce", "PUT", base, json={"status": data["platform_status"]}, auth=auth)
    note = send("woocommerce", "POST", f"{base}/notes", json={"note": comment(data, link), "customer_note": True},
                auth=auth) or {}
    return str(note.get("id") or "") if isinstance(note, dict) else ""


def magento(data, link):
    base = f"{_base('MAGENTO_URL')}/rest/V1"
    order_id = int(data["external_id"])
    headers = {"Authorization": f"Bearer {settings.get('MAGENTO_TOKEN', '')}"}
    text = comment(data, link)
    if data["platform_status"] == "ship":
        from app.carriers import carrier_name

        tracks = [{"track_number": data["tracking_number"], "title": carrier_name(data.get("carrier")) or "",
                   "carrier_code": "custom"}] if data.get("tracking_number") else []
        answer = send("magento", "POST", f"{base}/order/{order_id}/ship", headers=headers, json={
            "notify": True, "appendComment": True, "comment": {"comment": text, "is_visible_on_front": 1},
            "tracks": tracks})
        return str(answer or "")
    send("magento", "POST", f"{base}/orders/{order_id}/comments", headers=headers, json={"statusHistory": {
        "comment": text, "is_customer_notified": 1, "is_visible_on_front": 1, "parent_id": order_id,
        "status": data["platform_status"]}})
    return ""


def prestashop(data, link):
    body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<prestashop><order_history>"
            f"<id_order>{int(data['external_id'])}</id_order>"
            f"<id_order_state>{escape(str(int(data['platform_status'])))}</id_order_state>"
            "</order_history></prestashop>")
    answer = send("prestashop", "POST", f"{_base('PRESTASHOP_URL')}/api/order_histories?sendemail=1&output_format=JSON",
                  data=body.encode("utf-8"), headers={"Content-Type": "application/xml"},
                  auth=(settings.get("PRESTASHOP_KEY", ""), "")) or {}
    return str((answer.get("order_history") or {}).get("id") or "") if isinstance(answer, dict) else ""


PUSHERS = {"shopify": shopify, "woocommerce": woocommerce, "magento": magento, "prestashop": prestashop}
