"""Orders as Magento 2 and PrestaShop answer them, written from their published references.

Magento: the ``GET /V1/orders`` search result (``items``, ``search_criteria``, ``total_count``) and the
``sales-data-order-interface`` fields (``entity_id``, ``increment_id``, ``updated_at`` as
"YYYY-MM-DD HH:MM:SS", ``items[].qty_ordered`` as a number, ``parent_item_id`` on a configurable
product's child, ``extension_attributes.shipping_assignments[].shipping.address``, ``payment.method``);
shipments from ``GET /V1/shipments`` with ``tracks[]`` (``track_number``, ``title``, ``carrier_code``).
PrestaShop: the webservice's JSON output of ``orders`` with ``display=full`` (numbers as strings,
``associations.order_rows``, ``shipping_number``, ``module``), and ``[]`` when no order matches.
"""
import copy

MAGENTO_ORDER = {
    "entity_id": 301, "increment_id": "000000301", "state": "processing", "status": "processing",
    "created_at": "2026-12-05 09:14:02", "updated_at": "2026-12-05 09:20:11",
    "customer_id": 77, "customer_is_guest": 0, "customer_email": "iryna.bondar@example.com",
    "customer_firstname": "Ірина", "customer_lastname": "Бондар", "order_currency_code": "UAH",
    "grand_total": 2150, "customer_note": "Передзвоніть, будь ласка",
    "billing_address": {"firstname": "Ірина", "lastname": "Бондар", "telephone": "+380501234567",
                        "city": "Київ", "postcode": "01001", "country_id": "UA", "street": ["вул. Хрещатик, 1"]},
    "payment": {"method": "cashondelivery", "amount_ordered": 2150},
    "items": [
        {"item_id": 901, "sku": "TS-RED-M", "name": "Футболка червона", "qty_ordered": 2, "price": 450,
         "product_type": "configurable", "parent_item_id": None},
        {"item_id": 902, "sku": "TS-RED-M", "name": "Футболка червона-M", "qty_ordered": 2, "price": 0,
         "product_type": "simple", "parent_item_id": 901},
        {"item_id": 903, "sku": "MUG-01", "name": "Чашка", "qty_ordered": 1, "price": 1250,
         "product_type": "simple", "parent_item_id": None},
    ],
    "extension_attributes": {"shipping_assignments": [{"shipping": {
        "address": {"firstname": "Ірина", "lastname": "Бондар", "telephone": "+380501234567", "city": "Львів",
                    "region": "Львівська", "postcode": "79000", "country_id": "UA",
                    "street": ["вул. Городоцька, 15", "кв. 3"]},
        "method": "flatrate_flatrate"}}]},
}


def magento_page(orders, total=None):
    return {"items": orders, "search_criteria": {"filter_groups": [], "page_size": 50, "current_page": 1},
            "total_count": len(orders) if total is None else total}


def magento_shipments(*tracks):
    return {"items": [{"entity_id": 55, "order_id": 301, "tracks": [
        {"entity_id": 10 + n, "order_id": 301, "parent_id": 55, "track_number": number, "title": title,
         "carrier_code": "custom"} for n, (title, number) in enumerate(tracks)]}] if tracks else [],
            "total_count": 1 if tracks else 0}


PRESTASHOP_ORDER = {
    "id": 12, "id_address_delivery": "5", "id_address_invoice": "5", "id_cart": "20", "id_currency": "2",
    "id_lang": "1", "id_customer": "3", "id_carrier": "4", "current_state": "3",
    "module": "ps_cashondelivery", "payment": "Оплата при отриманні", "shipping_number": "",
    "date_add": "2026-12-05 10:00:00", "date_upd": "2026-12-05 10:05:00", "reference": "XKBKNABJK",
    "total_paid": "1890.000000",
    "associations": {"order_rows": [
        {"id": "31", "product_id": "8", "product_attribute_id": "0", "product_quantity": "3",
         "product_name": "Шкарпетки вовняні - Розмір : L", "product_reference": "SOCK-W-L",
         "product_price": "630.000000", "unit_price_tax_incl": "630.000000", "unit_price_tax_excl": "525.000000"},
    ]},
}
PRESTASHOP_LINKED = {
    "customers/3": {"customer": {"id": 3, "firstname": "Тарас", "lastname": "Мельник",
                                 "email": "taras.melnyk@example.com"}},
    "addresses/5": {"address": {"id": 5, "id_country": "216", "firstname": "Тарас", "lastname": "Мельник",
                                "address1": "вул. Соборна, 9", "address2": "", "postcode": "21000",
                                "city": "Вінниця", "phone": "", "phone_mobile": "+380931112233"}},
    "countries/216": {"country": {"id": 216, "iso_code": "UA"}},
    "currencies/2": {"currency": {"id": 2, "iso_code": "UAH"}},
    "carriers/4": {"carrier": {"id": 4, "name": "Nova Poshta"}},
}


def prestashop_order(**changes):
    order = copy.deepcopy(PRESTASHOP_ORDER)
    order.update(changes)
    return order
