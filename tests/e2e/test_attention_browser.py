"""The Attention page in Chromium at 1280 px and 360 px: the problems, the staff menu's count, the
message to the customer, and its refusal when the order moved on while the page was open;
screenshots in test-output/."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.clock import utcnow
from tests.e2e.test_narrow_screen_browser import TOO_WIDE, _log_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # a page check; one engine is enough
def test_attention_page_on_a_wide_and_a_narrow_screen(app, db, make_user, make_order, live_server, browser,
                                                      output_dir):
    from app.attention import services
    from app.database import writing
    from app.orders import lifecycle

    now = utcnow()
    quiet = make_order(status="in_transit", delivery={"city": "Тернопіль", "region": "Тернопільська",
                                                      "pickup_point": "Відділення №3"})
    troubled = make_order(status="in_transit")
    with writing():
        quiet.status_changed_at = now - timedelta(days=6)
        lifecycle.set_flags(troubled, problem=True, problem_note="Невдала спроба доставки")
        services.scan(now)
        db.session.commit()
    admin = make_user("admin")

    for width in (1280, 360):
        context = browser.new_context(base_url=live_server, viewport={"width": width, "height": 900},
                                      locale="uk-UA")
        page = context.new_page()
        try:
            _log_in(page, admin.email)
            assert page.locator("[data-attention-count]").inner_text() == "2"  # in the staff menu on every page
            page.click("nav.admin-nav >> text=Увага")
            row = page.locator(f"tr:has-text('{quiet.number}')")
            assert "Немає сканування" in row.inner_text()
            assert "Перевізник повідомив про проблему" in page.locator(f"tr:has-text('{troubled.number}')").inner_text()
            page.screenshot(path=f"{output_dir}/attention-{width}.png", full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= width, page.evaluate(TOO_WIDE, width)
            if width == 1280:
                row.locator("button", has_text="Повідомити клієнта").click()
                page.wait_for_selector("text=поставлено в чергу")
                assert "Клієнтові повідомлено" in page.locator(f"tr:has-text('{quiet.number}')").inner_text()
                page.screenshot(path=f"{output_dir}/attention-told-{width}.png", full_page=True)
        finally:
            context.close()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_analytics_charts_with_their_tables_on_a_wide_and_a_narrow_screen(app, db, runner, make_user, live_server,
                                                                          browser, output_dir):
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    staff = make_user("staff")
    today = utcnow().date()
    path = f"/admin/analytics/?date_from={today - timedelta(days=365)}&date_to={today}"
    for width in (1280, 360):
        context = browser.new_context(base_url=live_server, viewport={"width": width, "height": 900},
                                      locale="uk-UA", accept_downloads=True)
        page = context.new_page()
        try:
            _log_in(page, staff.email)
            assert page.goto(path).status == 200
            stages = page.locator("#stages")
            assert stages.locator("svg").is_visible()
            table = stages.locator("table")
            assert not table.is_visible()  # one click away
            stages.locator("summary", has_text="Таблиця").click()
            assert table.is_visible() and "Прямує до вас" in table.inner_text()
            page.screenshot(path=f"{output_dir}/analytics-{width}.png", full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= width, page.evaluate(TOO_WIDE, width)
            with page.expect_download() as download:
                stages.locator("a", has_text="Завантажити CSV").click()
            assert download.value.suggested_filename.endswith("-stages.csv")
        finally:
            context.close()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_tell_the_customer_on_a_stale_page_sends_nothing_and_says_why(app, db, make_user, make_order, live_server,
                                                                      browser, output_dir):
    """The page was open while the orders moved on: one was delivered, the other's parcel was scanned.
    "Tell the customer" on either must not send "your parcel is late"; the staff member is told why."""
    from app.attention import services
    from app.attention.models import DeliveryException
    from app.database import writing
    from app.notify.models import Notification
    from app.orders import lifecycle
    from app.orders.models import CarrierEvent

    now = utcnow()
    delivered = make_order(status="in_transit")
    scanned = make_order(status="in_transit")
    with writing():
        delivered.status_changed_at = scanned.status_changed_at = now - timedelta(days=6)
        services.scan(now)
        db.session.commit()
    staff = make_user("staff")
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900}, locale="uk-UA")
    page = context.new_page()
    try:
        _log_in(page, staff.email)
        page.goto("/admin/attention/")
        rows = {order.number: page.locator(f"tr:has-text('{order.number}')") for order in (delivered, scanned)}
        for row in rows.values():
            assert "Немає сканування" in row.inner_text()
            assert row.locator("button", has_text="Повідомити клієнта").is_visible()

        db.session.rollback()  # no stale read snapshot (SQLite) left open by this thread
        with writing():  # meanwhile: the customer got one order, the carrier scanned the other's parcel
            lifecycle.change_status(delivered, "delivered", source="carrier")
            db.session.add(CarrierEvent(shipment=scanned.shipments[0], occurred_at=utcnow(),
                                        raw_code="5", raw_text="Відправлення прямує до міста Одеса"))
            db.session.commit()

        rows[delivered.number].locator("button", has_text="Повідомити клієнта").click()
        refusal = page.locator(".flash-error")
        expect(refusal).to_have_text("Цю проблему вже розв’язано або відхилено.")
        expect(page.locator(f"tr:has-text('{delivered.number}')")).to_have_count(0)
        page.screenshot(path=f"{output_dir}/attention-delivered-meanwhile-1280.png", full_page=True)

        rows[scanned.number].locator("button", has_text="Повідомити клієнта").click()
        expect(refusal).to_have_text("Відколи список склали, замовлення рушило далі: нічого не надіслано.")
        expect(page.locator(f"tr:has-text('{scanned.number}')")).to_have_count(0)
        expect(page.locator("main")).to_contain_text("Зараз нічого не потребує уваги.")
        expect(page.locator("[data-attention-count]")).to_have_count(0)
        page.screenshot(path=f"{output_dir}/attention-scanned-meanwhile-1280.png", full_page=True)
    finally:
        context.close()
    db.session.rollback()
    assert db.session.query(Notification).filter_by(kind="delay").count() == 0
    assert db.session.query(DeliveryException).filter(DeliveryException.notified_at.is_not(None)).count() == 0
