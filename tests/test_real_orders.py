"""A sandbox API client's test orders: listed for staff (marked), counted in no total, export or figure."""
import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from test_analytics import T, dataset  # noqa: F401  (the hand-computed March of the analytics tests)

from app.database import writing
from app.orders import lifecycle


@pytest.fixture
def app_config():
    return {"TIMEZONE": "UTC"}


def _text(response):
    return response.get_data(as_text=True)


@pytest.fixture
def make_sandbox_order(db, make_order):
    counter = {"n": 0}

    def make(created, steps, *, reason=None, cod=None, region="Львівська", scheduled=None):
        counter["n"] += 1
        order = make_order(carrier="sandbox", tracking_number=f"SBX{counter['n']:08d}", sandbox=True,
                           delivery={"city": "X", "region": region}, created_at=created)
        with writing():
            for status, at in steps:
                lifecycle.change_status(order, status, source="staff", note="n", at=at,
                                        reason_code=reason if status == "returned" else None)
            if scheduled:
                order.shipments[0].scheduled_delivery_date = scheduled
            if cod:
                order.cod_amount = Decimal(cod)
            db.session.commit()
        return order

    return make


def _figures(client):
    """What the analytics page and its CSV say for March."""
    page = _text(client.get("/admin/analytics/?date_from=2026-03-01&date_to=2026-03-31"))
    shown = dict(re.findall(r'data-figure="([^"]+)">([^<]*)<', page))
    rows = csv.DictReader(io.StringIO(_text(client.get(
        "/admin/analytics/report.csv?date_from=2026-03-01&date_to=2026-03-31")).lstrip("\ufeff")))
    return page, shown, {(r["section"], r["item"]): (r["count"], r["mean"], r["late"], r["share"]) for r in rows}


def test_sandbox_orders_change_no_analytics_figure_and_the_page_says_they_are_left_out(
        app, db, dataset, make_sandbox_order, make_user, client, login):  # noqa: F811
    login(make_user("staff").email)
    page, before, csv_before = _figures(client)
    assert "sandbox-note" not in page
    kpis_before = _text(client.get("/admin/analytics/kpis.csv?date_from=2026-03-01&date_to=2026-03-31"))
    # a late delivery, a return with a reason, a cancellation and a new order, all made by a sandbox client
    make_sandbox_order(T(1, 10), [("awaiting_shipment", T(1, 12)), ("shipped", T(2, 12)), ("in_transit", T(3, 12)),
                                  ("delivered", T(9, 12))], scheduled=date(2026, 3, 4))
    make_sandbox_order(T(3), [("shipped", T(4)), ("delivered", T(6)), ("returned", T(10))], reason="wrong_size")
    make_sandbox_order(T(4), [("cancelled", T(4, 1))])
    make_sandbox_order(T(5), [])
    page, after, csv_after = _figures(client)
    assert after == before and after["orders-created"] == "6"
    assert csv_after == csv_before
    assert _text(client.get("/admin/analytics/kpis.csv?date_from=2026-03-01&date_to=2026-03-31")) == kpis_before
    assert "Тестові замовлення пісочниці, створені за період, не враховано в жодному показнику: 4." in page


def test_the_orders_list_shows_sandbox_orders_marked_but_counts_and_exports_real_ones(
        app, db, make_order, make_sandbox_order, make_user, client, login):
    real = [make_order(status="new"), make_order(status="new"), make_order(status="shipped")]
    sandbox = make_sandbox_order(T(5), [])
    login(make_user("staff").email)
    page = _text(client.get("/admin/orders"))
    assert set(re.findall(r'data-order="([^"]+)"', page)) == {o.number for o in real} | {sandbox.number}
    counts = dict(re.findall(r'data-status="(\w+)">[^<]*<strong>(\d+)</strong>', page))
    assert counts["new"] == "2" and counts["shipped"] == "1"
    assert re.search(r'aria-current="true">Усі <strong>3</strong>', page)
    assert "Знайдено замовлень: 3." in page
    assert "Тестові замовлення пісочниці теж у списку, але не враховані й не експортуються: 1." in page
    new_only = _text(client.get("/admin/orders?status=new"))
    assert sandbox.number in new_only and "не експортуються: 1." in new_only
    assert "не експортуються" not in _text(client.get("/admin/orders?status=shipped"))
    exported = _text(client.get("/admin/orders/export.csv"))
    assert all(o.number in exported for o in real) and sandbox.number not in exported
    assert sandbox.number not in _text(client.get("/admin/orders/export.json"))


def test_a_sandbox_cod_order_is_no_money_on_its_way(app, db, make_order, make_sandbox_order, make_user, client,
                                                     login):
    real = make_order(status="shipped")
    with writing():
        real.cod_amount = Decimal("1450.00")
        db.session.commit()
    sandbox = make_sandbox_order(T(5), [("shipped", T(5, 1))], cod="99999.00")
    login(make_user("staff").email)
    page = _text(client.get("/admin/cod"))
    assert real.number in page and sandbox.number not in page
    assert "99" not in re.search(r"Посилок: 1; разом: ([^<]*)\.", page).group(1)
