"""The staff's new-order form in a real browser: one submit shows every field's error, each beside its field."""
import pytest
from playwright.sync_api import expect

from app.extensions import db as _db
from app.orders.models import Order
from tests.e2e.browsing import log_in, overflow

# a refused form as a person sees it (nothing is written); one engine is enough
pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]

ERRORS = {  # input id: the error a person reads beside it
    "customer_email": "Введіть правильну адресу e-mail.",
    "customer_phone": "Введіть номер телефону, наприклад +380 67 123 45 67.",
    "delivery_country": "Вкажіть двобуквений код країни, наприклад UA або PL.",
    "items-0-quantity": "Кількість має бути цілим числом від 1 до 10000.",
    "items-0-price": "Введіть ціну, наприклад 1450.00 або 1 450,00.",
    "cod_amount": "Сума накладеного платежу",
    "carrier": "Оберіть перевізника",
}

SAME_BOX = """([input, error]) => {
    const box = (id) => document.getElementById(id).closest(".field, .item-cell");
    return box(input) !== null && box(input) === box(error);
}"""


@pytest.mark.parametrize("width, height", [(1280, 900), (360, 780)])
def test_one_submit_shows_every_error_beside_its_field(app, db, make_user, live_server, browser, output_dir,
                                                       width, height):
    context, page = log_in(browser, live_server, make_user("staff").email, width, height)
    try:
        page.goto(f"{live_server}/admin/orders/new")
        page.fill("#customer_name", "Тест")
        page.fill("#customer_email", "not-an-email")
        page.fill("#customer_phone", "12ab")
        page.fill("#delivery_country", "ZZ")
        page.fill("#items-0-name", "Сукня")
        page.fill("#items-0-quantity", "999999")
        page.fill("#items-0-price", "-5")
        page.fill("#cod_amount", "abc")
        page.fill("#tracking_number", "123456")
        with page.expect_navigation():
            page.get_by_role("button", name="Створити замовлення").click()
        expect(page.locator(".flash-error")).to_contain_text("Перевірте виділені поля.")
        for field_id, message in ERRORS.items():
            field = page.locator(f"#{field_id}")
            error = page.locator(f"#{field_id}-error")
            expect(error).to_contain_text(message)
            expect(error).to_be_visible()
            expect(field).to_have_attribute("aria-invalid", "true")
            # beside its field: in the field's own box, just below the input (after its hint, if any)
            assert page.evaluate(SAME_BOX, [field_id, f"{field_id}-error"]), field_id
            box, under = field.bounding_box(), error.bounding_box()
            assert 0 <= under["y"] - (box["y"] + box["height"]) < 80, field_id
        expect(page.locator("#customer_phone")).to_have_value("12ab")  # what was typed stays to be corrected
        assert overflow(page) == 0
        page.screenshot(path=f"{output_dir}/new-order-errors-{width}.png", full_page=True)
        _db.session.rollback()
        assert _db.session.execute(_db.select(Order)).first() is None
    finally:
        context.close()
