"""Returns and exchanges in a real Chromium (issue 21).

1. A partial refusal at the Nova Poshta branch (the carrier's answers replayed from a local server,
   tests/fixtures/returns/nova_poshta_partial_return.json): the customer's page shows which items
   were kept and which refused, and the return parcel on its way back, until it reaches the shop.
2. A customer-initiated size exchange: the request on the order page, the staff's approval with a
   message, the return waybill, the replacement order delivered, both pages linking each other.
"""
import os
import re

import pytest

from app.carriers.sync import sync_all
from app.orders import lifecycle
from app.orders.models import Order
from app.orders.services import add_shipment
from app.returns.models import ReturnCase
from tests.conftest import PASSWORD, write_transaction
from tests.e2e.test_tracking_browser import _log_in
from tests.test_returns_analytics import data_set  # noqa: F401
from tests.test_returns_carrier import ORIGINAL, PARTIAL, RETURN_NUMBER, np_replay  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    return {"CARRIER_RETRIES": 0, "CARRIER_TIMEOUT_SECONDS": 2}


def _sync(app, db):
    sync_all(app, trigger="test", force=True)
    db.session.commit()
    db.session.expire_all()


def _staff_log_in(page, base, email):
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/admin/**")


def test_a_partial_refusal_at_the_branch_walks_to_item_outcomes_and_a_tracked_return(
        app, db, make_user, make_order, np_replay, live_server, browser, output_dir):  # noqa: F811
    from playwright.sync_api import expect

    customer = make_user("customer", name="Олена Коваль")
    order = make_order(customer=customer.customer, status="shipped", carrier="nova_poshta",
                       tracking_number=ORIGINAL, items=PARTIAL["order"]["items"])
    np_replay.play("at_branch")
    _sync(app, db)

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="uk-UA")
    page = context.new_page()
    _log_in(page, live_server, customer.email)
    page.goto(f"{live_server}/orders/{order.number}")
    expect(page.locator("#returns")).to_have_count(0)  # nothing to say yet

    np_replay.play("partial_refusal")  # took the M dress and the shirt, refused the L dress
    _sync(app, db)  # the outcomes, and the carrier's return waybill joins the parcels the sync follows
    _sync(app, db)  # the next sync asks about the return parcel too
    page.goto(f"{live_server}/orders/{order.number}")
    section = page.locator("#returns")
    expect(section.locator('[data-item="DR-104-M"] .outcome')).to_have_text("Залишено")
    expect(section.locator('[data-item="DR-104-L"] .outcome')).to_have_text("Відмова у пункті видачі")
    expect(section.locator('[data-item="SH-210-M"] .outcome')).to_have_text("Залишено")
    # kept: the M dress and the shirt (1450 + 890); back: the L dress (1450)
    expect(section.locator(".returns-totals")).to_contain_text(re.compile(r"залишаєте товари на 2\s340,00.*товари на 1\s450,00"))
    parcel = section.locator(".return-parcel")
    expect(parcel).to_contain_text("Ваше повернення прямує до магазину — прибуде")
    expect(parcel).to_contain_text(RETURN_NUMBER)
    expect(page.locator("#tracking-progress .progress-summary")).to_contain_text("Доставлено")  # not "returned"
    section.scroll_into_view_if_needed()
    page.screenshot(path=os.path.join(output_dir, "partial-refusal-return-on-its-way-390.png"), full_page=True)

    np_replay.play("back_at_shop")
    _sync(app, db)
    page.goto(f"{live_server}/orders/{order.number}")
    expect(section.locator(".return-parcel")).to_contain_text("Ваше повернення надійшло до магазину.")
    expect(section.locator(".case-state")).to_have_text("Повернулося до магазину")
    page.screenshot(path=os.path.join(output_dir, "partial-refusal-return-arrived-390.png"), full_page=True)
    context.close()


def test_a_customer_size_exchange_from_request_to_the_replacement_delivered(
        app, db, make_user, make_order, np_replay, live_server, browser, output_dir):  # noqa: F811
    from playwright.sync_api import expect

    customer = make_user("customer", name="Олена Коваль")
    staff = make_user("staff")
    items = [PARTIAL["order"]["items"][0], PARTIAL["order"]["items"][2]]  # DR-104 M, SH-210 M
    order = make_order(customer=customer.customer, status="delivered", tracking_number="20450000005001", items=items)

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="uk-UA")
    page = context.new_page()
    _log_in(page, live_server, customer.email)
    page.goto(f"{live_server}/orders/{order.number}")
    section = page.locator("#returns")
    section.locator("summary", has_text="Повернути або обміняти товари").click()
    dress = db.session.get(Order, order.id).items[0]
    db.session.commit()  # no read transaction left open while the server writes
    section.locator(f'input[name=item][value="{dress.id}"]').check()
    section.locator(f"select[name=size_{dress.id}]").select_option("L")
    section.locator("select[name=reason]").select_option("wrong_size")
    page.screenshot(path=os.path.join(output_dir, "exchange-request-form-390.png"), full_page=True)
    section.locator("button", has_text="Надіслати запит").click()
    expect(page.locator(".flash, [role=status], [role=alert]").first).to_contain_text("Ваш запит надіслано магазину.")
    expect(section.locator(".case-state")).to_have_text("Чекає на відповідь магазину")

    staff_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="uk-UA")
    desk = staff_context.new_page()
    _staff_log_in(desk, live_server, staff.email)
    desk.goto(f"{live_server}/admin/returns")
    desk.locator("a", has_text=order.number).click()
    desk.fill("textarea[name=message]", "Розмір L уже відкладено. Надішліть, будь ласка, сукню M назад.")
    desk.locator("button", has_text="Погодити").click()
    expect(desk.locator(".case-state")).to_have_text("Погоджено")
    desk.screenshot(path=os.path.join(output_dir, "exchange-staff-approved-1280.png"), full_page=True)
    db.session.commit()  # a new read transaction sees what the server wrote
    replacement = db.session.execute(db.select(ReturnCase)).scalar_one().replacement
    assert [(i.sku, i.size) for i in replacement.items] == [("DR-104", "L")]

    page.goto(f"{live_server}/orders/{order.number}")
    expect(section.locator(".staff-message")).to_contain_text("Розмір L уже відкладено")
    expect(section.locator(".returns-link a")).to_have_text(replacement.number)
    section.locator("input[name=number]").fill(RETURN_NUMBER)
    section.locator("button", has_text="Зберегти накладну").click()
    expect(section.locator(".return-parcel")).to_contain_text(RETURN_NUMBER)

    # the shop sends the replacement as any order; the carrier brings the dress back and the new one out
    with write_transaction(db):
        new = db.session.get(Order, replacement.id)
        lifecycle.change_status(new, "awaiting_shipment", source="staff")
        add_shipment(new, "nova_poshta", "20450000005002")
        lifecycle.change_status(new, "shipped", source="staff")
        db.session.commit()
    np_replay.current.update({
        RETURN_NUMBER: {"StatusCode": "9", "Status": "Відправлення отримано", "DateScan": "2026-12-06 11:00:00"},
        "20450000005002": {"StatusCode": "9", "Status": "Відправлення отримано", "DateScan": "2026-12-06 12:00:00"},
    })
    _sync(app, db)
    page.goto(f"{live_server}/orders/{order.number}")
    expect(section.locator(".return-parcel")).to_contain_text("Ваше повернення надійшло до магазину.")
    expect(section.locator('[data-item="DR-104-M"] .outcome')).to_have_text("Обміняно")
    page.screenshot(path=os.path.join(output_dir, "exchange-original-390.png"), full_page=True)
    section.locator(".returns-link a").click()
    page.wait_for_url(f"{live_server}/orders/{replacement.number}")
    expect(page.locator("#tracking-progress .progress-summary")).to_contain_text("Доставлено")
    expect(page.locator("#returns .returns-link a")).to_have_text(order.number)
    page.screenshot(path=os.path.join(output_dir, "exchange-replacement-delivered-390.png"), full_page=True)
    staff_context.close()
    context.close()


def test_the_monthly_report_shows_return_rates_and_refusals(app, db, make_user, data_set, live_server, browser,  # noqa: F811
                                                            output_dir):
    from playwright.sync_api import expect

    staff = make_user("staff")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="uk-UA")
    page = context.new_page()
    _staff_log_in(page, live_server, staff.email)
    page.goto(f"{live_server}/admin/analytics/monthly?month=2026-11")
    row = page.locator('#rates-product-size tr[data-key="DR-104 M"] td')
    expect(row).to_have_text(["4", "2", "50,0%", "1", "25,0%", re.compile("Не підійшов розмір \\(2\\)")])
    expect(page.locator('#refusals-carrier tr[data-key="meest"] td').last).to_have_text("100,0%")
    page.locator("#returns-by-item").scroll_into_view_if_needed()
    page.screenshot(path=os.path.join(output_dir, "monthly-returns-1280.png"), full_page=True)
    page.locator("#returns-by-item").screenshot(path=os.path.join(output_dir, "monthly-returns-section-1280.png"))
    page.locator("#refusals").screenshot(path=os.path.join(output_dir, "monthly-refusals-section-1280.png"))
    context.close()
