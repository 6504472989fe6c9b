"""A customer who forgot her password sets a new one from the e-mail, on a phone: the link on the
log-in page, the e-mail (over a real local SMTP server, through the outbox), the new-password form."""
import os
import re

import pytest
from notify_servers import SmtpServer, later, put_settings
from playwright.sync_api import expect

from app.notify.dispatcher import dispatch
from tests.conftest import PASSWORD
from tests.e2e.browsing import overflow

pytestmark = pytest.mark.browser
NEW = "kavovyi-ranok-2026"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the walk on a phone; the reset on both engines: test_password_reset
def test_a_customer_sets_a_new_password_from_the_e_mail_on_a_phone(app, db, make_user, make_order, live_server,
                                                                   browser, output_dir):
    customer = make_user("customer", name="Олена Коваль")
    order = make_order(customer=customer.customer, status="shipped")
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="uk-UA")
    page = context.new_page()
    try:
        with SmtpServer() as smtp:
            put_settings(SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp.port), PUBLIC_URL=live_server,
                         NOTIFY_QUIET_HOURS="-")
            page.goto(f"{live_server}/login")
            page.get_by_role("link", name="Забули пароль?").click()
            expect(page.locator("h1")).to_have_text("Забули пароль?")
            page.fill("input[name=email]", customer.email)
            page.screenshot(path=os.path.join(output_dir, "1-forgot-360.png"))
            with page.expect_navigation():
                page.click("main button[type=submit]")
            expect(page.locator("h1")).to_have_text("Перевірте пошту")
            expect(page.locator("main")).to_contain_text("Якщо для цього e-mail є обліковий запис")
            assert overflow(page) == 0
            page.screenshot(path=os.path.join(output_dir, "2-check-your-mail-360.png"))

            assert dispatch(now=later()).sent == 1 and smtp.wait_for(1)
        mail = smtp.messages[0]
        assert mail["Subject"] == "Новий пароль для Posylka"
        link = re.search(r"http://\S+/password/reset/\S+", mail.get_body(("plain",)).get_content()).group(0)

        page.goto(link)
        expect(page.locator("h1")).to_have_text("Виберіть новий пароль")
        page.fill("input[name=new]", "korotkyi")
        page.fill("input[name=again]", "korotkyi")
        with page.expect_navigation():
            page.click("main button[type=submit]")
        expect(page.locator(".field-error")).to_contain_text("12")
        page.screenshot(path=os.path.join(output_dir, "3-too-short-360.png"), full_page=True)
        page.fill("input[name=new]", NEW)
        page.fill("input[name=again]", NEW)
        with page.expect_navigation():
            page.click("main button[type=submit]")
        assert page.url.endswith("/login")
        expect(page.locator(".flash")).to_contain_text("Новий пароль збережено")
        page.screenshot(path=os.path.join(output_dir, "4-password-set-360.png"))

        for password, lands in ((PASSWORD, "/login"), (NEW, "/orders/")):
            page.fill("input[name=email]", customer.email)
            page.fill("input[name=password]", password)
            with page.expect_navigation():
                page.click("main form button[type=submit]")
            assert page.url.endswith(lands), (password, page.url)
        expect(page.locator("main")).to_contain_text(order.number)
        page.screenshot(path=os.path.join(output_dir, "5-my-orders-360.png"))

        page.goto(link)  # the link worked once
        expect(page.locator("h1")).to_have_text("Посилання більше не дійсне")
        expect(page.get_by_role("link", name="Попросити нове посилання")).to_be_visible()
        assert overflow(page) == 0
        page.screenshot(path=os.path.join(output_dir, "6-link-used-360.png"))
    finally:
        context.close()
