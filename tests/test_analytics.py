"""Analytics figures against values worked out by hand on a small fixed data set (March 2026, UTC)."""
import csv
import io
from datetime import date, datetime

import pytest

from app.analytics.admin_views import report_csv
from app.analytics.services import Period, build_report, compute
from app.orders import lifecycle
from app.orders.models import StatusEvent


@pytest.fixture
def app_config():
    return {"TIMEZONE": "UTC"}


def T(day, hour=0, month=3):
    return datetime(2026, month, day, hour, 0)


@pytest.fixture
def dataset(db, make_order, make_user):
    """Seven orders with explicit history times; the comments give each stage's length."""
    from app.admin.status import change

    staff = make_user("staff")

    def order(carrier, region, created, steps, scheduled=None):
        o = make_order(carrier=carrier, delivery={"city": "X", "region": region}, created_at=created)
        for status, at, *reason in steps:
            if reason:
                change(o, status, user=staff, reason=reason[0], at=at)
            else:
                lifecycle.change_status(o, status, source="staff", note="n", at=at)
        if scheduled:
            o.shipments[0].scheduled_delivery_date = scheduled
        db.session.commit()
        return o

    return {
        # new 2h, awaiting 24h, shipped 24h, in transit 48h; delivered a day after the expected date
        "A": order("nova_poshta", "Львівська", T(1, 10), [("awaiting_shipment", T(1, 12)), ("shipped", T(2, 12)),
                   ("in_transit", T(3, 12)), ("delivered", T(5, 12))], scheduled=date(2026, 3, 4)),
        # new 4h, awaiting 12h, shipped 24h (no "on the way" row); a day early
        "B": order("nova_poshta", "Київська", T(2, 8), [("awaiting_shipment", T(2, 12)), ("shipped", T(3)),
                   ("delivered", T(4))], scheduled=date(2026, 3, 5)),
        # new 6h, awaiting 18h, shipped 24h, in transit 48h; on the expected day; then returned (wrong size)
        "C": order("ukrposhta", "Львівська", T(3), [("awaiting_shipment", T(3, 6)), ("shipped", T(4)),
                   ("in_transit", T(5)), ("delivered", T(7)), ("returned", T(10), "wrong_size")],
                   scheduled=date(2026, 3, 7)),
        # new 12h, then cancelled
        "D": order("nova_poshta", "Одеська", T(4), [("cancelled", T(4, 12))]),
        # still new
        "E": order("nova_poshta", "Одеська", T(5), []),
        # created in February, delivered in March: 5 days from hand-over, no expected date
        "F": order("meest", "Одеська", T(20, month=2), [("awaiting_shipment", T(21, month=2)),
                   ("shipped", T(25, month=2)), ("delivered", T(2))]),
        # new 1h, awaiting 4h, shipped 48h, refused at pickup
        "G": order("dhl", "Київська", T(6), [("awaiting_shipment", T(6, 1)), ("shipped", T(6, 5)),
                   ("returned", T(8, 5), "refused_at_pickup")]),
    }


MARCH = Period.month(2026, 3)


def test_figures_match_hand_computed_values(app, dataset):
    report = build_report(MARCH)
    assert report.by_status == {"new": 1, "awaiting_shipment": 0, "shipped": 0, "in_transit": 0, "delivered": 2,
                                "returned": 2, "cancelled": 1}
    stages = {s.key: (s.count, s.mean / 3600, s.median / 3600) for s in report.stages}
    # 2, 4, 6, 1 hours: D's 12 hours are left out, D was cancelled (a stage cut short by a cancellation is no wait)
    assert stages["new"] == (4, pytest.approx(3.25), pytest.approx(3.0))
    assert stages["awaiting_shipment"] == (4, pytest.approx(14.5), pytest.approx(15.0))  # 24, 12, 18, 4
    assert stages["shipped"] == (4, pytest.approx(30.0), pytest.approx(24.0))  # 24, 24, 24, 48
    assert stages["in_transit"] == (2, pytest.approx(48.0), pytest.approx(48.0))

    day = 86400
    overall = report.delivery_overall  # A 3, B 1, C 3, F 5 days
    assert (overall.count, overall.mean / day, overall.median / day) == (4, pytest.approx(3.0), pytest.approx(3.0))
    carriers = {s.key: (s.count, s.mean / day, s.median / day) for s in report.delivery_by_carrier}
    assert carriers == {"nova_poshta": (2, pytest.approx(2.0), pytest.approx(2.0)),
                        "ukrposhta": (1, pytest.approx(3.0), pytest.approx(3.0)),
                        "meest": (1, pytest.approx(5.0), pytest.approx(5.0))}
    regions = {s.key: (s.count, s.median / day) for s in report.delivery_by_region}
    assert regions == {"Львівська": (2, pytest.approx(3.0)), "Київська": (1, pytest.approx(1.0)),
                       "Одеська": (1, pytest.approx(5.0))}

    late = report.late_overall  # A late by 1, B early by 1, C on the day
    assert (late.shipments, late.late) == (3, 1) and late.share == pytest.approx(1 / 3)
    assert late.mean_abs_error_days == pytest.approx(2 / 3)
    assert {r.key: (r.shipments, r.late) for r in report.late_by_carrier} == {"nova_poshta": (2, 1), "ukrposhta": (1, 0)}
    assert {r.key: (r.shipments, r.late) for r in report.late_by_region} == {"Львівська": (2, 1), "Київська": (1, 0)}

    # ended in March as delivered or returned: A, B, F delivered; C, G returned
    assert (report.finished, report.returned) == (5, 2) and report.returns_rate == pytest.approx(0.4)
    assert dict(report.return_reasons) == {"wrong_size": 1, "refused_at_pickup": 1}


def test_an_empty_period_has_no_figures(app, dataset):
    report = build_report(Period.month(2025, 1))
    assert report.orders_total == 0 and report.delivery_overall.count == 0
    assert report.late_overall.share is None and report.returns_rate is None


def test_pages_show_the_figures_with_charts_and_tables(app, dataset, make_user, client, login):
    login(make_user("staff").email)
    page = client.get("/admin/analytics/?date_from=2026-03-01&date_to=2026-03-31")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    report = body.split('id="on-time"')[0]  # the KPI sections that follow are tests/test_message_kpis.py's
    assert report.count("<svg") == 6 and report.count('class="data"') >= 6
    assert 'data-figure="returns-rate">40,0%' in body
    assert 'data-figure="late-share">33,3%' in body
    assert 'data-figure="eta-mae">0,7' in body
    assert "Не підійшов розмір" in body and "Відмова при отриманні" in body
    monthly = client.get("/admin/analytics/monthly?month=2026-03").get_data(as_text=True)
    assert "Місячний звіт 2026-03" in monthly and "analytics.css" in monthly and 'data-figure="returns-rate">40,0%' in monthly
    reversed_period = client.get("/admin/analytics/?date_from=2026-03-31&date_to=2026-03-01")
    assert reversed_period.status_code == 422
    assert "Кінцева дата 1 бер. 2026\u202fр. раніша за початкову 31 бер. 2026\u202fр." in reversed_period.get_data(as_text=True)
    # the dates stay as typed beside the error (they jumped back to this month)
    assert 'name="date_from" type="date" value="2026-03-31" aria-invalid="true"' in reversed_period.get_data(as_text=True)
    assert 'name="date_to" type="date" value="2026-03-01" aria-invalid="true"' in reversed_period.get_data(as_text=True)
    too_long = client.get("/admin/analytics/?date_from=2000-01-01&date_to=2026-03-01")
    assert too_long.status_code == 422 and "Період має тривати не більше десяти років." in too_long.get_data(as_text=True)
    assert client.get("/admin/analytics/monthly?month=March").status_code == 422


@pytest.mark.parametrize("path", ["report.csv?date_from=2026-03-31&date_to=2026-03-01",
                                  "kpis.csv?date_from=2026-03-31&date_to=2026-03-01", "monthly.csv?month=2026-13"])
def test_a_download_of_a_wrong_period_is_refused_not_swapped_for_this_month(app, db, make_user, client, login, path):
    login(make_user("staff").email)
    response = client.get(f"/admin/analytics/{path}")
    assert response.status_code == 400 and response.mimetype == "text/html", path
    assert "раніша за початкову" in response.get_data(as_text=True) or "2026-03" in response.get_data(as_text=True)


def test_monthly_csv(app, dataset, make_user, client, login):
    login(make_user("staff").email)
    response = client.get("/admin/analytics/monthly.csv?month=2026-03")
    assert response.mimetype == "text/csv" and "report-2026-03.csv" in response.headers["Content-Disposition"]
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # the charset said once
    for path in ("report.csv?date_from=2026-03-01&date_to=2026-03-31", "kpis.csv?date_from=2026-03-01&date_to=2026-03-31"):
        assert client.get(f"/admin/analytics/{path}").headers["Content-Type"] == "text/csv; charset=utf-8", path
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    by = {(r["section"], r["item"]): r for r in rows}
    assert by[("orders_by_status", "returned")]["count"] == "2"
    assert by[("hours_in_stage", "awaiting_shipment")]["median"] == "15.00"
    assert by[("delivery_days_by_carrier", "nova_poshta")]["mean"] == "2.00"
    assert by[("late_shipments", "all")]["late"] == "1" and by[("late_shipments", "all")]["share"] == "0.3333"
    assert by[("eta_mean_absolute_error_days", "all")]["mean"] == "0.67"
    assert by[("returns", "all")]["share"] == "0.4000"
    assert by[("return_reasons", "wrong_size")]["count"] == "1"


def test_time_in_stage_leaves_out_orders_cancelled_later_and_the_page_says_so(app, db, dataset, make_user,
                                                                               client, login):
    """An order that waited and was then cancelled is no measure of how long orders wait: its stages count
    nowhere, whenever the cancellation came, and count again if staff correct the cancellation."""
    from app.admin.status import change

    e = dataset["E"]  # new since 5 March: 24 hours new, 30 hours waiting for shipment, then cancelled
    lifecycle.change_status(e, "awaiting_shipment", source="staff", note="n", at=T(6))
    lifecycle.change_status(e, "cancelled", source="staff", note="n", at=T(7, 6))
    db.session.commit()
    login(make_user("staff").email)
    page = client.get("/admin/analytics/?date_from=2026-03-01&date_to=2026-03-31").get_data(as_text=True)
    assert "замовлення, згодом скасовані, не враховано" in page
    rows = {r["item"]: r for r in csv.DictReader(io.StringIO(client.get(
        "/admin/analytics/report.csv?date_from=2026-03-01&date_to=2026-03-31&section=stages").get_data(as_text=True)
        .lstrip("\ufeff"))) if r["section"] == "hours_in_stage"}
    assert (rows["new"]["count"], rows["new"]["median"]) == ("4", "3.00")
    assert (rows["awaiting_shipment"]["count"], rows["awaiting_shipment"]["median"]) == ("4", "15.00")
    # a corrected cancellation: the order counts again
    change(e, "awaiting_shipment", user=make_user("admin"), note="cancelled by mistake", at=T(8), correction=True)
    db.session.commit()
    stages = {s.key: s.count for s in build_report(MARCH).stages}
    assert stages["new"] == 5 and stages["awaiting_shipment"] == 5


def test_ninetieth_percentiles_match_hand_computed_values(app, dataset):
    report = build_report(MARCH)
    p90 = {s.key: s.p90 / 3600 for s in report.stages}
    assert p90["new"] == pytest.approx(5.4)  # 1, 2, 4, 6 h (D cancelled): 4 + 0.7 × (6 − 4)
    assert p90["awaiting_shipment"] == pytest.approx(22.2)  # 4, 12, 18, 24 h: 18 + 0.7 × 6
    assert p90["in_transit"] == pytest.approx(48.0)
    assert report.delivery_overall.p90 / 86400 == pytest.approx(4.4)  # 1, 3, 3, 5 days: 3 + 0.7 × 2


def test_an_order_delivered_again_counts_its_last_delivery_in_the_period(app, db, dataset, make_user):
    """A correction (delivered, back on the way, delivered again) counts the order once: at its last
    delivery in the period, or at the first one when the second came after the period's end."""
    admin = make_user("admin")
    a = dataset["A"]  # handed over 2 March 12:00, delivered 5 March 12:00 (3 days), expected 4 March
    lifecycle.change_status(a, "in_transit", source="staff", actor_user=admin, note="not received", at=T(6, 12),
                            correction=True)
    lifecycle.change_status(a, "delivered", source="staff", note="n", at=T(20, 12))  # 18 days after the hand-over
    db.session.commit()
    day = 86400

    march = build_report(MARCH)  # A 18, B 1, C 3, F 5 days
    assert (march.delivery_overall.count, march.delivery_overall.mean / day) == (4, pytest.approx(6.75))
    assert march.delivery_overall.median / day == pytest.approx(4.0)
    carriers = {s.key: (s.count, s.mean / day, s.median / day) for s in march.delivery_by_carrier}
    assert carriers["nova_poshta"] == (2, pytest.approx(9.5), pytest.approx(9.5))
    assert {s.key: s.count for s in march.delivery_by_region}["Львівська"] == 2
    late = march.late_overall  # A late by 16 days, B early by 1, C on the day
    assert (late.shipments, late.late, late.mean_abs_error_days) == (3, 1, pytest.approx(17 / 3))

    first_half = build_report(Period(date(2026, 3, 1), date(2026, 3, 15)))  # A's second delivery is after it
    assert (first_half.delivery_overall.count, first_half.delivery_overall.mean / day) == (4, pytest.approx(3.0))
    carriers = {s.key: (s.count, s.mean / day) for s in first_half.delivery_by_carrier}
    assert carriers["nova_poshta"] == (2, pytest.approx(2.0))
    late = first_half.late_overall
    assert (late.shipments, late.late, late.mean_abs_error_days) == (3, 1, pytest.approx(2 / 3))

    second_half = build_report(Period(date(2026, 3, 16), date(2026, 3, 31)))  # only A's second delivery
    assert [(s.key, s.count, s.mean / day) for s in second_half.delivery_by_carrier] == [
        ("nova_poshta", 1, pytest.approx(18.0))]


def test_a_corrected_delivery_counts_once_at_its_last_delivery_in_the_period(app, db, dataset, make_user):
    """A delivered again after a correction (on the 20th): a period holding both deliveries counts the second,
    one that ends between them counts the first, one that starts between them only the second."""
    admin = make_user("admin")
    a = dataset["A"]
    lifecycle.change_status(a, "in_transit", source="staff", actor_user=admin, note="not received", at=T(6, 12),
                            correction=True)
    lifecycle.change_status(a, "delivered", source="staff", note="n", at=T(20, 12))
    db.session.commit()

    def delivered(period):
        report = build_report(period)
        return report.delivery_overall.count, {s.key: s.count for s in report.delivery_by_carrier}

    assert delivered(MARCH) == (4, {"nova_poshta": 2, "ukrposhta": 1, "meest": 1})  # A (20th), B, C, F
    assert delivered(Period(date(2026, 3, 1), date(2026, 3, 15))) == (4, {"nova_poshta": 2, "ukrposhta": 1,
                                                                            "meest": 1})  # A (5th), B, C, F
    assert delivered(Period(date(2026, 3, 5), date(2026, 3, 31))) == (2, {"nova_poshta": 1, "ukrposhta": 1})
    assert delivered(Period(date(2026, 2, 1), date(2026, 2, 28))) == (0, {})
    # A from its hand-over (the 2nd, 12:00) to its last delivery: 18 days in March, 3 days up to the 15th
    march = {s.key: s.median / 86400 for s in build_report(MARCH).delivery_by_region}
    assert march["Львівська"] == pytest.approx((18 + 3) / 2)  # A 18 days, C 3 days


def test_stages_follow_the_history_however_it_arrives(app, db, dataset):
    """A carrier event dated before the last row, and an edited region, show in the figures; a
    rebuild from the history gives the same rows as the changes made one by one."""
    from sqlalchemy import select

    from app.analytics.stages import OrderStage, rebuild

    e = dataset["E"]  # new since 5 March 00:00
    lifecycle.change_status(e, "awaiting_shipment", source="staff", note="n", at=T(5, 10))
    db.session.commit()
    # a late-arriving row dated between the two: the "new" stage is now 4 h, not 10 h
    db.session.add(StatusEvent(order_id=e.id, status="new", previous_status="new", created_at=T(5, 4),
                               source="system"))
    db.session.flush()
    from app.analytics.stages import refresh

    refresh([e.id])
    dataset["A"].delivery_region = "Волинська"
    db.session.commit()
    regions = {s.key: s.count for s in build_report(MARCH).delivery_by_region}
    assert regions["Волинська"] == 1 and regions["Львівська"] == 1

    def rows():
        return sorted(db.session.execute(select(OrderStage.order_id, OrderStage.status, OrderStage.entered_at,
                                                OrderStage.seconds, OrderStage.since_handover, OrderStage.carrier,
                                                OrderStage.region, OrderStage.next_same_at)).all())

    before = rows()
    in_order = sorted((r for r in before if r.order_id == e.id), key=lambda r: r.entered_at)
    assert [r.seconds for r in in_order] == [pytest.approx(4 * 3600), pytest.approx(6 * 3600), None]
    rebuild()
    db.session.commit()
    assert rows() == before


def test_each_figure_has_its_table_one_click_away_and_its_csv(app, dataset, make_user, client, login):
    login(make_user("staff").email)
    body = client.get("/admin/analytics/?date_from=2026-03-01&date_to=2026-03-31").get_data(as_text=True)
    body = body.split('id="on-time"')[0]  # the KPI sections that follow are tests/test_message_kpis.py's
    assert body.count('<details class="figure-table">') == 8  # closed: the chart is what one reads first
    assert "report.csv?date_from=2026-03-01&amp;date_to=2026-03-31&amp;section=stages" in body
    monthly = client.get("/admin/analytics/monthly?month=2026-03").get_data(as_text=True)
    assert monthly.split('id="on-time"')[0].count('<details class="figure-table" open>') == 8  # printed: all
    assert monthly.count('<details class="figure-table" open>') == 11

    response = client.get("/admin/analytics/report.csv?date_from=2026-03-01&date_to=2026-03-31&section=stages")
    assert 'filename="analytics-2026-03-01-2026-03-31-stages.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert {r["section"] for r in rows} == {"period", "hours_in_stage"}
    new = next(r for r in rows if r["item"] == "new")
    assert (new["count"], new["mean"], new["median"], new["p90"]) == ("4", "3.25", "3.00", "5.40")  # D cancelled
    whole = client.get("/admin/analytics/monthly.csv?month=2026-03").get_data(as_text=True)
    assert "delivery_days,all,4,3.00,3.00,,,4.40" in whole


def test_a_figure_without_data_says_so_instead_of_an_empty_chart(app, dataset, make_user, client, login):
    login(make_user("staff").email)
    body = client.get("/admin/analytics/?date_from=2025-01-01&date_to=2025-01-31").get_data(as_text=True)
    body = body.split('id="on-time"')[0]  # the KPI sections that follow are tests/test_message_kpis.py's
    assert body.count("<svg") == 0  # every figure is zero in January 2025: no chart of empty bars
    # orders by status and the stages list every row with a zero; the other figures have no rows
    assert body.count("Усі значення за цей період нульові.") == 2 and body.count("Немає даних за цей період.") == 6


def test_status_latency_from_the_carrier_to_the_shop_and_to_the_first_message(app, db, make_order):
    """Two carrier events: stored 30 min and 2 h after they happened; messages 5 and 20 min (e-mail,
    SMS; a later second e-mail does not count) and 10 min after the shop knew."""
    from datetime import timedelta

    from app.notify.models import Notification
    from app.orders.models import CarrierEvent

    def carrier_moves(carrier, happened, stored, sent):
        order = make_order(status="shipped", carrier=carrier, created_at=T(1))
        event = CarrierEvent(shipment=order.shipments[0], occurred_at=happened, created_at=stored, raw_code="x",
                             mapped_status="in_transit")
        db.session.add(event)
        db.session.flush()
        lifecycle.change_status(order, "in_transit", source="carrier", at=happened, carrier_event=event)
        for channel, minutes in sent:
            db.session.add(Notification(event_id=f"e{order.id}{channel}{minutes}", order_id=order.id,
                                        customer_id=order.customer_id, channel=channel, kind="status",
                                        status="in_transit", state="sent", sent_at=stored + timedelta(minutes=minutes)))
        db.session.commit()

    carrier_moves("nova_poshta", T(10, 10), T(10, 10) + timedelta(minutes=30), [("email", 5), ("sms", 20), ("email", 60)])
    carrier_moves("ukrposhta", T(11, 12), T(11, 14), [("email", 10)])
    found = compute(MARCH)
    latency = found.report.latency
    assert {s.key: (s.count, s.median / 60, s.p90 / 60) for s in latency["shop"]} == {
        "nova_poshta": (1, pytest.approx(30), pytest.approx(30)), "ukrposhta": (1, pytest.approx(120), pytest.approx(120))}
    assert {(carrier, channel): (s.count, s.median / 60) for carrier, channel, s in latency["message"]} == {
        ("nova_poshta", "email"): (1, pytest.approx(5)), ("nova_poshta", "sms"): (1, pytest.approx(20)),
        ("ukrposhta", "email"): (1, pytest.approx(10))}
    rows = list(csv.DictReader(io.StringIO(report_csv(found, "latency"))))
    by = {(r["section"], r["item"]): r for r in rows}
    assert by[("minutes_event_to_status_by_carrier", "ukrposhta")]["median"] == "120.00"
    assert by[("minutes_status_to_message_by_carrier_channel", "nova_poshta/sms")]["p90"] == "20.00"


def test_messages_per_channel_and_template(app, db, make_order, make_user, client, login):
    from app.notify.models import Notification

    order = make_order()
    queued = [("email", "status", "shipped", "sent")] * 3 + [
        ("email", "status", "shipped", "failed"), ("email", "delay", "in_transit", "skipped"),
        ("sms", "status", "shipped", "sent"), ("sms", "status", "shipped", "queued"),
        ("telegram", "status", "shipped", "sent"),
        ("webhook", "status", "shipped", "sent"), ("inapp", "status", "shipped", "sent")]
    for n, (channel, kind, status, state) in enumerate(queued):
        db.session.add(Notification(event_id=f"m{n}", order_id=order.id, customer_id=order.customer_id,
                                    channel=channel, kind=kind, status=status, state=state, created_at=T(12)))
    db.session.add(Notification(event_id="april", order_id=order.id, channel="email", kind="status",
                                status="shipped", state="sent", created_at=T(1, month=4)))
    # Mail about no order (a password reset, a shop alert) is not a customer's order message
    for kind in ("password_reset", "alert"):
        db.session.add(Notification(event_id=kind, channel="email", kind=kind, state="sent", created_at=T(12)))
    db.session.commit()
    rows = {(r.channel, r.template): (r.sent, r.failed, r.skipped, r.waiting, r.sent_share)
            for r in build_report(MARCH).messages}
    assert rows == {("email", "shipped"): (3, 1, 0, 0, pytest.approx(0.75)), ("email", "delay"): (0, 0, 1, 0, None),
                    ("sms", "shipped"): (1, 0, 0, 1, pytest.approx(1.0)),
                    ("telegram", "shipped"): (1, 0, 0, 0, pytest.approx(1.0))}
    login(make_user("staff").email)
    body = client.get("/admin/analytics/?date_from=2026-03-01&date_to=2026-03-31").get_data(as_text=True)
    assert "Вибачення за затримку" in body and "75,0%" in body
    rows = list(csv.DictReader(io.StringIO(client.get(
        "/admin/analytics/monthly.csv?month=2026-03&section=messages").get_data(as_text=True).lstrip("\ufeff"))))
    by = {(r["section"], r["item"]): r for r in rows}
    assert by[("messages_sent", "email/shipped")]["count"] == "3"
    assert by[("messages_sent", "email/shipped")]["share"] == "0.7500"
    assert by[("messages_waiting", "sms/shipped")]["count"] == "1"
