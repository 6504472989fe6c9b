"""The "carrier statuses are not being checked" banner on the staff pages, in Chromium: no scheduler
runs in the tests, so parcels of a live carrier without its key wait past their check. Staff see how
many and since when; an admin also sees the way to the carriers page; a carrier switched off is no
alarm. Screenshots in test-output/."""
import os
from datetime import timedelta

import pytest
from flask_babel import force_locale, format_datetime
from playwright.sync_api import expect

from app import settings
from app.clock import utcnow
from tests.conftest import write_transaction
from tests.e2e.browsing import log_in

# what a staff page shows; one engine is enough (the query: tests/test_carrier_runs.py)
pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]
BANNER = ".late-checks"
CARRIERS_LINK = "Що відповів кожен перевізник"


def _since_as_shown(app, moment):
    """``moment`` as the banner writes it (the shop's time zone, Ukrainian short form)."""
    with app.test_request_context(), force_locale("uk"):
        return format_datetime(moment, "short")


def test_staff_see_parcels_waiting_past_their_check_until_the_carrier_is_switched_off(
        app, db, make_order, make_user, live_server, browser, output_dir):
    with write_transaction(db):
        settings.put("NOVAPOSHTA_MODE", "live")  # switched on, its key never given
        settings.put("UKRPOSHTA_MODE", "simulated")
        db.session.commit()
    first = make_order(status="shipped", carrier="nova_poshta", tracking_number="20400048799001")
    second = make_order(status="in_transit", carrier="nova_poshta", tracking_number="20400048799002")
    on_time = make_order(status="shipped", carrier="ukrposhta", tracking_number="0500123456789")
    earliest = (utcnow() - timedelta(hours=3)).replace(microsecond=0)
    with write_transaction(db):
        first.shipments[0].next_sync_at = earliest
        second.shipments[0].next_sync_at = earliest + timedelta(hours=1)
        on_time.shipments[0].next_sync_at = utcnow() - timedelta(minutes=5)  # a tick late: a busy machine
        db.session.commit()
    since = _since_as_shown(app, earliest)
    staff, admin = make_user("staff"), make_user("admin")

    context, page = log_in(browser, live_server, staff.email, 1280, 800)
    try:
        banner = page.locator(BANNER)
        expect(banner).to_be_visible()
        expect(banner).to_contain_text(
            f"Статуси перевізників не перевіряються: 2 посилки чекають на перевірку з {since}.")
        expect(banner).to_contain_text("Статуси змінюються, лише поки Posylka працює зі своїм планувальником")
        expect(banner.get_by_role("link")).to_have_count(0)  # the carriers page is the admin's
        page.goto(f"{live_server}/admin/attention/")  # every staff page, not only the orders list
        expect(page.locator(BANNER)).to_contain_text("2 посилки чекають")
        page.goto(f"{live_server}/admin/orders")
        page.screenshot(path=os.path.join(output_dir, "late-checks-staff-1280.png"))
    finally:
        context.close()

    context, page = log_in(browser, live_server, admin.email, 360, 740)
    try:
        link = page.locator(BANNER).get_by_role("link", name=CARRIERS_LINK)
        expect(link).to_be_visible()
        page.screenshot(path=os.path.join(output_dir, "late-checks-admin-360.png"), full_page=True)
        link.click()
        expect(page.locator("h1")).to_contain_text("Перевізники")
        assert page.url == f"{live_server}/admin/carriers/"

        with write_transaction(db):
            settings.put("NOVAPOSHTA_MODE", "off")  # the shop moves these parcels by hand
            db.session.commit()
        page.goto(f"{live_server}/admin/orders")
        expect(page.locator("nav.admin-nav")).to_be_visible()
        expect(page.locator(BANNER)).to_have_count(0)
        expect(page.locator("main")).not_to_contain_text("не перевіряються")
        page.screenshot(path=os.path.join(output_dir, "late-checks-carrier-off-360.png"), full_page=True)
    finally:
        context.close()
