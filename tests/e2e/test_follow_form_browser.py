"""The "Get the news about this order" form on the signed tracking link, on a phone, in two shops: one
that sends e-mail only (no SMS gateway: the form offers e-mail alone and says so to a phone number)
and one with an SMS gateway (the form offers e-mail or SMS, and a phone number is followed by SMS).
Screenshots in test-output/."""
import os

import pytest
from notify_servers import send_at_once
from playwright.sync_api import expect

from app.orders import links
from app.tracking.models import OrderFollower
from tests.conftest import write_transaction

# what the customer's page offers; one engine is enough (the follow rules: tests/test_tracking_follow.py)
pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]
PHONE = "067 555 44 33"


def _signed_page(db, make_order):
    send_at_once()
    order = make_order(status="shipped")
    with write_transaction(db):
        token = links.make_token(order)
        db.session.commit()
    return f"/t/{token}"


@pytest.mark.parametrize("app_config", [{"SMS_PROVIDER": ""}], ids=["email-only"])
def test_a_shop_without_an_sms_gateway_offers_e_mail_only(app, db, make_order, live_server, browser, output_dir):
    path = _signed_page(db, make_order)
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="uk-UA")
    page = context.new_page()
    try:
        page.goto(f"{live_server}{path}")
        form = page.locator("#follow")
        expect(form.get_by_role("heading")).to_have_text("Отримувати новини про це замовлення")
        expect(form.get_by_role("radio")).to_have_count(0)
        expect(form).not_to_contain_text("SMS")
        expect(form.get_by_label("E-mail", exact=True)).to_be_visible()
        form.scroll_into_view_if_needed()
        page.screenshot(path=os.path.join(output_dir, "follow-email-only-360.png"))

        form.get_by_label("E-mail", exact=True).fill(PHONE)
        form.get_by_role("checkbox").check()
        form.get_by_role("button", name="Стежити за замовленням").click()
        expect(page.locator(".flash-error")).to_have_text(
            "Цей магазин надсилає новини лише електронною поштою: введіть адресу e-mail.")
        expect(page.locator(".flash-error")).to_be_in_viewport()
        page.screenshot(path=os.path.join(output_dir, "follow-phone-refused-360.png"))
        db.session.rollback()
        assert db.session.query(OrderFollower).count() == 0
    finally:
        context.close()


@pytest.mark.parametrize("app_config", [{"SMS_PROVIDER": "turbosms"}], ids=["sms-gateway"])
def test_a_shop_with_an_sms_gateway_offers_e_mail_or_sms(app, db, make_order, live_server, browser, output_dir):
    path = _signed_page(db, make_order)
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="uk-UA")
    page = context.new_page()
    try:
        page.goto(f"{live_server}{path}")
        form = page.locator("#follow")
        how = form.get_by_role("group", name="Як")
        expect(how.get_by_role("radio")).to_have_count(2)
        expect(how.get_by_role("radio", name="E-mail")).to_be_checked()
        expect(how.get_by_role("radio", name="SMS")).to_be_visible()
        expect(form.get_by_label("Адреса e-mail або номер телефону")).to_be_visible()
        form.scroll_into_view_if_needed()
        page.screenshot(path=os.path.join(output_dir, "follow-email-or-sms-360.png"))

        how.get_by_role("radio", name="SMS").check()
        form.get_by_label("Адреса e-mail або номер телефону").fill(PHONE)
        form.get_by_role("checkbox").check()
        form.get_by_role("button", name="Стежити за замовленням").click()
        expect(page.locator(".flash-success")).to_contain_text("ви отримуватимете новини про це замовлення")
        expect(page.locator(".flash-success")).to_be_in_viewport()
        page.screenshot(path=os.path.join(output_dir, "follow-by-sms-done-360.png"))
        db.session.rollback()
        assert [(f.channel, f.address) for f in db.session.query(OrderFollower)] == [("sms", "+380675554433")]
    finally:
        context.close()
