"""The customer's order page in a real Chromium: the bar moves by itself when staff change the status."""
import os
import time
from datetime import timedelta

import pytest
from flask import request_finished

from app.clock import utcnow
from app.orders import lifecycle
from tests.conftest import write_transaction

pytestmark = pytest.mark.browser
POLL = 1


@pytest.fixture
def app_config():
    return {"POLL_SECONDS": POLL}


def _order(db, make_order, customer, status):
    order = make_order(customer=customer, status=status, items=[
        {"name": "Сукня льняна", "sku": "DR-104", "size": "M", "color": "синій", "quantity": 1, "price": "1450.00"},
        {"name": "Шарф кашеміровий", "sku": "SC-050", "size": None, "color": "бежевий", "quantity": 2, "price": "750.00"}])
    with write_transaction(db):
        order.shipments[0].scheduled_delivery_date = (utcnow() + timedelta(days=3)).date()
        db.session.commit()
    return order


def _log_in(page, base, email):
    from tests.conftest import PASSWORD

    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/orders/")


def test_progress_bar_moves_without_reload(app, db, make_user, make_order, client, login, live_server, browser,
                                           output_dir):
    from playwright.sync_api import expect

    customer = make_user("customer", name="Олена Коваль")
    staff = make_user("staff")
    order = _order(db, make_order, customer.customer, "awaiting_shipment")

    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="uk-UA")
    page = context.new_page()
    polls = []

    def answered(sender, response, **extra):
        from flask import request

        if request.path.endswith("/progress"):
            polls.append((response.status_code, request.headers.get("If-None-Match")))

    request_finished.connect(answered, app)
    _log_in(page, live_server, customer.email)
    page.goto(f"{live_server}/orders/{order.number}")
    current = page.locator("#tracking-progress .progress [aria-current=step]")
    expect(current).to_contain_text("Очікує відправки")
    expect(page.locator("#tracking-progress")).to_have_attribute("hx-trigger", f"every {POLL}s")
    page.evaluate("window.__sameDocument = true")
    page.wait_for_timeout(POLL * 2500)
    # the browser revalidates with the ETag it got; an unchanged order answers 304, unrendered
    assert any(status == 304 and etag for status, etag in polls), polls

    # the staff path: the staff form, as a staff user, against the same database
    login(staff.email)
    response = client.post(f"/admin/orders/{order.id}", data={
        "status": "shipped", "note": "Передано перевізнику", "version": order.version})
    assert response.status_code == 302
    changed_at = time.monotonic()

    expect(current).to_contain_text("Відправлено", timeout=(POLL + 4) * 1000)
    assert time.monotonic() - changed_at <= POLL + 4
    assert page.evaluate("window.__sameDocument") is True  # the page was not reloaded
    expect(page.locator("#tracking-progress .progress-summary")).to_have_text("Крок 3 з 5: Відправлено")
    expect(page.locator("#tracking-progress .timeline")).to_contain_text("Передано перевізнику")
    expect(page.locator(".confirm-receipt summary")).to_have_text("Замовлення отримано")
    expect(page.locator("#tracking-announcer")).to_have_text("Крок 3 з 5: Відправлено")

    page.screenshot(path=os.path.join(output_dir, "order-360.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=os.path.join(output_dir, "order-1280.png"), full_page=True)
    page.goto(f"{live_server}/orders/")
    page.screenshot(path=os.path.join(output_dir, "my-orders-1280.png"), full_page=True)
    page.set_viewport_size({"width": 360, "height": 780})
    page.screenshot(path=os.path.join(output_dir, "my-orders-360.png"), full_page=True)

    cancelled = make_order(customer=customer.customer, status="cancelled")
    page.goto(f"{live_server}/orders/{cancelled.number}")
    expect(page.locator(".end-cancelled")).to_be_visible()
    page.screenshot(path=os.path.join(output_dir, "cancelled-360.png"), full_page=True)

    waiting = _order(db, make_order, customer.customer, "in_transit")
    with write_transaction(db):
        lifecycle.set_flags(waiting, at_pickup_point=True)
        db.session.commit()
    page.goto(f"{live_server}/orders/{waiting.number}")
    expect(page.locator(".progress .step-current")).to_contain_text("У пункті видачі")
    page.screenshot(path=os.path.join(output_dir, "at-pickup-point-360.png"), full_page=True)
    context.close()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the snippet and iframe on another origin: one engine is enough
def test_widget_on_a_shops_own_page_and_public_pages(app, db, make_user, make_order, client, login, live_server,
                                                     browser, output_dir, httpserver):
    """A shop's page on another origin pastes the script snippet; the iframe shows the live bar."""
    from playwright.sync_api import expect

    from app.orders import links
    from app.tracking import branding
    from tests.conftest import PASSWORD
    from tests.test_tracking_widget import png_bytes

    customer = make_user("customer")
    order = _order(db, make_order, customer.customer, "shipped")
    with write_transaction(db):
        branding.save("#7a1f5c", "#fdf8f3", png_bytes(120, 32))
        widget_url = f"{live_server}/widget/{links.make_token(order)}"
        db.session.commit()
    shop_page = (f'<!doctype html><html lang="uk"><head><meta charset="utf-8"><meta name="viewport" '
                 f'content="width=device-width, initial-scale=1"><title>Моє замовлення</title></head>'
                 f'<body><h1>Дякуємо за покупку!</h1>'
                 f'<script src="{live_server}/widget/embed.js" data-posylka-widget="{widget_url}" data-lang="uk" async>'
                 f'</script></body></html>')
    httpserver.expect_request("/order").respond_with_data(shop_page, content_type="text/html; charset=utf-8")

    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="uk-UA")
    page = context.new_page()
    page.goto(httpserver.url_for("/order"))
    frame = page.frame_locator("iframe")
    expect(frame.locator("#tracking-progress .progress [aria-current=step]")).to_contain_text("Відправлено")
    expect(frame.locator(".widget-logo")).to_be_visible()
    # the iframe grows to its content (the script listens to the widget's height messages)
    page.wait_for_function("document.querySelector('iframe').getBoundingClientRect().height > 400")

    lifecycle_move(db, order, "in_transit")
    expect(frame.locator("#tracking-progress .progress [aria-current=step]")).to_contain_text(
        "Прямує до вас", timeout=(POLL + 4) * 1000)
    page.screenshot(path=os.path.join(output_dir, "widget-in-shop-360.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=os.path.join(output_dir, "widget-in-shop-1280.png"), full_page=True)

    page.goto(f"{live_server}/track")
    page.fill("input[name=number]", order.number)
    page.fill("input[name=contact]", customer.email)
    page.screenshot(path=os.path.join(output_dir, "track-1280.png"), full_page=True)
    page.click("main form button[type=submit]")
    expect(page.locator("#tracking-progress .progress [aria-current=step]")).to_contain_text("Прямує до вас")
    page.screenshot(path=os.path.join(output_dir, "signed-1280.png"), full_page=True)
    page.set_viewport_size({"width": 360, "height": 780})
    page.screenshot(path=os.path.join(output_dir, "signed-360.png"), full_page=True)
    page.goto(f"{live_server}/track")
    page.screenshot(path=os.path.join(output_dir, "track-360.png"), full_page=True)

    admin = make_user("admin")
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", admin.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.goto(f"{live_server}/admin/branding?order={order.number}")
    expect(page.locator("pre.snippet").first).to_contain_text("/widget/")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=os.path.join(output_dir, "admin-branding-1280.png"), full_page=True)
    context.close()


def lifecycle_move(db, order, status):
    with write_transaction(db):  # the live server writes too
        lifecycle.change_status(order, status, source="carrier", actor="nova_poshta")
        db.session.commit()


def _watching_a_shipped_order(db, make_user, make_order, live_server, browser):
    """A customer logged in on a phone-sized page of their shipped order: (user, order, context, page)."""
    from playwright.sync_api import expect

    customer = make_user("customer")
    order = _order(db, make_order, customer.customer, "shipped")
    context = browser.new_context(viewport={"width": 390, "height": 800}, locale="uk-UA")
    page = context.new_page()
    _log_in(page, live_server, customer.email)
    page.goto(f"{live_server}/orders/{order.number}")
    expect(page.locator("#tracking-progress")).to_be_visible()
    return customer, order, context, page


def test_logging_out_in_another_tab_sends_the_watching_tab_to_the_login_page(app, db, make_user, make_order,
                                                                              live_server, browser):
    """The watching tab's next poll is refused: the whole tab goes to the log-in page (and back to
    the order after logging in), instead of the log-in page appearing inside the progress block."""
    import re

    from playwright.sync_api import expect

    from tests.conftest import PASSWORD

    customer, order, context, watching = _watching_a_shipped_order(db, make_user, make_order, live_server, browser)

    other = context.new_page()
    other.goto(f"{live_server}/orders/")
    other.locator(".menu-button").click()  # on a phone "Log out" is in the folded menu
    with other.expect_navigation():  # logged out once the next page has loaded (the page is not
        other.locator("form[action='/logout'] button").click()  # closed mid-navigation)

    expect(watching).to_have_url(re.compile(r"/login\?next=%2Forders%2F" + re.escape(order.number) + "$"),
                                 timeout=(POLL + 4) * 1000)
    expect(watching.locator("input[name=email]")).to_have_count(1)  # the page's own form, nothing nested
    expect(watching.locator("#tracking-progress")).to_have_count(0)
    watching.fill("input[name=email]", customer.email)
    watching.fill("input[name=password]", PASSWORD)
    watching.click("form button[type=submit]")
    expect(watching).to_have_url(f"{live_server}/orders/{order.number}")
    context.close()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the page's own notice while polls fail: one engine is enough
def test_a_lost_connection_is_shown_and_cleared(app, db, make_user, make_order, live_server, browser):
    """While polls fail (no network, the server restarting) the page says it may be out of date;
    the next answer takes the notice away, and a change made meanwhile shows."""
    from playwright.sync_api import expect

    _, order, context, page = _watching_a_shipped_order(db, make_user, make_order, live_server, browser)

    page.route("**/progress", lambda route: route.abort("internetdisconnected"))
    notice = page.locator("#tracking-offline")
    expect(notice).to_have_text("Немає зв’язку із сервером магазину: дані на сторінці можуть бути застарілими. "
                                "Пробуємо ще раз…", timeout=(POLL + 4) * 1000)
    with write_transaction(db):
        lifecycle.change_status(order, "in_transit", source="staff", note="Поки сторінка була без зв'язку")
        db.session.commit()
    page.unroute("**/progress")
    expect(notice).to_have_count(0, timeout=(POLL + 4) * 1000)
    expect(page.locator("#tracking-progress .timeline")).to_contain_text("Поки сторінка була без зв'язку")
    context.close()
