"""Cash on delivery (issue 14): a COD parcel is followed until the money is paid out, a refusal is a
return with the carrier's reason, and staff see the money on its way, the refusals and the rate."""
from decimal import Decimal

import pytest
from test_api import auth, make_client, token_for  # noqa: F401  (API client fixtures)
from test_api_platforms import SHOPIFY_ORDER, WOO_ORDER, shopify, woo
from test_multi_parcel import SCANS, TEXTS, A, _sync, nova_poshta  # noqa: F401  (the local Nova Poshta)

from app.database import writing
from app.orders import statuses
from app.orders.models import Order

SCANS.update({"10": "2026-12-03 12:30:00", "11": "2026-12-04 10:00:00"})
TEXTS.update({"10": "Відправлення отримано. Протягом доби ви одержите SMS-повідомлення про надходження "
                    "грошового переказу", "11": "Відправлення отримано. Грошовий переказ видано одержувачу."})


@pytest.fixture
def app_config():
    return {"CARRIER_RETRIES": 0, "CARRIER_TIMEOUT_SECONDS": 2}


def _cod_order(db, make_order, number=A, amount="1450.00", region="Львівська"):
    order = make_order(status="shipped", carrier="nova_poshta", tracking_number=number,
                       delivery={"city": "Львів", "region": region, "pickup_point": "Відділення №12"})
    with writing():
        db.session.get(Order, order.id).cod_amount = Decimal(amount)
        db.session.commit()
    return order


def test_a_cod_order_is_followed_from_received_to_money_paid_out(app, db, nova_poshta, make_order, client,  # noqa: F811
                                                                 make_user, login):
    order = _cod_order(db, make_order)
    staff = make_user("staff")
    nova_poshta[A] = "10"  # the customer paid at the branch; the transfer follows
    order, parcels = _sync(app, db, order)
    assert order.status == statuses.DELIVERED
    assert (parcels[A].cod_state, parcels[A].active) == ("on_its_way", True)  # still followed
    login(staff.email)
    page = client.get("/admin/cod", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert order.number in page and "Paid by the customer, money on its way" in page
    assert "Parcels: 1; in all: UAH\u00a01,450.00." in page

    nova_poshta[A] = "11"  # paid out to the shop
    order, parcels = _sync(app, db, order)
    assert (parcels[A].cod_state, parcels[A].active) == ("paid_out", False)
    page = client.get("/admin/cod", headers={"Accept-Language": "uk"}).get_data(as_text=True)
    assert order.number not in page.split('id="refused"')[0]
    assert "Готівкових коштів у дорозі немає." in page


def test_a_refused_cod_parcel_becomes_a_return_with_the_carriers_reason(app, db, nova_poshta, make_order, client,  # noqa: F811
                                                                       make_user, login):
    refused = _cod_order(db, make_order)
    delivered = _cod_order(db, make_order, number="20450000000099", region="Київська")
    nova_poshta.update({A: "103", "20450000000099": "11"})
    refused, parcels = _sync(app, db, refused)
    assert refused.status == statuses.RETURNED
    assert refused.history[-1].note == "Відмова одержувача"
    assert refused.history[-1].reason_code == "refused_at_pickup"  # the return reasons count it too
    assert parcels[A].refusal_reason == "Відмова одержувача" and not parcels[A].active
    login(make_user("staff").email)
    page = client.get("/admin/cod", headers={"Accept-Language": "en"}).get_data(as_text=True)
    refusals = page.split('id="refused"')[1].split('id="refusal-rate"')[0]
    assert refused.number in refusals and "Відмова одержувача" in refusals
    assert delivered.number not in refusals
    rates = page.split('id="refusal-rate"')[1]
    # Nova Poshta: 2 parcels ended, 1 refused; per region 1 of 1 (Lviv) and 0 of 1 (Kyiv)
    assert "<td>Nova Poshta</td><td>All regions</td><td>2</td><td>1</td>\n        <td>50%</td>" in rates
    assert "<td>Львівська</td><td>1</td><td>1</td>\n        <td>100%</td>" in rates
    assert "<td>Київська</td><td>1</td><td>0</td>\n        <td>0%</td>" in rates


def test_a_return_staff_record_as_refused_at_pickup_is_a_refusal_everywhere(app, db, make_order, client,
                                                                            make_user, login):
    """The reason "refused at pickup" on the staff's return form records the parcel's refusal as a
    carrier's refusal does: the COD page, the analytics' refusal table and return reasons agree."""
    order = make_order(status="in_transit", carrier="ukrposhta", tracking_number="0500123456789",
                       delivery={"city": "Київ", "region": "Київська", "pickup_point": "Відділення 07"})
    login(make_user("staff").email)
    client.post(f"/admin/orders/{order.id}", data={"status": "returned", "reason": "refused_at_pickup",
                                                   "version": order.version})
    db.session.refresh(order)
    assert order.status == statuses.RETURNED and order.history[-1].reason_code == "refused_at_pickup"
    page = client.get("/admin/cod").get_data(as_text=True)
    refusals = page.split('id="refused"')[1].split('id="refusal-rate"')[0]
    assert order.number in refusals and "Відмова при отриманні" in refusals
    assert "<td>Укрпошта</td><td>Усі області</td><td>1</td><td>1</td>\n        <td>100%</td>" in page
    analytics = client.get("/admin/analytics/").get_data(as_text=True)
    by_carrier = analytics.split('id="refusals-carrier"')[1].split("</table>")[0]
    assert '<th scope="row">Укрпошта</th><td class="num">1</td><td class="num">1</td>' in by_carrier
    by_item = analytics.split('id="rates-reason"')[1].split("</table>")[0]
    assert '<tr data-key="refused_at_pickup"><th scope="row">Відмова у пункті видачі</th><td class="num">1</td>' in by_item
    assert "Відмова при отриманні" in analytics.split('id="refusals"')[0]  # the return reasons staff gave


@pytest.mark.parametrize("amount", ["-5", "abc", "1e400", "NaN"])
def test_a_negative_or_non_numeric_cod_amount_is_refused_and_changes_nothing(app, db, client, make_user, login,
                                                                              make_order, amount):
    order = make_order(status="shipped")
    login(make_user("staff").email)
    form = {"customer_name": order.customer.name, "customer_email": order.customer.email or "",
            "customer_phone": order.customer.phone or "", "delivery_country": "UA", "delivery_city": "Львів",
            "delivery_region": "Львівська", "delivery_pickup_point": "Відділення №12", "internal_note": "",
            "cod_amount": amount, "version": order.version, "items-0-name": "Сукня льняна", "items-0-sku": "DR-104",
            "items-0-size": "M", "items-0-color": "синій", "items-0-quantity": "1", "items-0-price": "1450.00"}
    response = client.post(f"/admin/orders/{order.id}/edit", data=form, headers={"Accept-Language": "uk"})
    assert response.status_code == 422
    assert "Сума накладеного платежу має бути числом від 0" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Order, order.id).cod_amount is None
    form["cod_amount"] = "1 449,50"
    assert client.post(f"/admin/orders/{order.id}/edit", data=form).status_code == 302
    db.session.expire_all()
    assert db.session.get(Order, order.id).cod_amount == Decimal("1449.50")


def test_cod_from_woocommerce_shopify_the_api_and_the_csv_import(app, db, client, make_user, login, auth):  # noqa: F811
    import io
    import json

    from app import settings

    with writing():
        settings.put("WOOCOMMERCE_WEBHOOK_SECRET", "woo-secret-from-the-webhook-form", secret=True)
        settings.put("SHOPIFY_WEBHOOK_SECRET", "shpss_client_secret_of_the_app", secret=True)
        db.session.commit()
    # WooCommerce's "cod" gateway: the order's total is collected at pickup
    woo_order = db.session.get(Order, woo(client, WOO_ORDER).get_json()["order_id"])
    assert woo_order.cod_amount == Decimal("2900.00")
    paid = db.session.get(Order, woo(client, {**WOO_ORDER, "id": 728, "payment_method": "bacs"},
                                     delivery="d-bacs").get_json()["order_id"])
    assert paid.cod_amount is None
    cod = {**SHOPIFY_ORDER, "total_price": "329.00", "payment_gateway_names": ["Cash on Delivery (COD)"]}
    assert db.session.get(Order, shopify(client, cod).get_json()["order_id"]).cod_amount == Decimal("329.00")

    headers = {**auth(), "Accept-Language": "en"}
    body = {"customer": {"name": "Олена Коваль", "email": "olena@example.com"},
            "items": [{"name": "Сукня льняна", "quantity": 1, "price": "1450.00"}]}
    created = client.post("/api/orders", json={**body, "cod_amount": "1450.00"}, headers=headers)
    assert created.status_code == 201
    assert db.session.get(Order, created.get_json()["id"]).cod_amount == Decimal("1450.00")
    before = db.session.query(Order).count()
    for bad in ("-1", "lots", -3):
        refused = client.post("/api/orders", json={**body, "cod_amount": bad}, headers=headers)
        assert refused.status_code == 422 and refused.get_json()["errors"][0]["field"] == "cod_amount"
    assert db.session.query(Order).count() == before

    login(make_user("staff").email)
    header = "order_number,customer_name,item_name,item_price,cod_amount\n"
    upload = lambda text: client.post("/admin/orders/import", headers={"Accept-Language": "en"},  # noqa: E731
                                      data={"file": (io.BytesIO(text.encode()), "orders.csv")},
                                      content_type="multipart/form-data")
    refused = upload(header + "CSV-1,Олена,Сукня,1450.00,-10\n")
    assert refused.status_code == 422
    assert "The cash-on-delivery amount must be a number of 0 or more" in refused.get_data(as_text=True)
    assert upload(header + "CSV-1,Олена,Сукня,1450.00,1450\n").status_code == 200
    order = db.session.execute(db.select(Order).filter_by(number="CSV-1")).scalar_one()
    assert order.cod_amount == Decimal("1450.00")
    assert json.dumps(str(order.cod_amount)) == '"1450.00"'


def _edit_form(order, cod_amount, **items):
    return {"customer_name": order.customer.name, "customer_email": order.customer.email or "",
            "customer_phone": order.customer.phone or "", "delivery_country": "UA", "delivery_city": "Львів",
            "delivery_region": "Львівська", "delivery_pickup_point": "Відділення №12", "internal_note": "",
            "cod_amount": cod_amount, "version": order.version, "items-0-name": "Сукня льняна", "items-0-sku": "DR-104",
            "items-0-size": "M", "items-0-color": "синій", "items-0-quantity": "1", "items-0-price": "1450.00",
            **items}


def test_a_cod_amount_above_the_orders_total_is_refused_everywhere_and_changes_nothing(
        app, db, client, make_user, login, make_order, auth):  # noqa: F811
    import io

    order = make_order(status="shipped")
    login(make_user("staff").email)
    # the order page's editor: a typo of one zero too many
    refused = client.post(f"/admin/orders/{order.id}/edit", data=_edit_form(order, "14500"))
    assert refused.status_code == 422
    assert ("Сума накладеного платежу 14500.00 більша за суму замовлення 1450.00: вкажіть не більше суми замовлення."
            in refused.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(Order, order.id).cod_amount is None
    # two dresses: 2900 is the total, and so may be asked
    assert client.post(f"/admin/orders/{order.id}/edit",
                       data=_edit_form(order, "2900", **{"items-0-quantity": "2"})).status_code == 302
    db.session.expire_all()
    assert db.session.get(Order, order.id).cod_amount == Decimal("2900.00")
    # then one dress fewer with the amount left as it was: refused, nothing saved
    order = db.session.get(Order, order.id)
    assert client.post(f"/admin/orders/{order.id}/edit", data=_edit_form(order, "2900")).status_code == 422
    db.session.expire_all()
    assert [i.quantity for i in db.session.get(Order, order.id).items] == [2]

    before = db.session.query(Order).count()
    new = {"customer_name": "Олена Коваль", "delivery_country": "UA", "items-0-name": "Сукня", "items-0-quantity": "1",
           "items-0-price": "1450.00", "cod_amount": "1450.01"}
    page = client.post("/admin/orders/new", data=new, headers={"Accept-Language": "en"})
    assert page.status_code == 422
    assert ("The cash-on-delivery amount 1450.01 is more than the order&#39;s total 1450.00: enter at most the total."
            in page.get_data(as_text=True))
    body = {"customer": {"name": "Олена Коваль", "email": "olena@example.com"},
            "items": [{"name": "Сукня льняна", "quantity": 1, "price": "1450.00"}], "cod_amount": "9999"}
    api = client.post("/api/orders", json=body, headers={**auth(), "Accept-Language": "pl"})
    assert api.status_code == 422 and api.get_json()["errors"][0]["field"] == "cod_amount"
    assert "Kwota pobrania 9999.00 jest wyższa niż wartość zamówienia 1450.00" in api.get_json()["detail"]
    csv_file = ("order_number,customer_name,item_name,item_price,item_quantity,cod_amount\n"
                "CSV-1,Олена,Сукня,1450.00,1,1450\nCSV-2,Петро,Светр,800.00,1,1600\nCSV-2,Петро,Шарф,300.00,1,\n")
    imported = client.post("/admin/orders/import", headers={"Accept-Language": "ru"},
                           data={"file": (io.BytesIO(csv_file.encode()), "orders.csv")}, content_type="multipart/form-data")
    assert imported.status_code == 422
    assert "Сумма наложенного платежа 1600.00 больше суммы заказа 1100.00" in imported.get_data(as_text=True)
    assert db.session.query(Order).count() == before  # not even the good first order: the file is refused whole


def test_an_order_without_prices_or_with_a_platforms_delivery_charge_keeps_its_cod_amount(
        app, db, client, make_user, login, make_order, auth):  # noqa: F811
    from app import settings

    with writing():
        settings.put("WOOCOMMERCE_WEBHOOK_SECRET", "woo-secret-from-the-webhook-form", secret=True)
        db.session.commit()
    # the platform's total has its delivery charge: the amount collected is the platform's, above the items
    woo_order = db.session.get(Order, woo(client, {**WOO_ORDER, "total": "2970.00"}).get_json()["order_id"])
    assert woo_order.total == Decimal("2900.00") and woo_order.cod_amount == Decimal("2970.00")
    # an item without a price: no known total to hold the amount against
    body = {"customer": {"name": "Олена Коваль", "email": "olena@example.com"},
            "items": [{"name": "Сукня льняна", "quantity": 1, "price": "0"}], "cod_amount": "1450"}
    created = client.post("/api/orders", json=body, headers=auth())
    assert created.status_code == 201
    assert db.session.get(Order, created.get_json()["id"]).cod_amount == Decimal("1450.00")
    # staff correcting the platform order's phone do not have to touch its amount
    login(make_user("staff").email)
    form = _edit_form(woo_order, "2970.00", **{"items-0-name": woo_order.items[0].name,
                                               "items-0-sku": woo_order.items[0].sku or "",
                                               "items-0-size": woo_order.items[0].size or "",
                                               "items-0-color": woo_order.items[0].color or "",
                                               "items-0-quantity": "2", "items-0-price": "1450.00"})
    form.update(customer_phone="+380671112233", delivery_city=woo_order.delivery_city or "",
                delivery_region=woo_order.delivery_region or "", delivery_country=woo_order.delivery_country,
                delivery_pickup_point=woo_order.delivery_pickup_point or "")
    assert client.post(f"/admin/orders/{woo_order.id}/edit", data=form).status_code == 302
    db.session.expire_all()
    assert db.session.get(Order, woo_order.id).customer.phone == "+380671112233"
    assert db.session.get(Order, woo_order.id).cod_amount == Decimal("2970.00")


def test_money_on_its_way_counts_an_order_of_two_parcels_once_and_each_currency_apart(app, db, client, make_user,
                                                                                      login, make_order):
    from app.orders.services import add_shipment

    two_parcels = make_order(status="shipped")
    polish = make_order(status="shipped", carrier="inpost", tracking_number="602634398121365987475714",
                        currency="PLN")
    with writing():
        add_shipment(db.session.get(Order, two_parcels.id), "nova_poshta", "20450000999999")
        db.session.get(Order, two_parcels.id).cod_amount = Decimal("1450.00")
        db.session.get(Order, polish.id).cod_amount = Decimal("329.00")
        db.session.commit()
    login(make_user("staff").email)
    page = client.get("/admin/cod", headers={"Accept-Language": "en"}).get_data(as_text=True)
    # three parcels wait, but the money is one order's 1,450 hryvnias (not 2,900) and one order's 329 złoty
    assert "Parcels: 3; in all: UAH\u00a01,450.00 + PLN\u00a0329.00." in page


def test_refusal_rate_names_parcels_without_a_region_apart_from_the_carriers_total(app, db, make_order, client,
                                                                                   make_user, login):
    """An order typed without a region was counted in a second 'All regions' row of its carrier, beside
    the real total ('Nova Poshta · All regions · 1' above 'Nova Poshta · All regions · 2')."""
    from app.orders.models import Shipment

    for region in ("Львівська", ""):
        order = make_order(status="delivered", carrier="nova_poshta",
                           delivery={"city": "Львів", "region": region, "pickup_point": "Відділення №12"})
        with writing():
            db.session.get(Shipment, order.shipments[0].id).status = statuses.DELIVERED
            db.session.commit()
    login(make_user("staff").email)
    page = client.get("/admin/cod", headers={"Accept-Language": "en"}).get_data(as_text=True)
    rates = page.split('id="refusal-rate"')[1]
    assert rates.count("<td>All regions</td>") == 1
    assert "<td>Nova Poshta</td><td>All regions</td><td>2</td>" in rates
    assert "<td>Nova Poshta</td><td>No region</td><td>1</td>" in rates
    assert "<td>Nova Poshta</td><td>Львівська</td><td>1</td>" in rates
