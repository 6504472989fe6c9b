"""A member of staff changes the password the admin gave them, on a phone (the admin's form says to)."""
import os

import pytest
from playwright.sync_api import expect

from app.audit import AuditLog
from tests.conftest import PASSWORD
from tests.e2e.browsing import log_in

pytestmark = pytest.mark.browser
NEW = "ranok-na-poshti-2026"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the walk in a browser; one engine is enough
def test_staff_change_their_password_and_log_in_with_it(app, db, make_user, live_server, browser, output_dir):
    staff = make_user("staff")
    context, page = log_in(browser, live_server, staff.email, 360, 740)
    try:
        page.click("a.menu-button")
        page.click("#main-nav a[href='/account/devices']")
        form = page.locator("form#password")
        form.locator("input[name=current]").fill("not-my-password")
        form.locator("input[name=new]").fill(NEW)
        form.locator("input[name=again]").fill(NEW)
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        flash = page.locator(".flash", has_text="Перевірте виділені поля.")
        expect(flash).to_be_in_viewport()
        expect(form.locator(".field-error")).to_have_text("Неправильний пароль.")
        page.screenshot(path=os.path.join(output_dir, "wrong-current-360.png"), full_page=True)

        form.locator("input[name=current]").fill(PASSWORD)
        form.locator("input[name=new]").fill(NEW)
        form.locator("input[name=again]").fill(NEW + "!")
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        expect(form.locator(".field-error")).to_have_text("Паролі не збігаються.")

        form.locator("input[name=current]").fill(PASSWORD)
        form.locator("input[name=new]").fill(NEW)
        form.locator("input[name=again]").fill(NEW)
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        assert page.url.endswith("/login")
        expect(page.locator(".flash")).to_contain_text("Пароль змінено")
        page.screenshot(path=os.path.join(output_dir, "changed-360.png"))

        for password, lands in ((PASSWORD, "/login"), (NEW, "/admin/orders")):
            page.fill("input[name=email]", staff.email)
            page.fill("input[name=password]", password)
            with page.expect_navigation():
                page.click("main button[type=submit]")
            assert page.url.endswith(lands), (password, page.url)
    finally:
        context.close()
    db.session.rollback()
    assert db.session.query(AuditLog).filter_by(action="user.change_password", object_id=str(staff.id)).count() == 1
