""""Keep me logged in" in real Chromium contexts: the remember-me cookie is a device's server-side log-in,
so it dies with log-out and with "log out this device", wherever a copy of it is."""
import os

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
REMEMBER = "remember_token"


def _log_in_remembered(context, base, email):
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.check("input[name=remember]")
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/orders/")
    return page


def _remember_cookie(context):
    return next(cookie for cookie in context.cookies() if cookie["name"] == REMEMBER)


def _only(context, cookie):
    """The context keeps nothing but ``cookie`` (its own session cookie is gone, as after a restart)."""
    context.clear_cookies()
    context.add_cookies([cookie])


def _lands_on_login(context, base):
    page = context.new_page()
    page.goto(f"{base}/orders/")
    url = page.url
    page.close()
    return "/login" in url


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # what the browser keeps; the session rows on both engines: test_security
def test_the_remember_cookie_dies_with_log_out(app, db, make_user, live_server, browser, output_dir):
    user = make_user("customer")
    laptop, copy = browser.new_context(locale="en-US"), browser.new_context(locale="en-US")
    page = _log_in_remembered(laptop, live_server, user.email)
    remembered = _remember_cookie(laptop)
    _only(copy, remembered)  # a second browser with a copy of the cookie
    assert not _lands_on_login(copy, live_server)  # the cookie is a log-in: that is what it is for

    page.click("header form[action='/logout'] button")
    page.wait_for_url(f"{live_server}/")
    page.screenshot(path=os.path.join(output_dir, "logged-out.png"))
    _only(copy, remembered)
    assert _lands_on_login(copy, live_server)
    laptop.close()
    copy.close()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # what the browser keeps; the session rows on both engines: test_security
def test_log_out_this_device_from_the_account_page(app, db, make_user, live_server, browser, output_dir):
    from playwright.sync_api import expect

    user = make_user("customer")
    phone, laptop = browser.new_context(locale="en-US"), browser.new_context(locale="en-US")
    _log_in_remembered(phone, live_server, user.email)
    page = _log_in_remembered(laptop, live_server, user.email)
    phone_cookie = _remember_cookie(phone)
    page.goto(f"{live_server}/account/devices")
    rows = page.locator("table.devices tbody tr")
    expect(rows).to_have_count(2)
    page.screenshot(path=os.path.join(output_dir, "devices.png"))
    other = rows.filter(has_not_text="(this device)")
    other.get_by_role("button", name="Log out this device").click()
    expect(page.locator("table.devices tbody tr")).to_have_count(1)
    _only(phone, phone_cookie)
    assert _lands_on_login(phone, live_server)
    assert not _lands_on_login(laptop, live_server)
    phone.close()
    laptop.close()
