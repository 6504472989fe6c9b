"""Platform order bodies of the shapes the platforms really send, written here from published examples.

Each body is our own, trimmed to the fields that matter, in the shape its source shows; the source is
named above it. None is a copy: names, numbers and addresses are made up for this shop.
"""
import copy

# Shopify "Send test notification" for orders/create (Settings > Notifications > Webhooks). Shape as
# the 2023 delivery kept in public repositories (find it by its fixed order id 820982911946154508 and
# the address "123 Shipping Street", phone "555-555-SHIP"): "test": true, already cancelled, voided,
# a customer whose e-mail differs from the order's, the same fake customer id every time, and a phone
# that is no number. The shop's admin presses the button to see that the address answers.
SHOPIFY_TEST_NOTIFICATION = {
    "id": 820982911946154508, "admin_graphql_api_id": "gid://shopify/Order/820982911946154508",
    "name": "#9999", "order_number": 1234, "test": True, "email": "jon@example.com",
    "contact_email": "jon@example.com", "phone": None, "customer_locale": "fr", "currency": "EUR",
    "presentment_currency": "EUR", "created_at": "2026-12-07T12:01:19+01:00",
    "updated_at": "2026-12-07T12:01:19+01:00", "cancelled_at": "2026-12-07T12:01:19+01:00",
    "cancel_reason": "customer", "financial_status": "voided", "fulfillment_status": "pending",
    "gateway": None, "payment_gateway_names": ["visa", "bogus"], "total_price": "36.80",
    "billing_address": {"first_name": "Steve", "last_name": "Shipper", "name": "Steve Shipper",
                        "address1": "123 Shipping Street", "address2": None, "city": "Shippington", "zip": "40003",
                        "province": "Kentucky", "country": "United States", "country_code": "US",
                        "province_code": "KY", "phone": "555-555-SHIP", "company": "Shipping Company"},
    "shipping_address": {"first_name": "Steve", "last_name": "Shipper", "name": "Steve Shipper",
                         "address1": "123 Shipping Street", "address2": None, "city": "Shippington", "zip": "40003",
                         "province": "Kentucky", "country": "United States", "country_code": "US",
                         "province_code": "KY", "phone": "555-555-SHIP", "company": "Shipping Company"},
    "customer": {"id": 115310627314723954, "email": "john@example.com", "first_name": "John", "last_name": "Smith",
                 "phone": None, "state": "disabled", "currency": "EUR",
                 "default_address": {"id": 715243470612851245, "phone": "123-123-1234", "city": "Ottawa",
                                     "country_code": "CA", "name": ""}},
    "line_items": [
        {"id": 866550311766439020, "variant_id": 30973616291951, "product_id": 4119899701359,
         "title": "Sérum visage", "name": "Sérum visage", "quantity": 1, "current_quantity": 1,
         "price": "23.40", "sku": "SER-08", "gift_card": False, "requires_shipping": True,
         "price_set": {"shop_money": {"amount": "23.40", "currency_code": "EUR"},
                       "presentment_money": {"amount": "23.40", "currency_code": "EUR"}}},
        {"id": 141249953214522974, "variant_id": 30973620256879, "product_id": 4167807008879,
         "title": "Sérum lissant", "name": "Sérum lissant", "quantity": 1, "current_quantity": 1,
         "price": "23.40", "sku": "SER-09", "gift_card": False, "requires_shipping": True,
         "price_set": {"shop_money": {"amount": "23.40", "currency_code": "EUR"},
                       "presentment_money": {"amount": "23.40", "currency_code": "EUR"}}}],
    "fulfillments": [], "refunds": [],
}

# A Shopify orders/create of a guest who picks the order up (no shipping_address at all, "customer":
# null, as the Order resource allows: shopify.dev REST Admin API, Order, "customer ... can be null"),
# paying in another currency than the shop's: shop money UAH, presentment money PLN. Money is strings,
# per line in "price_set" {"shop_money", "presentment_money"} as in the Order resource's sample and the
# real orders/create body in mobileexpert1/dearbrightly backend/db_shopify/tests/fixtures_shopify_webhook.py.
# Lines: a product, a gift card ("gift_card": true, "requires_shipping": false), a custom item staff
# added by hand ("variant_id": null, "product_id": null, "sku": null) and a line an order edit took out
# ("quantity": 0 as some apps and POS write it).
SHOPIFY_GUEST_PICKUP = {
    "id": 5914470990123, "admin_graphql_api_id": "gid://shopify/Order/5914470990123", "name": "#1042",
    "order_number": 1042, "test": False, "email": "ewa.kowalczyk@example.com", "contact_email": None,
    "phone": "+48 601 234 567", "customer_locale": "pl-PL", "currency": "UAH", "presentment_currency": "PLN",
    "created_at": "2026-12-07T09:12:44+02:00", "updated_at": "2026-12-07T09:12:46+02:00", "cancelled_at": None,
    "financial_status": "paid", "fulfillment_status": None, "note": "Odbiór osobisty",
    "payment_gateway_names": ["shopify_payments"], "total_price": "2600.00",
    "total_price_set": {"shop_money": {"amount": "2600.00", "currency_code": "UAH"},
                        "presentment_money": {"amount": "268.00", "currency_code": "PLN"}},
    "customer": None,
    "billing_address": {"first_name": "Ewa", "last_name": "Kowalczyk", "name": "Ewa Kowalczyk",
                        "address1": "ul. Piotrkowska 104", "city": "Łódź", "zip": "90-926", "province": None,
                        "country": "Poland", "country_code": "PL", "province_code": None, "phone": None},
    "line_items": [
        {"id": 13688971493691, "variant_id": 808950810, "product_id": 632910392, "title": "Sukienka lniana",
         "variant_title": "M / niebieski", "name": "Sukienka lniana - M / niebieski", "sku": "DR-104-M",
         "quantity": 1, "current_quantity": 1, "price": "1450.00", "gift_card": False, "requires_shipping": True,
         "price_set": {"shop_money": {"amount": "1450.00", "currency_code": "UAH"},
                       "presentment_money": {"amount": "149.00", "currency_code": "PLN"}}},
        {"id": 13688971493692, "variant_id": 808950811, "product_id": 632910393, "title": "Karta podarunkowa",
         "variant_title": "500", "name": "Karta podarunkowa - 500", "sku": "", "quantity": 1,
         "current_quantity": 1, "price": "500.00", "gift_card": True, "requires_shipping": False,
         "price_set": {"shop_money": {"amount": "500.00", "currency_code": "UAH"},
                       "presentment_money": {"amount": "52.00", "currency_code": "PLN"}}},
        {"id": 13688971493693, "variant_id": None, "product_id": None, "title": "Pakowanie na prezent",
         "variant_title": None, "name": "Pakowanie na prezent", "sku": None, "quantity": 1, "current_quantity": 1,
         "price": "650.00", "gift_card": False, "requires_shipping": True, "product_exists": False,
         "price_set": {"shop_money": {"amount": "650.00", "currency_code": "UAH"},
                       "presentment_money": {"amount": "67.00", "currency_code": "PLN"}}},
        {"id": 13688971493694, "variant_id": 808950812, "product_id": 632910394, "title": "Pasek",
         "name": "Pasek", "sku": "BLT-1", "quantity": 0, "current_quantity": 0, "price": "300.00",
         "gift_card": False, "requires_shipping": True,
         "price_set": {"shop_money": {"amount": "300.00", "currency_code": "UAH"},
                       "presentment_money": {"amount": "31.00", "currency_code": "PLN"}}}],
    "fulfillments": [], "refunds": [],
}

# Shopify orders/updated after the shop shipped it: "fulfillments" as in the Order resource's sample
# (shopify.dev REST Admin API, Order: "tracking_company", "tracking_number", "tracking_numbers" [],
# "status" one of pending/open/success/cancelled/error/failure). One fulfillment carries two numbers,
# one was cancelled (its number must not be tracked), one has no number yet.
SHOPIFY_FULFILLMENTS = [
    {"id": 4451234567801, "order_id": 5914470990123, "status": "success", "tracking_company": "Nova Poshta",
     "tracking_number": "20450012345678", "tracking_numbers": ["20450012345678", "20 4500 1234 5679"],
     "tracking_url": "https://novaposhta.ua/tracking/?cargo_number=20450012345678",
     "tracking_urls": ["https://novaposhta.ua/tracking/?cargo_number=20450012345678"],
     "created_at": "2026-12-07T15:00:00+02:00", "updated_at": "2026-12-07T15:00:00+02:00"},
    {"id": 4451234567802, "order_id": 5914470990123, "status": "cancelled", "tracking_company": "Ukrposhta",
     "tracking_number": "0503912345678", "tracking_numbers": ["0503912345678"],
     "created_at": "2026-12-07T14:00:00+02:00", "updated_at": "2026-12-07T14:30:00+02:00"},
    {"id": 4451234567803, "order_id": 5914470990123, "status": "open", "tracking_company": None,
     "tracking_number": None, "tracking_numbers": [], "tracking_urls": [],
     "created_at": "2026-12-07T15:05:00+02:00", "updated_at": "2026-12-07T15:05:00+02:00"},
]

# A WooCommerce order.created body (the REST v3 order, woocommerce/woocommerce-rest-api-docs,
# source/includes/wp-api-v3/_orders.md): a guest ("customer_id": 0) who typed Cyrillic names, left
# the e-mail and the whole shipping address empty (WooCommerce sends "" for every empty field, never
# null), money as strings ("total", "subtotal") and line "price" as a number with WooCommerce's
# unrounded tax-exclusive decimals. "meta_data" holds the Shipment Tracking extension's items
# ("_wc_shipment_tracking_items": tracking_provider, custom_tracking_provider, tracking_number,
# date_shipped), here as the JSON object PHP's json_encode makes of an array whose first item was
# deleted (keys "1", "2" no longer start at 0; php.net, json_encode: "non-sequential array ... object").
WOO_GUEST_CYRILLIC = {
    "id": 5120, "parent_id": 0, "number": "5120", "order_key": "wc_order_hJ2kq8XbVn3Lp", "created_via": "checkout",
    "version": "9.4.2", "status": "processing", "currency": "UAH", "date_created": "2026-12-07T11:05:02",
    "date_modified": "2026-12-07T11:05:03", "date_modified_gmt": "2026-12-07T09:05:03",
    "discount_total": "0.00", "shipping_total": "0.00", "total": "1450.00", "total_tax": "0.00",
    "prices_include_tax": False, "customer_id": 0, "customer_note": "",
    "billing": {"first_name": "Ґанна", "last_name": "Їжакевич-Щербань", "company": "", "address_1": "",
                "address_2": "", "city": "Житомир", "state": "", "postcode": "", "country": "UA", "email": "",
                "phone": "050 123 45 67"},
    "shipping": {"first_name": "", "last_name": "", "company": "", "address_1": "", "address_2": "", "city": "",
                 "state": "", "postcode": "", "country": "", "phone": ""},
    "payment_method": "cod", "payment_method_title": "Оплата при отриманні",
    "line_items": [
        {"id": 701, "name": "Светр вовняний", "product_id": 55, "variation_id": 0, "quantity": 2,
         "tax_class": "", "subtotal": "1450.00", "subtotal_tax": "0.00", "total": "1450.00", "total_tax": "0.00",
         "taxes": [], "sku": "", "price": 725, "image": {"id": "", "src": ""},
         "meta_data": [{"id": 7011, "key": "rozmir", "value": "XL", "display_key": "Розмір", "display_value": "XL"}]},
    ],
    "meta_data": [{"id": 9001, "key": "_wc_shipment_tracking_items", "value": {
        "1": {"tracking_provider": "", "custom_tracking_provider": "Нова Пошта", "custom_tracking_link": "",
              "tracking_number": "59 0000 1234 5678", "date_shipped": "1796630400",
              "tracking_id": "a1f3c0e2b9d8c7a6b5e4d3c2b1a09f8e"}}}],
}

# WooCommerce's block checkout saves the cart as an order with status "checkout-draft" and delivers it
# as order.created / order.updated while the buyer is still typing (woocommerce/woocommerce issues
# #37958 and #66995). It is not an order yet: abandoned, it never becomes one.
WOO_CHECKOUT_DRAFT = {
    "id": 5121, "parent_id": 0, "number": "5121", "status": "checkout-draft", "currency": "UAH",
    "created_via": "store-api", "customer_id": 0, "total": "725.00",
    "billing": {"first_name": "", "last_name": "", "company": "", "address_1": "", "address_2": "", "city": "",
                "state": "", "postcode": "", "country": "UA", "email": "", "phone": ""},
    "shipping": {"first_name": "", "last_name": "", "company": "", "address_1": "", "address_2": "", "city": "",
                 "state": "", "postcode": "", "country": "UA", "phone": ""},
    "payment_method": "", "line_items": [
        {"id": 702, "name": "Светр вовняний", "product_id": 55, "quantity": 1, "subtotal": "725.00",
         "total": "725.00", "sku": "", "price": 725, "meta_data": []}],
    "meta_data": [],
}

# Magento 2 (sales-data-order-interface, REST reference): a guest's order ("customer_is_guest": 1,
# "customer_id": null, no customer names) for a virtual/pickup cart with no shipping assignment, and
# quantities as Magento's decimal columns give them in JSON: 2.0, and 1.5 (fabric sold by the metre).
MAGENTO_GUEST_ORDER = {
    "entity_id": 377, "increment_id": "000000377", "state": "new", "status": "pending",
    "created_at": "2026-12-07 08:00:00", "updated_at": "2026-12-07 08:00:05",
    "customer_id": None, "customer_is_guest": 1, "customer_email": "guest.buyer@example.com",
    "customer_firstname": None, "customer_lastname": None, "order_currency_code": "EUR",
    "grand_total": 87.5, "payment": {"method": "checkmo"},
    "billing_address": {"firstname": "Oksana", "lastname": "Lys", "telephone": "+48 512 345 678", "city": "Wrocław",
                        "postcode": "50-001", "country_id": "PL", "street": ["Rynek 1"], "region": None,
                        "region_code": None},
    "items": [
        {"item_id": 1201, "sku": "LIN-150", "name": "Льон, відріз", "qty_ordered": 1.5, "price": 25,
         "product_type": "simple", "parent_item_id": None},
        {"item_id": 1202, "sku": "BTN-10", "name": "Ґудзики", "qty_ordered": 2.0, "price": 25,
         "product_type": "simple", "parent_item_id": None}],
}

# PrestaShop webservice, orders with display=full in JSON (PrestaShop 8 developer documentation,
# webservice resources "orders"): every number a string, quantities too.
PRESTASHOP_ROWS = [
    {"id": "41", "product_id": "9", "product_attribute_id": "17", "product_quantity": "2",
     "product_name": "Шарф - Колір : сірий", "product_reference": "SCF-GR", "product_price": "390.000000",
     "unit_price_tax_incl": "390.000000", "unit_price_tax_excl": "325.000000"},
    {"id": "42", "product_id": "10", "product_attribute_id": "0", "product_quantity": "0",
     "product_name": "Повернений товар", "product_reference": "RET-1", "product_price": "100.000000",
     "unit_price_tax_incl": "100.000000", "unit_price_tax_excl": "83.330000"},
]


def body(fixture, **changes):
    data = copy.deepcopy(fixture)
    data.update(changes)
    return data


# ---- withdrawn after the parcel left ---------------------------------------------------------------

# WooCommerce order.updated once the order is "refunded": WooCommerce's order status list (REST v3 order,
# woocommerce/woocommerce-rest-api-docs, source/includes/wp-api-v3/_orders.md, "status": pending,
# processing, on-hold, completed, cancelled, refunded, failed, trash) and the same page's "refunds"
# (read-only list of the order's refunds: "id", "reason", "total" as a negative string). The order of
# WOO_GUEST_CYRILLIC, shipped with its Shipment Tracking number, refunded in full two days later.
WOO_REFUNDED_AFTER_SHIPPING = body(WOO_GUEST_CYRILLIC, status="refunded", date_modified="2026-12-09T10:30:00",
                                   date_modified_gmt="2026-12-09T08:30:00",
                                   refunds=[{"id": 5190, "reason": "Клієнт передумав", "total": "-1450.00"}])

# Shopify orders/updated after a full refund of a fulfilled order. Shopify refuses to cancel an order
# once it is fulfilled (shopify.dev changelog, 2018-03-01: "Fulfilled and partially-fulfilled orders can no
# longer be canceled by using the Order resource"), so the shop refunds it: "financial_status" becomes
# "refunded" (the full amount paid went back to the buyer: shopify.dev, GraphQL Admin enum
# OrderDisplayFinancialStatus, REFUNDED; the REST Order field spells its values in lower case, with
# "partially_refunded" for less), "refunds" holds the Refund ("note", "restock", "transactions" of kind
# "refund"), "cancelled_at" stays null and the fulfillment stays "success".
SHOPIFY_REFUNDED_AFTER_FULFILLMENT = body(
    SHOPIFY_GUEST_PICKUP, fulfillment_status="fulfilled", fulfillments=SHOPIFY_FULFILLMENTS[:1],
    financial_status="refunded", updated_at="2026-12-08T11:20:00+02:00",
    refunds=[{"id": 921543007, "order_id": 5914470990123, "created_at": "2026-12-08T11:19:58+02:00",
              "note": "Покупець відмовився", "restock": False, "refund_line_items": [],
              "transactions": [{"id": 5523301, "kind": "refund", "status": "success", "amount": "268.00",
                                "currency": "PLN", "gateway": "shopify_payments"}]}])

# Shopify orders/cancelled (the topic is delivered with the Order body, "cancelled_at" and "cancel_reason"
# one of customer, fraud, inventory, declined, other, staff: shopify.dev REST Admin API, Order) of an
# order Shopify never fulfilled: the shop packed it and entered the parcel in this app, not in Shopify,
# so Shopify still lets it be cancelled.
SHOPIFY_CANCELLED_UNFULFILLED = body(SHOPIFY_GUEST_PICKUP, cancelled_at="2026-12-08T12:00:00+02:00",
                                     cancel_reason="customer", financial_status="refunded",
                                     updated_at="2026-12-08T12:00:02+02:00")
