"""Magento 2 (Adobe Commerce): orders by the REST API with an integration's access token.

``GET {MAGENTO_URL}/rest/V1/orders?searchCriteria[...]`` (``Authorization: Bearer <token>``)
answers ``{"items": [...], "search_criteria": {...}, "total_count": N}``; we filter on
``updated_at >= the last run's newest`` and sort by it, page by page. A page past the last one
answers the last page again (Magento's quirk), so paging stops at ``total_count``. An order carries
no tracking numbers: they are read from its shipments (``GET /rest/V1/shipments``, ``tracks[]``).
Field names: the ``sales-data-order-interface`` and ``sales-data-shipment-interface`` schemas of
Magento's REST reference.
"""
from app import settings
from app.api.platforms import _account_id, _cod_amount, _full_name, _list, _obj, _text, line_quantity
from app.integrations.http import PlatformError, get_json

NAME = "magento"
#: Payment methods meaning cash on delivery (Magento's own, and the usual Ukrainian extensions)
COD_METHODS = {"cashondelivery", "novaposhta_cod", "cod"}


def configured():
    return bool(settings.get("MAGENTO_URL", "") and settings.get("MAGENTO_TOKEN", ""))


def _get(path, params=None):
    base = settings.get("MAGENTO_URL", "").rstrip("/")
    return get_json(NAME, f"{base}/rest/V1/{path}", params=params,
                    headers={"Authorization": f"Bearer {settings.get('MAGENTO_TOKEN', '')}"})


def _search(field, value, condition, page, size, sort=None):
    params = {"searchCriteria[filter_groups][0][filters][0][field]": field,
              "searchCriteria[filter_groups][0][filters][0][value]": value,
              "searchCriteria[filter_groups][0][filters][0][condition_type]": condition,
              "searchCriteria[pageSize]": size, "searchCriteria[currentPage]": page}
    if sort:
        params.update({"searchCriteria[sortOrders][0][field]": sort,
                       "searchCriteria[sortOrders][0][direction]": "ASC"})
    return params


def orders_since(since, page_size):
    """Yield (order id, updated_at, data for ``map_order``) for orders updated at or after ``since``."""
    page = 1
    while True:
        answer = _get("orders", _search("updated_at", since, "gteq", page, page_size, sort="updated_at"))
        if not isinstance(answer, dict) or not isinstance(answer.get("items"), list):
            raise PlatformError(NAME, "the orders answer has no items list")
        total = answer.get("total_count") if isinstance(answer.get("total_count"), int) else 0
        for order in answer["items"]:
            order = _obj(order)
            yield order.get("entity_id"), _text(order.get("updated_at"), 32), {"order": order,
                                                                                "tracks": _tracks(order)}
        if page * page_size >= total or not answer["items"]:
            return
        page += 1


def _tracks(order):
    if not isinstance(order.get("entity_id"), int):
        return []
    answer = _obj(_get("shipments", _search("order_id", order["entity_id"], "eq", 1, 50)))
    return [_obj(track) for shipment in _list(answer.get("items")) for track in _list(_obj(shipment).get("tracks"))]


def map_order(data):
    """The platform-neutral order (``app.api.platforms`` shape) of one Magento order and its tracks."""
    order, tracks = _obj(data.get("order")), _list(data.get("tracks"))
    billing = _obj(order.get("billing_address"))
    assignments = _list(_obj(order.get("extension_attributes")).get("shipping_assignments"))
    shipping = _obj(_obj(_obj(assignments[0] if assignments else {}).get("shipping")).get("address")) or billing
    items = []
    for line in _list(order.get("items")):
        line = _obj(line)
        if line.get("parent_item_id"):
            continue  # the simple product under a configurable one: its parent is the line
        quantity = line_quantity(line.get("qty_ordered"))
        items.append({"name": _text(line.get("name"), 200) or "", "sku": _text(line.get("sku"), 64),
                      "quantity": quantity, "price": str(line.get("price") if line.get("price") is not None else 0),
                      "size": None, "color": None})
    method = _text(_obj(order.get("payment")).get("method"), 64) or ""
    street = " ".join(s for s in (_text(x, 200) for x in _list(shipping.get("street"))) if s)
    return {
        "customer_id": None if order.get("customer_is_guest") else _account_id(order.get("customer_id")),
        "name": _full_name(shipping.get("firstname"), shipping.get("lastname"))
        or _full_name(order.get("customer_firstname"), order.get("customer_lastname")),
        "email": _text(order.get("customer_email") or shipping.get("email"), 254),
        "phone": _text(shipping.get("telephone") or billing.get("telephone"), 32),
        "items": items,
        "delivery": {"city": _text(shipping.get("city"), 120), "region": _text(shipping.get("region"), 120),
                     "region_code": _text(shipping.get("region_code"), 8),
                     "address": _text(street, 255), "postcode": _text(shipping.get("postcode"), 16),
                     "country": _text(shipping.get("country_id"), 2)},
        "currency": _text(order.get("order_currency_code"), 3) or "UAH",
        "note": _text(order.get("customer_note"), 2000),
        "cancelled": order.get("state") == "canceled",
        # "closed": nothing is left to refund (Magento\Sales\Model\ResourceModel\Order\Handler\State sets it
        # once credit memos cover the order); a shipped order cannot be "canceled" in Magento, only refunded
        "refunded": order.get("state") == "closed",
        "tracking": [(_text(t.get("title") or t.get("carrier_code"), 64), _text(t.get("track_number"), 64))
                     for t in tracks],
        "cod_amount": _cod_amount(order.get("grand_total")) if method in COD_METHODS else None,
        "total": _cod_amount(order.get("grand_total")),
    }
