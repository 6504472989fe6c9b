"""A customer corrects their own phone on "My data", on a phone-sized screen, in real Chromium."""
import os

import pytest

from tests.e2e.browsing import log_in, overflow

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the rows themselves on both engines: test_rectify
def test_customer_corrects_their_phone_at_360px(app, db, make_user, live_server, browser, output_dir):
    from playwright.sync_api import expect

    user = make_user("customer", name="Олена Коваль")
    context, page = log_in(browser, live_server, user.email, 360, 740)
    page.goto(f"{live_server}/account/privacy")
    details = page.locator("#details")
    expect(details.get_by_role("heading")).to_have_text("Ваші дані")
    expect(details.locator("#login-email")).to_have_value(user.email)
    expect(details.locator("#login-email")).to_have_attribute("readonly", "")

    details.get_by_label("Телефон").fill("12ab")
    details.get_by_role("button", name="Зберегти мої дані").click()
    expect(details.locator("#phone")).to_have_value("12ab")  # what was typed is kept
    expect(details.locator(".field-error")).to_contain_text("+380 67 123 45 67")
    page.screenshot(path=os.path.join(output_dir, "rectify-360-refused.png"), full_page=True)

    details.get_by_label("Телефон").fill("+380 67 765 43 21")
    details.get_by_role("button", name="Зберегти мої дані").click()
    expect(page.locator("body")).to_contain_text("Ваші дані збережено.")
    expect(page.locator("#details #phone")).to_have_value("+380 67 765 43 21")
    assert overflow(page) == 0
    page.locator("#details").scroll_into_view_if_needed()
    page.screenshot(path=os.path.join(output_dir, "rectify-360.png"), full_page=True)
    context.close()
