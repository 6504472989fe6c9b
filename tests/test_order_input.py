"""What staff type into the forms: the new order (amounts, quantities, contact, country), the CSV import, settings numbers."""
import html
import io
import re
from decimal import Decimal

import pytest

from app.orders.models import Order
from app.orders.services import OrderInputError, parse_amount, parse_quantity


def _text(response):
    """The page's words as a person reads them (tags dropped, entities decoded)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def _orders(db):
    return db.session.execute(db.select(Order).order_by(Order.id)).scalars().all()


NEW_ORDER = {"customer_name": "Ігор Бойко", "customer_phone": "+380673334455", "delivery_city": "Одеса",
             "items-0-name": "Футболка", "items-0-quantity": "1", "items-0-price": "450"}


@pytest.mark.parametrize("written, amount", [
    ("1450", "1450.00"), ("1450.5", "1450.50"), ("1450,50", "1450.50"), ("1450,5", "1450.50"),
    ("1 450,50", "1450.50"), ("1\u00a0450,50", "1450.50"), ("1\u202f450,50", "1450.50"), ("1 450.50", "1450.50"),
    ("12 345 678", "12345678.00"), ("1,450.50", "1450.50"), (" 0,99 ", "0.99"), (1450, "1450.00"),
    (Decimal("483.333"), "483.33"),
])
def test_amounts_are_read_as_the_app_writes_them(written, amount):
    assert parse_amount(written) == Decimal(amount)


@pytest.mark.parametrize("written", ["", "abc", "-5", "1,450", "1.450,50", "1 45,50", "14 50", "1 450,505", "1e3",
                                     "NaN", "1,45,0", "1  450", "10000000000", "9999999999.999", "1" * 40,
                                     "9" * 5000, "²", "١٢٣", float("nan"), float("inf"), 1e40, True])
def test_ambiguous_or_garbled_amounts_are_refused(written):
    with pytest.raises(ValueError):
        parse_amount(written)


@pytest.mark.parametrize("written", ["0", "10001", "1.5", "²", "١", "9" * 5000, "-1", ""])
def test_quantities_outside_one_to_ten_thousand_are_refused(written):
    with pytest.raises(OrderInputError):
        parse_quantity(written)


@pytest.mark.parametrize("price, stored", [("1 450,50", "1450.50"), ("1\u00a0450,50", "1450.50"),
                                           ("1450,50", "1450.50"), ("1\u202f450", "1450.00")])
def test_new_order_form_takes_prices_as_the_app_shows_them(app, db, make_user, client, login, price, stored):
    login(make_user("staff").email)
    response = client.post("/admin/orders/new", data={**NEW_ORDER, "items-0-price": price, "cod_amount": price})
    assert response.status_code == 302, _text(response)
    order, = _orders(db)
    assert order.items[0].price == Decimal(stored) and order.cod_amount == Decimal(stored)


def test_new_order_form_refuses_an_ambiguous_price_and_says_how_to_write_it(app, db, make_user, client, login):
    login(make_user("staff").email)
    response = client.post("/admin/orders/new", data={**NEW_ORDER, "items-0-price": "1,450"})
    assert response.status_code == 422
    assert "Введіть ціну, наприклад 1450.00 або 1 450,00." in _text(response)
    assert _orders(db) == []


def test_quantity_error_names_the_allowed_range(app, db, make_user, client, login):
    login(make_user("staff").email)
    for quantity in ("999999", "0", "1,5", "9" * 5000, "²"):
        response = client.post("/admin/orders/new", data={**NEW_ORDER, "items-0-quantity": quantity})
        assert response.status_code == 422
        assert "Кількість має бути цілим числом від 1 до 10000." in _text(response)
    assert _orders(db) == []


def test_item_inputs_carry_a_real_input_mode(app, make_user, client, login):
    login(make_user("staff").email)
    page = client.get("/admin/orders/new").get_data(as_text=True)
    assert 'inputmode="None"' not in page
    assert re.search(r'<input[^>]*id="items-0-quantity"[^>]*inputmode="numeric"', page)
    assert re.search(r'<input[^>]*id="items-0-price"[^>]*inputmode="decimal"', page)
    assert not re.search(r'<input[^>]*id="items-0-name"[^>]*inputmode', page)


IMPORT_HEADER = "order_number,customer_name,item_name,item_quantity,item_price,cod_amount\n"


def _upload(client, text):
    return client.post("/admin/orders/import", data={"file": (io.BytesIO(text.encode("utf-8")), "orders.csv")},
                       content_type="multipart/form-data")


def test_import_takes_prices_as_the_app_shows_them_and_names_the_quantity_range(app, db, make_user, client, login):
    login(make_user("staff").email)
    refused = _upload(client, IMPORT_HEADER + 'A-1,Олена,Сукня,999999,"1 450,50",\nA-2,Ігор,Худі,1,"1,450",\n')
    assert refused.status_code == 422
    text = _text(refused)
    assert "Кількість має бути цілим числом від 1 до 10000." in text
    assert "Введіть ціну, наприклад 1450.00 або 1 450,00." in text
    assert _orders(db) == []
    accepted = _upload(client, IMPORT_HEADER + 'A-1,Олена,Сукня,2,"1\u00a0450,50","2 901,00"\nA-2,Ігор,Худі,1,1450,\n')
    assert accepted.status_code == 200, _text(accepted)
    first, second = _orders(db)
    assert first.items[0].price == Decimal("1450.50") and first.cod_amount == Decimal("2901.00")
    assert second.items[0].price == Decimal("1450.00")


def _field_error(page, field_id):
    """The error shown next to one input (its aria-describedby target), or None."""
    match = re.search(rf'<p class="field-error" id="{re.escape(field_id)}-error">([^<]*)</p>', page)
    return html.unescape(match.group(1)) if match else None


def test_new_order_form_shows_every_error_at_once_next_to_its_field(app, db, make_user, client, login):
    login(make_user("staff").email)
    response = client.post("/admin/orders/new", data={
        "customer_name": "Тест", "customer_email": "not-an-email", "customer_phone": "12ab", "delivery_country": "ZZ",
        "items-0-name": "Сукня", "items-0-quantity": "0", "items-0-price": "-5", "cod_amount": "abc",
        "tracking_number": "123456"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert _field_error(page, "customer_email") == "Введіть правильну адресу e-mail."
    assert _field_error(page, "customer_phone") == "Введіть номер телефону, наприклад +380 67 123 45 67."
    assert _field_error(page, "delivery_country") == "Вкажіть двобуквений код країни, наприклад UA або PL."
    assert _field_error(page, "items-0-quantity") == "Кількість має бути цілим числом від 1 до 10000."
    assert _field_error(page, "items-0-price") == "Введіть ціну, наприклад 1450.00 або 1 450,00."
    assert _field_error(page, "cod_amount").startswith("Сума накладеного платежу")
    assert _field_error(page, "carrier").startswith("Оберіть перевізника")
    assert "Перевірте виділені поля." in _text(response)
    assert _orders(db) == []


def test_new_order_form_looks_its_parcel_up_once(app, db, make_user, client, login):
    from sqlalchemy import event

    login(make_user("staff").email)
    lookups = []

    def watch(conn, cursor, statement, *args):
        if "WHERE shipments.carrier = " in statement:  # new_parcel's look-up of the number
            lookups.append(statement)

    event.listen(db.engine, "before_cursor_execute", watch)
    try:
        response = client.post("/admin/orders/new", data={**NEW_ORDER, "tracking_number": "20450000000077"})
    finally:
        event.remove(db.engine, "before_cursor_execute", watch)
    assert response.status_code == 302 and len(lookups) == 1
    taken = client.post("/admin/orders/new", data={**NEW_ORDER, "tracking_number": "20450000000077"})
    assert taken.status_code == 422  # the number's error beside its field, as the form's own errors are
    assert '<p class="field-error">Цей номер відстеження вже використано в іншому замовленні.</p>' in \
        taken.get_data(as_text=True)


@pytest.mark.parametrize("phone, country", [("12ab", "UA"), ("+380 67", "UA"), ("0671234567", "PL")])
def test_new_order_form_refuses_an_invalid_phone(app, db, make_user, client, login, phone, country):
    login(make_user("staff").email)
    response = client.post("/admin/orders/new", data={**NEW_ORDER, "customer_phone": phone,
                                                      "delivery_country": country})
    assert response.status_code == 422
    assert _field_error(response.get_data(as_text=True), "customer_phone") == \
        "Введіть номер телефону, наприклад +380 67 123 45 67."
    assert _orders(db) == []


@pytest.mark.parametrize("country", ["ZZ", "XX", "U", "UKR", "1A"])
def test_new_order_form_refuses_an_unknown_country(app, db, make_user, client, login, country):
    login(make_user("staff").email)
    response = client.post("/admin/orders/new", data={**NEW_ORDER, "delivery_country": country})
    assert response.status_code == 422
    assert _field_error(response.get_data(as_text=True), "delivery_country") == \
        "Вкажіть двобуквений код країни, наприклад UA або PL."
    assert _orders(db) == []


def test_new_order_form_keeps_a_valid_phone_and_country(app, db, make_user, client, login):
    login(make_user("staff").email)
    response = client.post("/admin/orders/new", data={**NEW_ORDER, "customer_phone": "+48 601 234 567",
                                                      "delivery_country": "pl"})
    assert response.status_code == 302, _text(response)
    order, = _orders(db)
    assert order.delivery_country == "PL" and order.customer.phone == "+48 601 234 567"


def test_order_editor_refuses_an_invalid_phone_and_country_and_changes_nothing(app, db, make_order, make_user,
                                                                               client, login):
    order = make_order()
    login(make_user("staff").email)
    response = client.post(f"/admin/orders/{order.id}/edit", data={
        "customer_name": order.customer.name, "customer_phone": "12ab", "delivery_country": "ZZ",
        "version": order.version, "items-0-name": "Сукня льняна", "items-0-quantity": "1", "items-0-price": "1450"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert _field_error(page, "customer_phone") and _field_error(page, "delivery_country")
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.delivery_country == "UA" and order.customer.phone.startswith("+38067")


def test_import_refuses_an_invalid_phone_or_country(app, db, make_user, client, login):
    login(make_user("staff").email)
    header = "order_number,customer_name,customer_phone,country,item_name,item_price\n"
    response = _upload(client, header + "A-1,Олена,12ab,UA,Сукня,100\nA-2,Ігор,+380673334455,ZZ,Худі,100\n")
    assert response.status_code == 422
    text = _text(response)
    assert "Введіть номер телефону, наприклад +380 67 123 45 67." in text
    assert "Вкажіть двобуквений код країни, наприклад UA або PL." in text
    assert _orders(db) == []


def test_new_order_form_offers_the_currencies_an_order_can_be_in(app, db, make_user, client, login):
    """The API and the import take PLN, EUR or USD orders: the staff form does too (the shop's UAH by default)."""
    login(make_user("staff").email)
    page = client.get("/admin/orders/new").get_data(as_text=True)
    select = page.split('name="currency"')[1].split("</select>")[0]
    assert re.findall(r'<option[^>]*value="([A-Z]{3})"', select) == ["UAH", "PLN", "EUR", "USD"]
    assert re.search(r'<option selected value="UAH">|<option value="UAH" selected', select)
    assert "Валюта" in _text(client.get("/admin/orders/new"))
    assert client.post("/admin/orders/new", data=NEW_ORDER).status_code == 302
    response = client.post("/admin/orders/new", data={**NEW_ORDER, "currency": "PLN", "cod_amount": "300"})
    assert response.status_code == 302
    assert [o.currency for o in _orders(db)] == ["UAH", "PLN"]
    page = _text(client.get(response.headers["Location"]))
    assert "300,00 PLN" in page.replace("\u00a0", " ")
    refused = client.post("/admin/orders/new", data={**NEW_ORDER, "currency": "GBP"})
    assert refused.status_code == 422 and len(_orders(db)) == 2


@pytest.mark.parametrize("written", ["²", "9" * 5000, "1e3", "-5", "3"])
def test_shop_settings_refuse_a_number_python_cannot_read_as_a_whole_number(app, db, make_user, client, login,
                                                                           written):
    login(make_user("admin").email)
    response = client.post("/admin/settings", data={"ORDERS_PER_PAGE": written, "DEFAULT_LANGUAGE": "uk"})
    assert response.status_code == 422
    assert "Введіть ціле число від 5 до 500." in _text(response)
    # what was typed stays beside the error (the field came back empty)
    field = re.search(r'<input[^>]*name="ORDERS_PER_PAGE"[^>]*>', response.get_data(as_text=True)).group(0)
    assert f'value="{html.escape(written)}"' in field



def test_an_item_field_too_long_is_refused_in_the_staff_members_language(app, db, make_user, client, login):
    """The item rows are a sub-form; its length errors came in English whatever the language."""
    login(make_user("staff").email)
    response = client.post("/admin/orders/new", data={**NEW_ORDER, "items-0-sku": "x" * 65})
    assert response.status_code == 422
    assert _field_error(response.get_data(as_text=True), "items-0-sku") == \
        "Значення поля має містити не більше ніж 64 символи."
