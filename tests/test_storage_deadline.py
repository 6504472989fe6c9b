"""Storage deadlines (issue 14): Nova Poshta's paid-storage date becomes "free storage until …" on
the customer's page, and the pickup reminder is timed to it (the PICKUP_REMINDER_DAYS setting still
covers carriers that give none)."""
from datetime import date, timedelta

import pytest
from carrier_fixtures import np_item
from test_multi_parcel import A, _sync, _token, nova_poshta  # noqa: F401  (the local Nova Poshta)

from app import settings
from app.admin.orderlist import local_day_start
from app.carriers.nova_poshta import free_storage_until
from app.database import writing
from app.notify import outbox
from app.notify.models import Notification
from app.orders.models import utcnow


@pytest.fixture
def app_config():
    return {"CARRIER_RETRIES": 0, "CARRIER_TIMEOUT_SECONDS": 2}


@pytest.mark.parametrize("fields, expected", [
    ({"DatePayedKeeping": "2026-12-10 00:00:00", "DateFirstDayStorage": "2026-12-10"}, date(2026, 12, 9)),
    ({"DatePayedKeeping": "", "DateFirstDayStorage": "2022-03-16"}, date(2022, 3, 15)),
    ({"DatePayedKeeping": "0001-01-01 00:00:00", "DateFirstDayStorage": ""}, None),
    ({"DatePayedKeeping": None, "DateFirstDayStorage": None}, None),
])
def test_the_last_free_day_is_the_day_before_paid_storage(fields, expected):
    assert free_storage_until(np_item(A, **fields)) == expected


def _kinds(db, order):
    """The pickup messages queued for ``order`` ("pickup": arrived, "reminder")."""
    return sorted({n.kind for n in db.session.execute(db.select(Notification).filter_by(order_id=order.id)).scalars()
                   if n.kind in ("pickup", "reminder")})


def test_the_customer_sees_free_storage_until_and_is_reminded_before_it_ends(app, db, client, make_order,
                                                                              nova_poshta):  # noqa: F811
    with writing():
        settings.put("PICKUP_REMINDER_DAYS", "30")  # the carrier's deadline comes first
        db.session.commit()
    last_free = (utcnow() + timedelta(days=4)).date()
    paid_from = last_free + timedelta(days=1)
    order = make_order(status="shipped", carrier="nova_poshta", tracking_number=A)
    nova_poshta[A] = "7"
    nova_poshta.fields[A] = {"DatePayedKeeping": f"{paid_from:%Y-%m-%d} 00:00:00",
                             "DateFirstDayStorage": f"{paid_from:%Y-%m-%d}"}
    order, parcels = _sync(app, db, order)
    assert order.at_pickup_point and parcels[A].storage_until == last_free
    page = client.get(f"/t/{_token(order)}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f"Free storage until {last_free.strftime('%a')}, {last_free.strftime('%b')} {last_free.day}" in page

    start = utcnow()
    with writing():
        outbox.pickup_reminders(now=start)
        db.session.commit()
    assert _kinds(db, order) == ["pickup"]
    due = local_day_start(last_free - timedelta(days=1))
    with writing():
        assert outbox.pickup_reminders(now=due - timedelta(minutes=1)) == 0
        assert outbox.pickup_reminders(now=due + timedelta(minutes=1)) == 1
        db.session.commit()
    assert _kinds(db, order) == ["pickup", "reminder"]


def test_without_a_deadline_the_setting_times_the_reminder(app, db, make_order):
    from app.orders import lifecycle

    order = make_order(status="in_transit", carrier="inpost", tracking_number="602634398121365987475799")
    with writing():
        settings.put("PICKUP_REMINDER_DAYS", "2")
        lifecycle.set_flags(order, at_pickup_point=True)
        db.session.commit()
        start = utcnow()
        outbox.pickup_reminders(now=start)
        assert outbox.pickup_reminders(now=start + timedelta(days=1)) == 0
        assert outbox.pickup_reminders(now=start + timedelta(days=2, seconds=1)) == 1
        db.session.commit()
