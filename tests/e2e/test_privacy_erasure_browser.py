"""What people see around erasure and following an order, in real Chromium: the audit log after a customer
erased their account, and the mail someone following a customer's order receives."""
import os
import re
from datetime import timedelta

import pytest

from app.clock import utcnow
from app.orders import lifecycle, links
from tests.conftest import PASSWORD
from tests.e2e.browsing import log_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the rows themselves on both engines: test_privacy
def test_after_a_customer_erases_the_account_the_audit_log_names_nobody(app, db, make_user, make_order,
                                                                          live_server, browser, output_dir):
    from playwright.sync_api import expect

    from app import settings

    settings.put("NOTIFY_QUIET_HOURS", "-")
    admin = make_user("admin")
    context, page = log_in(browser, live_server, admin.email, 1280, 900)
    page.goto(f"{live_server}/admin/users")
    form = page.locator("main form:has(input[name=password])")
    form.locator("[name=email]").fill("jan.kowalski@example.pl")
    form.locator("[name=name]").fill("Jan Kowalski")
    form.locator("[name=role]").select_option("customer")
    form.locator("[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    page.screenshot(path=os.path.join(output_dir, "user-made.png"), full_page=True)
    expect(page.locator("main")).to_contain_text("Користувача jan.kowalski@example.pl створено.")

    from app.auth.models import User

    db.session.rollback()  # a fresh read: the account was made by the served app
    account = db.session.query(User).filter_by(email="jan.kowalski@example.pl").one()
    order = make_order(customer=account.customer, status="in_transit")
    lifecycle.change_status(order, "delivered", source="staff", actor_user=admin)
    db.session.commit()

    # the customer, in Polish on a phone, erases the account
    jan, mine = log_in(browser, live_server, "jan.kowalski@example.pl", 360, 740)
    mine.goto(f"{live_server}/account/privacy")
    with mine.expect_navigation():
        mine.get_by_role("button", name="Polski").click()
    mine.fill("input[name=password]", PASSWORD)
    mine.check("input[name=confirm]")
    mine.get_by_role("button", name="Usuń moje konto").click()
    expect(mine.locator("body")).to_contain_text("Twoje konto i dane osobowe zostały usunięte.")
    jan.close()

    page.goto(f"{live_server}/admin/audit")
    log = page.locator("main")
    expect(log).to_contain_text(f"Змінено статус замовлення {order.number}")
    expect(log).to_contain_text("Створено обліковий запис")
    expect(log).to_contain_text("Стерто персональні дані клієнта")
    text = log.inner_text()
    assert "jan.kowalski" not in text and "Kowalski" not in text and "«»" not in text
    page.screenshot(path=os.path.join(output_dir, "audit-after-erasure.png"), full_page=True)

    # the e-mail about the delivery still waited in the queue: it is not sent to the erased address
    from app.notify.dispatcher import dispatch

    dispatch(now=utcnow() + timedelta(hours=1))
    page.goto(f"{live_server}/admin/notifications/orders/{order.id}")
    row = page.locator("main tr", has_text="E-mail")
    expect(row).to_contain_text("Пропущено")
    expect(row).to_contain_text("Персональні дані клієнта стерто до надсилання.")
    page.screenshot(path=os.path.join(output_dir, "messages-after-erasure.png"), full_page=True)
    context.close()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_someone_following_an_order_gets_the_mail_in_their_language_without_the_customers_name(
        app, db, make_order, make_user, live_server, browser, output_dir):
    from playwright.sync_api import expect

    from app import settings
    from app.notify.dispatcher import dispatch
    from app.orders.models import Customer

    settings.put("NOTIFY_QUIET_HOURS", "-")
    customer = Customer(name="Jan Kowalski", email="jan@example.pl", phone="+48512345678", language="ru")
    db.session.add(customer)
    db.session.commit()
    order = make_order(customer=customer, status="shipped")
    token = links.make_token(order)
    db.session.commit()

    guest = browser.new_context(viewport={"width": 360, "height": 740}, locale="pl-PL")
    page = guest.new_page()
    page.goto(f"{live_server}/t/{token}")
    follow = page.locator("form[action*='/follow']")
    follow.locator("[name=address]").fill("anna@example.pl")
    follow.locator("[name=consent]").check()
    follow.get_by_role("button", name="Śledź to zamówienie").click()
    expect(page.locator("main")).to_contain_text("Gotowe: będziesz dostawać wiadomości o tym zamówieniu.")
    guest.close()

    lifecycle.change_status(order, "in_transit", source="staff")
    db.session.commit()
    dispatch(now=utcnow() + timedelta(hours=1))

    admin = make_user("admin")
    context, mailbox = log_in(browser, live_server, admin.email, 1280, 900)
    mailbox.goto(f"{live_server}/admin/notifications/mailbox")
    mailbox.locator("main tr", has_text="anna@example.pl").locator("a").first.click()
    mail = mailbox.locator("main")
    expect(mail).to_contain_text("Dzień dobry!")
    expect(mail).to_contain_text(re.compile(r"Posylka: zamówienie \S+ — W drodze do Ciebie"))
    assert "Jan" not in mail.inner_text()
    mailbox.screenshot(path=os.path.join(output_dir, "follower-mail.png"), full_page=True)
    context.close()
