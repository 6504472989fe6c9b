"""Refused htmx forms in a real browser: the person sees why, in the form, in their language.

htmx drops non-2xx answers by default; ``static/js/forms.js`` is the one mechanism that shows them.
"""
import pytest
from playwright.sync_api import expect

from app.extensions import db as _db
from app.orders.models import Order
from tests.conftest import PASSWORD

# how forms.js shows a refusal in the form; the refusals themselves are tested on both engines
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}  # as in production: the expired-form test needs it


def _staff_page(browser, live_server, staff):
    context = browser.new_context(locale="uk-UA")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", staff.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    return context, page


def _status_of(app, order_id):
    _db.session.rollback()
    return _db.session.get(Order, order_id).status


def test_return_without_reason_is_refused_in_the_form(app, db, make_order, make_user, live_server, browser):
    order = make_order(status="delivered")
    context, page = _staff_page(browser, live_server, make_user("staff"))
    try:
        page.goto(f"{live_server}/admin/orders/{order.id}")
        form = page.locator("#status-card form")
        expect(form.locator("select[name=status]")).to_have_value("")  # nothing pre-selected
        form.locator("select[name=status]").select_option("returned")
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            form.locator("button[type=submit]").click()
        assert answer.value.status == 409
        area = page.locator("#status-card [data-form-errors]")
        expect(area).to_contain_text("Оберіть причину повернення")  # Ukrainian, inside the form
        expect(area).to_be_visible()
        assert _status_of(app, order.id) == "delivered"
    finally:
        context.close()


def test_stale_form_from_another_tab_is_refused_in_the_form(app, db, make_order, make_user, live_server, browser):
    order = make_order(status="new")
    context, page = _staff_page(browser, live_server, make_user("staff"))
    try:
        page.goto(f"{live_server}/admin/orders/{order.id}")
        other = context.new_page()
        other.goto(f"{live_server}/admin/orders/{order.id}")
        other.locator("#status-card select[name=status]").select_option("awaiting_shipment")
        with other.expect_navigation():
            other.locator("#status-card button[type=submit]").click()
        assert _status_of(app, order.id) == "awaiting_shipment"
        # the first tab still shows the old form
        page.locator("#status-card select[name=status]").select_option("cancelled")
        page.locator("#status-card textarea[name=note]").fill("Клієнт передумав")
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.locator("#status-card button[type=submit]").click()
        assert answer.value.status == 409
        expect(page.locator("#status-card [data-form-errors]")).to_contain_text("змінив хтось інший")
        assert _status_of(app, order.id) == "awaiting_shipment"
    finally:
        context.close()


def test_expired_form_shows_the_generic_refusal_in_the_form(app, db, make_order, make_user, live_server, browser):
    """An answer that is not the form's own fragment (here the CSRF refusal) still lands in the form."""
    order = make_order(status="new")
    context, page = _staff_page(browser, live_server, make_user("staff"))
    try:
        page.goto(f"{live_server}/admin/orders/{order.id}")
        page.locator("#status-card input[name=csrf_token]").evaluate("el => el.value = 'expired'")
        page.locator("body").evaluate("""b => b.setAttribute('hx-headers', '{"X-CSRFToken": "expired"}')""")
        page.locator("#status-card select[name=status]").select_option("awaiting_shipment")
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.locator("#status-card button[type=submit]").click()
        assert answer.value.status == 400
        expect(page.locator("#status-card [data-form-errors]")).to_contain_text("Форма застаріла")
        assert _status_of(app, order.id) == "new"
    finally:
        context.close()


def test_shipping_without_a_parcel_asks_for_the_number_or_an_explicit_choice(app, db, make_order, make_user,
                                                                             live_server, browser):
    from datetime import timedelta

    from app.clock import utcnow
    from app.notify.dispatcher import dispatch
    from app.notify.models import DevMail

    bare = make_order(status="awaiting_shipment", tracking_number=False)
    other = make_order(status="awaiting_shipment", tracking_number=False)
    context, page = _staff_page(browser, live_server, make_user("staff"))
    try:
        page.goto(f"{live_server}/admin/orders/{bare.id}")
        card = page.locator("#status-card")
        card.locator("select[name=status]").select_option("shipped")
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            card.locator("button[type=submit]").click()
        assert answer.value.status == 409
        expect(card.locator("[data-form-errors]")).to_contain_text("Відправити без номера відстеження")
        assert _status_of(app, bare.id) == "awaiting_shipment"
        card.locator("select[name=status]").select_option("shipped")
        card.get_by_label("Відправити без номера відстеження").check()
        with page.expect_navigation():
            card.locator("button[type=submit]").click()
        assert _status_of(app, bare.id) == "shipped"
        # with a number: the parcel is added as the order ships
        page.goto(f"{live_server}/admin/orders/{other.id}")
        card.locator("select[name=status]").select_option("shipped")
        card.locator("input[name=tracking_number]").fill("20450000012345")
        with page.expect_navigation():
            card.locator("button[type=submit]").click()
        _db.session.rollback()
        assert [s.tracking_number for s in _db.session.get(Order, other.id).shipments] == ["20450000012345"]
    finally:
        context.close()
    dispatch(now=utcnow() + timedelta(hours=1))
    mails = {m.subject: m.text_body for m in _db.session.execute(_db.select(DevMail)).scalars()}
    told = next(text for subject, text in mails.items() if bare.number in subject and "Відправлено" in subject)
    assert "без номера відстеження" in told
    told = next(text for subject, text in mails.items() if other.number in subject and "Відправлено" in subject)
    assert "номер відстеження 20450000012345" in told
