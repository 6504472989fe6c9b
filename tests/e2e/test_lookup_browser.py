"""A customer without an account finds her order at /track on a phone, typing the number as people do."""
import os

import pytest
from playwright.sync_api import expect

from app.orders.models import Customer

pytestmark = pytest.mark.browser


def test_order_number_typed_with_a_space_is_found(app, db, make_order, live_server, browser, output_dir):
    customer = Customer(name="Олена Коваль", email="olena@example.com", phone="+380671234567")
    db.session.add(customer)
    order = make_order(customer=customer, status="shipped")
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="uk-UA")
    page = context.new_page()
    try:
        page.goto(f"{live_server}/track")
        page.fill("input[name=number]", "ps " + order.number.removeprefix("PS-"))  # "PS-" as "ps "
        page.fill("input[name=contact]", "067 123 45 67")
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        expect(page.locator("h1")).to_contain_text(order.number)
        expect(page.locator("main")).not_to_contain_text("Не вдалося знайти це замовлення")
        page.screenshot(path=os.path.join(output_dir, "found-360.png"))
    finally:
        context.close()


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True, "TRACK_LOOKUP_RATE_LIMIT": "3 per minute"}])
def test_parcels_found_by_their_number_are_not_throttled(app, db, make_order, live_server, browser, output_dir):
    """A shop's desk (or customers behind one mobile operator's address) looks up parcel after parcel:
    each one found is shown; before, every parcel shown counted as a failed look-up and the fourth
    got 'Too many attempts'."""
    numbers = [make_order(status="shipped").shipments[0].tracking_number for _ in range(5)]
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="uk-UA")
    page = context.new_page()
    try:
        for number in numbers:
            page.goto(f"{live_server}/track")
            page.fill("input[name=number]", " ".join([number[:4], number[4:8], number[8:]]))  # as printed
            with page.expect_navigation():
                page.click("main form button[type=submit]")
            expect(page.locator("h1")).to_contain_text(number)
        page.screenshot(path=os.path.join(output_dir, "fifth-parcel-360.png"))
    finally:
        context.close()


def test_a_waybill_typed_in_lower_case_or_with_cyrillic_letters_is_found(app, db, make_order, live_server, browser,
                                                                         output_dir):
    """'ra123456789ua', or 'RА123456789UА' with the Cyrillic А of a Ukrainian document, is the
    Ukrposhta parcel RA123456789UA; both were 'no parcel has this tracking number yet'."""
    make_order(status="shipped", carrier="ukrposhta", tracking_number="RA123456789UA")
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="uk-UA")
    page = context.new_page()
    try:
        for typed in ("ra123456789ua", "R\u0410123456789U\u0410"):
            page.goto(f"{live_server}/track")
            page.fill("input[name=number]", typed)
            with page.expect_navigation():
                page.click("main form button[type=submit]")
            expect(page.locator("h1")).to_contain_text("RA123456789UA")
        page.screenshot(path=os.path.join(output_dir, "ukrposhta-found-360.png"))
    finally:
        context.close()


def test_switching_language_on_a_parcel_keeps_the_parcel(app, db, make_order, live_server, browser, output_dir):
    """The parcel found by its number alone was an answer to a POST: the language buttons led back to
    the empty form, and the customer had to type the number again."""
    number = make_order(status="shipped").shipments[0].tracking_number
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="uk-UA")
    page = context.new_page()
    try:
        page.goto(f"{live_server}/track")
        page.fill("input[name=number]", number)
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        expect(page.locator("h1")).to_have_text(f"Посилка {number}")
        with page.expect_navigation():
            page.click(".language-form button[value=pl]")
        expect(page.locator("h1")).to_have_text(f"Paczka {number}")
        page.screenshot(path=os.path.join(output_dir, "parcel-in-polish-360.png"))
    finally:
        context.close()


def test_a_refused_return_request_shows_its_form_again(app, db, make_order, live_server, browser, output_dir):
    """The request form is folded until asked for; after a refusal the page came back with the error
    above a folded button, and the customer had to find and open the form again, empty: what they had
    chosen and written was gone. Now it is open, as they left it, and sends once mended."""
    from app.orders import links

    order = make_order(status="delivered")
    token = links.make_token(order)
    db.session.commit()
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="uk-UA")
    page = context.new_page()
    try:
        page.goto(f"{live_server}/t/{token}")
        page.click("#returns summary")
        page.check("#returns input[name=kind][value=return]")
        page.fill("#request-comment", "Тканина тонша, ніж на фото")
        with page.expect_navigation():
            page.click("#returns details.return-form button[type=submit]")  # no item chosen
        expect(page.locator("#returns .flash-error")).to_have_text("Виберіть хоча б один товар.")
        expect(page.locator("#returns .flash-error")).to_be_in_viewport()
        expect(page.locator("#returns details.return-form input[name=item]").first).to_be_visible()
        expect(page.locator("#request-comment")).to_have_value("Тканина тонша, ніж на фото")
        expect(page.locator("#returns input[name=kind][value=return]")).to_be_checked()
        page.screenshot(path=os.path.join(output_dir, "return-refused-360.png"))
        page.locator("#returns details.return-form input[name=item]").first.check()
        with page.expect_navigation():
            page.click("#returns details.return-form button[type=submit]")
        expect(page.locator("#returns .flash-success")).to_have_text("Ваш запит надіслано магазину.")
        expect(page.locator("#returns .return-case")).to_have_count(1)
        from app.returns.models import ReturnCase
        db.session.expire_all()
        assert db.session.execute(db.select(ReturnCase.comment)).scalar_one() == "Тканина тонша, ніж на фото"
    finally:
        context.close()
