"""PrestaShop: orders by the webservice (``/api/orders``) with a webservice key.

The key is the HTTP Basic user name (no password); ``output_format=JSON`` asks for JSON.
``display=full`` with ``filter[date_upd]=[from,to]``, ``date=1`` (needed to filter on a date),
``sort=[date_upd_ASC]`` and ``limit=offset,count`` reads the changed orders a page at a time; the
answer is ``{"orders": [...]}``, or an empty list ``[]`` when nothing matched. The customer, the
delivery address, its country, the currency and the carrier are resources of their own, each read
once per run. The tracking number is the order's ``shipping_number``. Field names: the
webservice's ``orders``, ``customers``, ``addresses``, ``countries``, ``currencies`` and
``carriers`` resources (PrestaShop 1.7/8 developer documentation).
"""
from app import settings
from app.api.platforms import _account_id, _cod_amount, _full_name, _list, _obj, _text, line_quantity
from app.integrations.http import PlatformError, get_json

NAME = "prestashop"
COD_MODULES = {"ps_cashondelivery", "cashondelivery", "codfee"}
#: PrestaShop's own "Canceled" and "Refunded" order states (PS_OS_CANCELED, PS_OS_REFUND of a new install)
CANCELED_STATE = "6"
REFUNDED_STATE = "7"
FAR_FUTURE = "2999-12-31 23:59:59"


def configured():
    return bool(settings.get("PRESTASHOP_URL", "") and settings.get("PRESTASHOP_KEY", ""))


def _get(resource, params=None):
    base = settings.get("PRESTASHOP_URL", "").rstrip("/")
    return get_json(NAME, f"{base}/api/{resource}", params=dict(params or {}, output_format="JSON"),
                    auth=(settings.get("PRESTASHOP_KEY", ""), ""))


class _Lookups:
    """The linked resources of a run's orders, each read once."""

    def __init__(self):
        self.cache = {}

    def get(self, resource, key, item_id):
        if item_id in (None, "", "0", 0):
            return {}
        cache_key = (resource, str(item_id))
        if cache_key not in self.cache:
            self.cache[cache_key] = _obj(_obj(_get(f"{resource}/{int(item_id)}")).get(key)) \
                if str(item_id).isdigit() else {}
        return self.cache[cache_key]


def orders_since(since, page_size):
    """Yield (order id, date_upd, data for ``map_order``) for orders changed at or after ``since``."""
    lookups, offset = _Lookups(), 0
    while True:
        answer = _get("orders", {"display": "full", "date": "1", "filter[date_upd]": f"[{since},{FAR_FUTURE}]",
                                 "sort": "[date_upd_ASC]", "limit": f"{offset},{page_size}"})
        if answer == []:  # the webservice's "nothing matched"
            return
        if not isinstance(answer, dict) or not isinstance(answer.get("orders"), list):
            raise PlatformError(NAME, "the orders answer has no orders list")
        for order in answer["orders"]:
            order = _obj(order)
            address = lookups.get("addresses", "address", order.get("id_address_delivery"))
            data = {"order": order, "customer": lookups.get("customers", "customer", order.get("id_customer")),
                    "address": address, "country": lookups.get("countries", "country", address.get("id_country")),
                    "currency": lookups.get("currencies", "currency", order.get("id_currency")),
                    "carrier": lookups.get("carriers", "carrier", order.get("id_carrier"))}
            yield order.get("id"), _text(order.get("date_upd"), 32), data
        if len(answer["orders"]) < page_size:
            return
        offset += page_size


def map_order(data):
    order, customer, address = _obj(data.get("order")), _obj(data.get("customer")), _obj(data.get("address"))
    rows = _list(_obj(order.get("associations")).get("order_rows"))
    items = [{"name": _text(_obj(row).get("product_name"), 200) or "",
              "sku": _text(_obj(row).get("product_reference"), 64),
              "quantity": line_quantity(_obj(row).get("product_quantity")),
              "price": str(_obj(row).get("unit_price_tax_incl") or _obj(row).get("product_price") or "0"),
              "size": None, "color": None} for row in rows]
    number = _text(order.get("shipping_number"), 64)
    name = _text(_obj(data.get("carrier")).get("name"), 64)
    return {
        "customer_id": _account_id(order.get("id_customer")),
        "name": _full_name(address.get("firstname"), address.get("lastname"))
        or _full_name(customer.get("firstname"), customer.get("lastname")),
        "email": _text(customer.get("email"), 254),
        "phone": _text(address.get("phone_mobile") or address.get("phone"), 32),
        "items": items,
        "delivery": {"city": _text(address.get("city"), 120), "region": None, "region_code": None,
                     "address": _text(" ".join(filter(None, (_text(address.get("address1"), 200),
                                                             _text(address.get("address2"), 50)))), 255),
                     "postcode": _text(address.get("postcode"), 16),
                     "country": _text(_obj(data.get("country")).get("iso_code"), 2)},
        "currency": _text(_obj(data.get("currency")).get("iso_code"), 3) or "UAH",
        "note": None,
        "cancelled": str(order.get("current_state")) == CANCELED_STATE,
        "refunded": str(order.get("current_state")) == REFUNDED_STATE,
        "tracking": [(name, number)] if number else [],
        "total": _cod_amount(order.get("total_paid")),
        "cod_amount": _cod_amount(order.get("total_paid")) if (_text(order.get("module"), 64) or "") in COD_MODULES
        else None,
    }
