"""The admin's notification pages in Chromium, as a Ukrainian admin reads them: the dev mailbox shows
a message's headers under their Ukrainian names with the names decoded (not "=?utf-8?b?…?=") and the
date as the list shows it, and a template's preview puts the sample order at that template's own
status. Screenshots in test-output/."""
import json
import os
from email.utils import parsedate_to_datetime

import pytest
from flask_babel import force_locale, format_datetime
from notify_servers import later, put_settings
from playwright.sync_api import expect
from test_notify import customer

from app.notify.dispatcher import dispatch
from app.notify.models import DevMail
from tests.e2e.browsing import log_in

# pages as an admin sees them; one engine is enough (the outbox and mailbox keep their tests in test_notify)
pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]

#: a header's name and its value as the page lists them
HEADERS = "dl => [...dl.querySelectorAll('dt')].map(dt => [dt.innerText, dt.nextElementSibling.innerText])"


def test_the_dev_mailbox_shows_names_not_encoded_words(app, notify, db, make_order, make_user, live_server, browser,
                                                       output_dir):
    put_settings(SHOP_NAME="Льон і Ко", MAIL_SENDER="shop@lon.example")  # a bare address: the shop's name shows
    order = make_order(customer=customer(db, name="Олена Коваль", email="olena@example.com"))
    assert dispatch(now=later()).sent >= 1
    mail = db.session.execute(db.select(DevMail)).scalars().one()
    assert "=?utf-8?" in mail.headers  # as the message carries them: what the page must not show
    with app.test_request_context(), force_locale("uk"):  # the shop's time zone, Ukrainian short form
        dated = format_datetime(parsedate_to_datetime(json.loads(mail.headers)["Date"]), "short")
    admin = make_user("admin")
    context, page = log_in(browser, live_server, admin.email, 1280, 800)
    try:
        page.goto(f"{live_server}/admin/notifications/mailbox")
        expect(page.locator("h1")).to_have_text("Тестова поштова скринька")
        subject = f"Льон і Ко: замовлення {order.number} — Нове"
        # the recipient's column is "Кому" (it read "До", the "until" of a date range)
        expect(page.locator("main table thead th")).to_have_text(["Коли", "Кому", "Тема"])
        row = page.locator("tr", has_text="olena@example.com")
        expect(row.get_by_role("link", name=subject)).to_be_visible()
        page.screenshot(path=os.path.join(output_dir, "mailbox-list-1280.png"))
        row.get_by_role("link", name=subject).click()

        expect(page.locator("h1")).to_have_text(subject)
        facts = page.locator(".card dl.facts")
        expect(facts).to_be_visible()
        shown = dict(facts.evaluate(HEADERS))
        assert shown["Тема"] == subject
        assert shown["Від кого"] == "Льон і Ко <shop@lon.example>"
        assert shown["Кому"] == "Олена <olena@example.com>"
        assert shown["Дата"] == dated  # as the list writes times, not "Mon, 07 Dec 2026 23:28:53 -0000"
        assert not {"Subject", "From", "To", "Date"} & shown.keys()
        expect(page.locator("main")).not_to_contain_text("=?utf-8?")
        expect(page.locator("pre.message-body")).to_contain_text("Вітаємо, Олена!")
        page.screenshot(path=os.path.join(output_dir, "mailbox-message-1280.png"), full_page=True)
    finally:
        context.close()


def test_a_templates_preview_is_at_that_templates_status(app, db, make_user, live_server, browser, output_dir):
    admin = make_user("admin")
    context, page = log_in(browser, live_server, admin.email, 1280, 900)
    try:
        page.goto(f"{live_server}/admin/notifications/templates/in_transit/email/uk")
        preview = page.locator("#template-preview")
        expect(preview).to_contain_text("Posylka: замовлення PS-100042 — Прямує до вас")

        page.goto(f"{live_server}/admin/notifications/templates/delivered/email/uk")
        preview = page.locator("#template-preview")
        expect(preview).to_contain_text("Posylka: замовлення PS-100042 — Доставлено")
        expect(preview).to_contain_text("Ваше замовлення PS-100042 доставлено. Дякуємо за покупку!")
        expect(preview).not_to_contain_text("Прямує до вас")
        page.screenshot(path=os.path.join(output_dir, "preview-delivered-1280.png"), full_page=True)

        # the live preview (htmx, as the admin types) takes the same status
        page.fill("input[name=subject]", "Статус: {{ status }} ({{ order_number }})")
        expect(preview.locator("strong")).to_have_text("Статус: Доставлено (PS-100042)")
        page.screenshot(path=os.path.join(output_dir, "preview-delivered-typed-1280.png"), full_page=True)
    finally:
        context.close()
