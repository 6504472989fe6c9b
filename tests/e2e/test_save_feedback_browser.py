"""An admin on a phone presses "Save": the top of the page, where it opens again, always says what
happened, even when the refused field is far below or nothing was changed."""
import os

import pytest
from playwright.sync_api import expect

from tests.e2e.browsing import log_in

# what a page says after a save, and where; one engine is enough
pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]


def _in_view(page, locator):
    box = locator.bounding_box()
    return box is not None and 0 <= box["y"] < page.viewport_size["height"]


def test_a_refused_setting_far_below_is_announced_at_the_top(app, db, make_user, live_server, browser, output_dir):
    admin = make_user("admin")
    context, page = log_in(browser, live_server, admin.email, 360, 740)
    try:
        page.goto(f"{live_server}/admin/settings")
        page.fill("input[name=RETENTION_MONTHS]", "0")
        with page.expect_navigation():
            page.locator("input[name=RETENTION_MONTHS]").press("Enter")
        flash = page.locator(".flash", has_text="Перевірте виділені поля.")
        expect(flash).to_be_visible()
        assert _in_view(page, flash)
        page.screenshot(path=os.path.join(output_dir, "settings-refused-360.png"))

        page.goto(f"{live_server}/admin/notifications/webhooks")
        page.fill("input[name=url]", "not an address")
        with page.expect_navigation():
            page.locator("input[name=url]").press("Enter")
        flash = page.locator(".flash", has_text="Перевірте виділені поля.")
        expect(flash).to_be_visible()
        assert _in_view(page, flash)
        page.screenshot(path=os.path.join(output_dir, "webhook-refused-360.png"))
    finally:
        context.close()


def test_saving_unchanged_webhook_secrets_says_nothing_changed(app, db, make_user, live_server, browser, output_dir):
    admin = make_user("admin")
    context, page = log_in(browser, live_server, admin.email, 360, 740)
    try:
        page.goto(f"{live_server}/admin/api-clients/")
        form = page.locator("form[action$='/api-clients/platforms']")
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        flash = page.locator(".flash", has_text="Нічого зберігати: жодне поле не змінено.")
        expect(flash).to_be_visible()
        assert _in_view(page, flash)
        page.screenshot(path=os.path.join(output_dir, "secrets-unchanged-360.png"))
    finally:
        context.close()
