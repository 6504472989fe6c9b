"""The demo shop stays alive and plausible: orders keep arriving and moving, every status stays on
show, places and dates fit the destination and the carrier, and no customer's daily message
allowance is used up by it."""
import statistics
from datetime import timedelta

import pytest

from app import demo
from app.carriers.sync import sync_all
from app.clock import utcnow
from app.notify import skips
from app.notify.models import Notification
from app.notify.outbox import CAPPED_CHANNELS
from app.orders import statuses
from app.orders.models import CarrierEvent, Customer, Order, Shipment, StatusEvent


def _statuses(db):
    db.session.commit()
    return set(db.session.execute(db.select(Order.status).distinct()).scalars())


def test_after_hours_of_simulated_time_every_status_is_on_show_and_no_message_hits_the_cap(app, db):
    start = utcnow()
    demo.load(now=start)
    db.session.commit()
    assert _statuses(db) == set(statuses.ALL)
    orders_at_start = db.session.query(Order).count()
    missing, minutes = [], 150
    for minute in range(0, minutes, 2):  # the scheduler runs both jobs every minute
        now = start + timedelta(minutes=minute)
        sync_all(app, now=now)
        db.session.commit()  # a fresh transaction after the sync threads' writes, as a scheduler job has
        demo.keep_alive(now=now)
        on_show = _statuses(db)
        if on_show != set(statuses.ALL):
            missing.append((minute, set(statuses.ALL) - on_show))
    assert not missing, missing
    # orders kept coming in (about one every DEMO_ORDER_MINUTES, a few more to fill a gap) and moving on
    every = app.config["DEMO_ORDER_MINUTES"]
    arrived = db.session.query(Order).count() - orders_at_start
    print("arrived", arrived)
    assert minutes // every - 2 <= arrived <= minutes // every * 1.6
    fresh_delivered = db.session.execute(db.select(db.func.count(Order.id)).join(StatusEvent).where(
        Order.status == statuses.DELIVERED, StatusEvent.status == statuses.NEW,
        StatusEvent.actor == demo.DEMO_ACTOR)).scalar()
    assert fresh_delivered >= 5
    # no customer's day of messages was used up by the demo
    capped = db.session.execute(db.select(db.func.count(Notification.id)).where(
        Notification.skip_reason == skips.DAILY_CAP)).scalar()
    assert capped == 0
    sent_per_customer = db.session.execute(db.select(Notification.customer_id, db.func.count(Notification.id))
                                           .where(Notification.channel == "email",
                                                  Notification.state != "skipped")
                                           .group_by(Notification.customer_id)).all()
    assert sent_per_customer and max(count for _id, count in sent_per_customer) <= 10


# Six simulated hours of the demo's own pacing: the same code on either database, and the hours test above
# already runs keep_alive and the sync on PostgreSQL; once is enough for CI's time.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_demo_customer_always_has_a_parcel_on_its_way_and_hears_of_it_in_the_app(app, db, client):
    """Logged in as the demo customer at any time, a person sees an order moving (its page keeps
    polling) and its steps among her notifications; her day's messages are never used up."""
    start = utcnow()
    demo.load(now=start)
    db.session.commit()
    email = demo.DEMO_ACCOUNTS[0][1]
    olena = db.session.execute(db.select(Customer.id).filter_by(email=email)).scalar_one()
    assert client.post("/login", data={"email": email, "password": demo.DEMO_PASSWORD}).status_code == 302
    db.session.commit()  # no transaction left open for the sync's threads
    idle, seen_moving = [], set()
    for minute in range(0, 6 * 60, 6):  # six hours: her first parcels arrive within the first hour
        now = start + timedelta(minutes=minute)
        sync_all(app, now=now)
        db.session.commit()
        demo.keep_alive(now=now)
        db.session.commit()
        moving = db.session.execute(db.select(Order.number).where(
            Order.customer_id == olena, Order.status.in_(demo.MOVING))).scalars().all()
        db.session.commit()
        if not moving:
            idle.append(minute)
        seen_moving.update(moving)
        if minute % 60 == 0 and moving:  # what she sees: an order on its way, whose page keeps polling for news
            assert f'/orders/{moving[0]}"' in client.get("/orders/").get_data(as_text=True), minute
            assert client.get(f"/orders/{moving[0]}/progress", headers={"HX-Request": "true"}).status_code == 200
            db.session.commit()
    assert not idle, idle
    # her parcels did arrive, and the demo gave her new ones in turn
    mine = db.session.execute(db.select(Order).join(StatusEvent).where(
        Order.customer_id == olena, StatusEvent.status == statuses.NEW, StatusEvent.actor == demo.DEMO_ACTOR)
    ).scalars().all()
    assert len(mine) >= 3 and sum(o.status == statuses.DELIVERED for o in mine) >= 2, [o.status for o in mine]
    assert len(seen_moving) >= 5
    # she hears of each step in the app ...
    centre = client.get("/notifications").get_data(as_text=True)
    assert all(f"/orders/{o.number}" in centre for o in mine)
    # ... and the demo never used up her messages of a day
    capped = db.session.execute(db.select(Notification.state, Notification.skip_reason).where(
        Notification.customer_id == olena, Notification.channel.in_(CAPPED_CHANNELS))).all()
    assert sum(state != "skipped" for state, _reason in capped) <= app.config.get("NOTIFY_DAILY_CAP", 10)
    assert skips.DAILY_CAP not in {reason for _state, reason in capped}


# The demo's generated history (seeded random times): the same on either database; the hours test above
# loads it on PostgreSQL too.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_demo_history_has_real_carriers_transit_times(app, db):
    demo.load(now=utcnow())
    db.session.commit()
    days = {}
    for order in db.session.query(Order).filter(Order.status == statuses.DELIVERED):
        moves = {e.status: e.created_at for e in order.history}
        if statuses.SHIPPED in moves:
            carrier = order.shipments[0].carrier
            days.setdefault(carrier, []).append((moves[statuses.DELIVERED] - moves[statuses.SHIPPED]).total_seconds()
                                                / 86400)
    assert 1 <= statistics.median(days["nova_poshta"]) <= 3
    for carrier, spans in days.items():
        low, high = demo.TRANSIT_DAYS[carrier]
        assert all(low - 0.5 <= d <= high + 0.5 for d in spans), (carrier, spans)
    # an order the shop has not shipped carries no carrier's delivery date
    for order in db.session.query(Order).filter(Order.status.in_((statuses.NEW, statuses.AWAITING_SHIPMENT))):
        assert all(s.scheduled_delivery_date is None for s in order.shipments), order.number


def test_simulated_parcels_travel_towards_their_own_city(app, db, make_order):
    orders = {}
    for carrier, number, city, point in (
            ("nova_poshta", "20450123456789", "Чернігів", "Відділення №3"),
            ("ukrposhta", "0500123456789", "Тернопіль", "Відділення 07"),
            ("meest", "CVA-1234567", "Луцьк", "Відділення Meest №4")):
        orders[carrier] = make_order(status="awaiting_shipment", carrier=carrier, tracking_number=number,
                                     delivery={"city": city, "region": "", "pickup_point": point})
    from app import settings
    from app.carriers.registry import PREFIX

    for code in orders:
        settings.put(f"{PREFIX[code]}_MODE", "simulated")
    db.session.commit()
    now = utcnow()
    for step in range(12):
        sync_all(app, now=now + timedelta(minutes=5 * step))
        db.session.commit()
    for carrier, order in orders.items():
        order = db.session.get(Order, order.id)
        events = db.session.execute(db.select(CarrierEvent).filter_by(shipment_id=order.shipments[0].id)
                                    .order_by(CarrierEvent.occurred_at)).scalars().all()
        places = [e.location or "" for e in events]
        city = order.delivery_city
        assert places and city.upper() in places[-1].upper(), (carrier, places)
        assert not any(other in " ".join(places) for other in ("Одеса", "Дніпро", "Харків")), places
        if carrier != "ukrposhta":
            assert "Київ" in places[0], places
        # the pickup point named is the order's own
        assert any(order.delivery_pickup_point in p for p in places), places


def test_no_carrier_date_before_the_carrier_has_the_parcel(app, db, make_order):
    from app import settings
    from app.carriers.registry import PREFIX

    order = make_order(status="new", carrier="nova_poshta", tracking_number="20450987654321",
                       delivery={"city": "Чернігів", "region": "", "pickup_point": "Відділення №3"})
    settings.put(f"{PREFIX['nova_poshta']}_MODE", "simulated")
    db.session.commit()
    sync_all(app, now=utcnow())
    db.session.commit()
    shipment = db.session.get(Shipment, order.shipments[0].id)
    assert shipment.scheduled_delivery_date is None
