"""The admin template editor's live preview and the customer's unread badge, in Chromium."""
import os

import pytest

from app import settings

pytestmark = pytest.mark.browser


def log_in(page, base, email):
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "correct-horse-battery")
    page.click("form button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the editor's preview; templates on both engines: test_notify
def test_template_editor_live_preview_and_rejection(live_server, browser, make_user, db, output_dir):
    make_user("admin", email="boss@example.com")
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))  # JavaScript errors
    log_in(page, live_server, "boss@example.com")
    page.goto(f"{live_server}/admin/notifications/templates/shipped/sms/en")
    page.fill("textarea[name=body]", "Parcel {{ order_number }} with {{ carrier }}")
    page.wait_for_selector("#template-preview :text('Parcel PS-100042 with Nova Poshta')", timeout=5000)
    assert "SMS segment" in page.inner_text("#template-preview")
    page.fill("textarea[name=body]", "Parcel {{ order_numbr }}")
    page.wait_for_selector("#template-preview .field-error", timeout=5000)
    page.click("form.card button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".flash-error").count() == 1
    page.screenshot(path=os.path.join(output_dir, "template-editor.png"), full_page=True)
    assert not errors
    context.close()


def test_customer_sees_the_unread_badge_and_the_centre(live_server, browser, make_user, make_order, db):
    settings.put("NOTIFY_MERGE_SECONDS", "0")
    db.session.commit()
    user = make_user("customer", email="olena@example.com")
    make_order(customer=user.customer, status="shipped")
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    log_in(page, live_server, "olena@example.com")
    page.goto(f"{live_server}/orders/")
    assert page.inner_text("#notify-badge .badge-count") == "3"
    page.click("#notify-badge")
    page.wait_for_load_state()
    assert page.locator(".notify-entry").count() == 3
    page.goto(f"{live_server}/orders/")
    assert page.locator("#notify-badge .badge-count").count() == 0
    context.close()
