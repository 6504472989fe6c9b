"""Customer matching: an order is never filed under another person (issue #20).

By e-mail, or by the shop platform's customer account; a phone alone attaches an order only to
a customer with no e-mail and the same name. Every way in goes through the same rule: the API,
the staff form, CSV import and the platform webhooks.
"""
import copy

from app.orders.models import Customer, Order

# the API tests' fixtures (auth, secrets_set) are used here as they are
from tests.test_api import ORDER_BODY, auth, make_client, token_for  # noqa: F401
from tests.test_api_platforms import SHOPIFY_ORDER, WOO_ORDER, secrets_set, shopify, woo  # noqa: F401


def _api_order(client, headers, *, name, email, phone, number):
    body = copy.deepcopy(ORDER_BODY)
    body["customer"] = {"name": name, "email": email, "phone": phone}
    body["shipment"] = {"carrier": "nova_poshta", "tracking_number": number}
    response = client.post("/api/orders", json=body, headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def test_api_order_with_a_known_phone_but_another_email_gets_its_own_customer(app, client, db, auth):  # noqa: F811
    headers = auth()
    first = _api_order(client, headers, name="Олена Коваль", email="olena@example.com", phone="+380671234567",
                       number="20450000000001")
    second = _api_order(client, headers, name="Ігор Коваль", email="igor@example.com", phone="+380671234567",
                        number="20450000000002")
    olena = db.session.execute(db.select(Order).filter_by(number=first["number"])).scalar_one().customer
    igor = db.session.execute(db.select(Order).filter_by(number=second["number"])).scalar_one().customer
    assert olena.id != igor.id
    assert (igor.name, igor.email) == ("Ігор Коваль", "igor@example.com")
    assert [o.number for o in olena.orders] == [first["number"]]  # Olena sees only her own order


def test_phone_only_matches_a_guest_without_email_and_with_the_same_name(app, client, db, auth):  # noqa: F811
    headers = auth()
    a = _api_order(client, headers, name="Марія  Поліщук", email=None, phone="+380977778899", number="20450000000011")
    b = _api_order(client, headers, name="марія поліщук", email=None, phone="+380977778899", number="20450000000012")
    c = _api_order(client, headers, name="Петро Поліщук", email=None, phone="+380977778899", number="20450000000013")
    d = _api_order(client, headers, name="Марія Поліщук", email="maria@example.com", phone="+380977778899",
                   number="20450000000014")
    owner = {x["number"]: db.session.execute(db.select(Order).filter_by(number=x["number"])).scalar_one().customer_id
             for x in (a, b, c, d)}
    assert owner[a["number"]] == owner[b["number"]]  # the same guest, ordering by phone again
    assert len({owner[a["number"]], owner[c["number"]], owner[d["number"]]}) == 3


def test_woocommerce_guest_with_a_known_phone_and_a_new_email_is_a_new_customer(app, client, db, secrets_set):  # noqa: F811
    assert woo(client, WOO_ORDER).status_code == 201  # Maria, WooCommerce account 1
    guest = copy.deepcopy(WOO_ORDER)
    guest.update(id=4751, customer_id=0)
    guest["billing"].update(first_name="Оксана", last_name="Мельник", email="oksana@example.com")
    guest["shipping"].update(first_name="Оксана", last_name="Мельник", address_1="Відділення №7")
    response = woo(client, guest, delivery="guest-delivery")
    assert response.status_code == 201, response.get_data(as_text=True)
    order = db.session.get(Order, response.get_json()["order_id"])
    assert (order.customer.name, order.customer.email) == ("Оксана Мельник", "oksana@example.com")
    assert db.session.query(Customer).count() == 2


def test_platform_account_keeps_its_orders_together_whatever_email_it_gives(app, client, db, secrets_set):  # noqa: F811
    first = woo(client, WOO_ORDER).get_json()
    again = copy.deepcopy(WOO_ORDER)
    again.update(id=4760)
    again["billing"]["email"] = "maria.new@example.com"  # the account's e-mail changed on the shop
    second = woo(client, again, delivery="second-delivery").get_json()
    assert db.session.get(Order, first["order_id"]).customer_id == db.session.get(Order, second["order_id"]).customer_id
    # Shopify's customer.id does the same for Shopify accounts
    one = shopify(client, SHOPIFY_ORDER).get_json()
    other = copy.deepcopy(SHOPIFY_ORDER)
    other.update(id=820982911946154600, email="jon.doe@example.net")
    two = shopify(client, other, webhook_id="c0ffee00-0000-4000-8000-000000000001").get_json()
    assert db.session.get(Order, one["order_id"]).customer_id == db.session.get(Order, two["order_id"]).customer_id
    assert db.session.query(Customer).count() == 2


def test_csv_import_and_staff_form_use_the_same_rule(app, db):
    from app.orders.services import find_or_create_customer

    olena = find_or_create_customer(name="Олена Коваль", email="Olena@Example.com", phone="+380671234567")
    db.session.commit()
    assert find_or_create_customer(name="Олена", email="olena@example.com", phone=None) is olena
    stranger = find_or_create_customer(name="Олена Коваль", email=None, phone="+380671234567")
    assert stranger is not olena  # Olena has an e-mail: a phone alone does not reach her
