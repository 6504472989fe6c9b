"""Return analytics (issue 21) on a fixed data set, against figures computed by hand:

  order  region     carrier      items (sku size → outcome, reason)
  O1     Львівська  nova_poshta  DR-104 M → refused (refused_at_pickup); SH-210 M → kept
  O2     Київська   nova_poshta  DR-104 M → returned (wrong_size); DR-104 L → kept
  O3     Львівська  ukrposhta    DR-104 M → exchanged (wrong_size)
  O4     Київська   nova_poshta  DR-104 M, SH-210 L (no outcome: kept)
  O5     Одеська    meest        SH-210 M → refused whole at the branch (refused_at_pickup)
  O6     Київська   nova_poshta  DR-104 M → returned, but delivered in October: not counted

DR-104 M: 4 sold, 2 back (50 %), 1 exchanged (25 %), main reason wrong size (2).
DR-104: 5 sold, 2 back, 1 exchanged. SH-210: 3 sold, 1 back. Size M: 6 sold, 3 back, 1 exchanged.
All: 8 items, 3 back, 1 exchanged. Reasons: refused at pickup 2 (50 %), wrong size 2 (50 %).
Refusals: nova_poshta 3 parcels, 1 refused in part (33 %); meest 1 refused whole (100 %);
ukrposhta 1, none. Львівська 2 parcels, 1 in part (50 %); Київська 2, none; Одеська 1, whole (100 %).
"""
from datetime import datetime

import pytest

from app.analytics.services import Period
from app.database import writing
from app.orders.models import Order
from app.returns import analytics, services

NOVEMBER = datetime(2026, 11, 15, 12, 0)
OCTOBER = datetime(2026, 10, 15, 12, 0)


def item(sku, size, price="1000.00"):
    return {"name": sku, "sku": sku, "size": size, "color": "", "quantity": 1, "price": price}


@pytest.fixture
def data_set(db, make_order):
    plan = [
        ("Львівська", "nova_poshta", "delivered", [item("DR-104", "M"), item("SH-210", "M")],
         [("refused", "refused_at_pickup"), ("kept", None)], NOVEMBER),
        ("Київська", "nova_poshta", "delivered", [item("DR-104", "M"), item("DR-104", "L")],
         [("returned", "wrong_size"), ("kept", None)], NOVEMBER),
        ("Львівська", "ukrposhta", "delivered", [item("DR-104", "M")], [("exchanged", "wrong_size")], NOVEMBER),
        ("Київська", "nova_poshta", "delivered", [item("DR-104", "M"), item("SH-210", "L")], [None, None], NOVEMBER),
        ("Одеська", "meest", "returned", [item("SH-210", "M")], [("refused", "refused_at_pickup")], NOVEMBER),
        ("Київська", "nova_poshta", "delivered", [item("DR-104", "M")], [("returned", "wrong_size")], OCTOBER),
    ]
    numbers = {"nova_poshta": "2045{:010d}", "ukrposhta": "05000{:08d}", "meest": "MEEST{:08d}"}
    for n, (region, carrier, status, items, outcomes, when) in enumerate(plan):
        order = make_order(status=status, carrier=carrier, tracking_number=numbers[carrier].format(9000 + n),
                           items=items, delivery={"city": "Місто", "region": region, "pickup_point": "Відділення"})
        with writing():
            order = db.session.get(Order, order.id)
            order.status_changed_at = when
            for line, outcome in zip(order.items, outcomes):
                if outcome:
                    services.set_outcome(order, line, outcome[0], source="staff", reason=outcome[1])
            if status == "returned":
                order.shipments[0].refused_at = when
            db.session.commit()


def test_return_rates_and_refusals_match_the_hand_computed_figures(app, db, data_set):
    result = analytics.build(Period.month(2026, 11))
    assert (result.items, result.back, result.exchanged) == (8, 3, 1)
    rows = {r.key: r for r in result.by_product_size}
    dress_m = rows[("DR-104", "M")]
    assert (dress_m.total, dress_m.back, dress_m.exchanged) == (4, 2, 1)
    assert (dress_m.back_share, dress_m.exchange_share) == (0.5, 0.25)
    assert dress_m.top_reason == f"{services.REASONS['wrong_size']} (2)"
    assert result.by_product_size[0].key == ("DR-104", "M")  # the most returned first
    assert {r.key: (r.total, r.back, r.exchanged) for r in result.by_product} == {
        ("DR-104",): (5, 2, 1), ("SH-210",): (3, 1, 0)}
    assert {r.key: (r.total, r.back, r.exchanged) for r in result.by_size} == {("M",): (6, 3, 1), ("L",): (2, 0, 0)}
    assert [(r.code, r.count, r.share) for r in result.by_reason] == [
        ("refused_at_pickup", 2, 0.5), ("wrong_size", 2, 0.5)]
    carriers = {r.key: (r.parcels, r.refused, r.partial, r.share) for r in result.refusals_by_carrier}
    assert carriers == {"nova_poshta": (3, 0, 1, 1 / 3), "meest": (1, 1, 0, 1.0), "ukrposhta": (1, 0, 0, 0.0)}
    regions = {r.key: (r.parcels, r.refused, r.partial, r.share) for r in result.refusals_by_region}
    assert regions == {"Львівська": (2, 0, 1, 0.5), "Київська": (2, 0, 0, 0.0), "Одеська": (1, 1, 0, 1.0)}


def test_the_monthly_report_shows_them(app, db, client, data_set, make_user, login):
    staff = make_user("staff")
    login(staff.email)
    page = client.get("/admin/analytics/monthly?month=2026-11").get_data(as_text=True)
    assert "Повернення та обмін за товарами й розмірами" in page
    row = page[page.index('data-key="DR-104 M"'):][:400]
    assert ">4<" in row and ">2<" in row and "50,0%" in row and "25,0%" in row
    refusals = page[page.index('id="refusals-carrier"'):]
    meest = refusals[refusals.index('data-key="meest"'):][:300]
    assert "100,0%" in meest


def test_the_monthly_csv_carries_them(app, db, client, data_set, make_user, login):
    import csv
    import io

    staff = make_user("staff")
    login(staff.email)
    text = client.get("/admin/analytics/monthly.csv?month=2026-11&section=returns-items").get_data(as_text=True)
    rows = {(r["section"], r["item"]): r for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}
    dress_m = rows[("returns_by_product_size", "DR-104 M")]
    assert (dress_m["count"], dress_m["late"], dress_m["share"]) == ("4", "2", "0.5")
    assert rows[("exchanges_by_product_size", "DR-104 M")]["share"] == "0.25"
    assert not any(section.startswith("refusals") for section, _item in rows)
    text = client.get("/admin/analytics/monthly.csv?month=2026-11&section=refusals").get_data(as_text=True)
    rows = {(r["section"], r["item"]): r for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}
    assert (rows[("refusals_by_carrier", "nova_poshta")]["count"], rows[("refusals_by_carrier", "nova_poshta")]["late"]) \
        == ("3", "1")
    assert rows[("refusals_by_region", "Одеська")]["share"] == "1.0"
