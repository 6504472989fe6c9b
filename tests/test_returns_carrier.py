"""Returns from the carrier's side (issue 21): a partial refusal at the Nova Poshta branch gives each
item its outcome, the carrier's return waybill becomes a tracked return parcel, and its arrival
at the shop closes the way back. Nova Poshta's answers are replayed from a local server
(tests/fixtures/returns/nova_poshta_partial_return.json names its sources)."""
import json
import os

import pytest
from carrier_fixtures import np_item, serve_nova_poshta

from app.carriers.sync import sync_all
from app.database import writing
from app.orders import links, statuses
from app.orders.models import Order, Shipment
from app.returns.models import ReturnCase

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "returns", "nova_poshta_partial_return.json")
with open(FIXTURE, encoding="utf-8") as fh:
    PARTIAL = json.load(fh)
ORIGINAL, RETURN_NUMBER = PARTIAL["order"]["tracking_number"], PARTIAL["return_number"]


@pytest.fixture
def app_config():
    return {"CARRIER_RETRIES": 0, "CARRIER_TIMEOUT_SECONDS": 2}


class Replay:
    """The local Nova Poshta: each waybill answers as the latest step played names it."""

    def __init__(self):
        self.current = {}

    def play(self, step):
        self.current.update(PARTIAL["steps"][step])


@pytest.fixture
def np_replay(db, httpserver):
    replay = Replay()
    serve_nova_poshta(db, httpserver, lambda n: np_item(n, **replay.current[n]) if n in replay.current
                      else np_item(n, "3", "Номер не знайдено"))
    return replay


def sync(app, db):
    sync_all(app, trigger="test", force=True)
    db.session.commit()
    db.session.expire_all()


def partial_order(make_order, **kwargs):
    return make_order(status="shipped", carrier="nova_poshta", tracking_number=ORIGINAL,
                      items=PARTIAL["order"]["items"], **kwargs)


def test_a_partial_refusal_at_the_branch_gives_item_outcomes_and_a_tracked_return_parcel(app, db, np_replay,
                                                                                           make_order):
    order = partial_order(make_order)
    np_replay.play("at_branch")
    sync(app, db)
    assert db.session.get(Order, order.id).at_pickup_point

    np_replay.play("partial_refusal")
    sync(app, db)
    order = db.session.get(Order, order.id)
    assert order.status == statuses.DELIVERED  # a partial return is not "returned"
    outcomes = {(i.sku, i.size): i.outcome.outcome for i in order.items}
    assert outcomes == {("DR-104", "M"): "kept", ("DR-104", "L"): "refused", ("SH-210", "M"): "kept"}
    [case] = order.return_cases
    assert (case.opened_by, case.state, case.reason) == ("carrier", "approved", "refused_at_pickup")
    [parcel] = order.return_parcels
    assert (parcel.tracking_number, parcel.is_return, parcel.active) == (RETURN_NUMBER, True, True)
    assert case.return_shipment_id == parcel.id
    assert [s.tracking_number for s in order.shipments] == [ORIGINAL]  # the parcel back is not a parcel out

    sync(app, db)  # the same answers again change nothing
    order = db.session.get(Order, order.id)
    assert len(order.return_cases) == 1 and len(order.return_parcels) == 1

    # the return parcel is polled by the sync like any parcel; its news never move the order
    parcel = db.session.get(Shipment, parcel.id)
    assert parcel.status == statuses.IN_TRANSIT and str(parcel.scheduled_delivery_date) == "2026-12-10"
    np_replay.play("back_at_shop")
    sync(app, db)
    order = db.session.get(Order, order.id)
    parcel = db.session.get(Shipment, parcel.id)
    assert parcel.status == statuses.DELIVERED and not parcel.active
    assert order.return_cases[0].state == "received"
    assert order.status == statuses.DELIVERED


def test_a_whole_refusal_of_a_cash_on_delivery_parcel_needs_no_refund(app, db, np_replay, make_order, client):
    from app.returns import services

    order = partial_order(make_order, cod_amount="3790.00")
    np_replay.current[ORIGINAL] = {"StatusCode": "103", "Status": "Відмова одержувача",
                                   "DateScan": "2026-12-04 15:00:00", "LastCreatedOnTheBasisNumber": RETURN_NUMBER}
    sync(app, db)
    order = db.session.get(Order, order.id)
    assert order.status == statuses.RETURNED
    assert {i.outcome.outcome for i in order.items} == {"refused"}
    [case] = order.return_cases
    assert services.is_cod_refusal(case)
    with pytest.raises(services.ReturnRefused, match="Повертати нічого"):
        services.record_refund(order, case.id, amount="100", method="card", day=None, user=None)
    assert order.return_parcels[0].tracking_number == RETURN_NUMBER
    with app.test_request_context():
        url = links.tracking_url(order, external=False)
    page = client.get(url).get_data(as_text=True)
    assert "Повертати нічого: замовлення мало бути оплачене при отриманні" in page
    assert page.count("Відмова у пункті видачі") >= 3  # each item's outcome (and the request's reason)


def test_a_return_waybill_of_another_order_is_refused(app, db, make_order):
    from app.returns import services

    first = make_order(status="delivered", tracking_number="20450000003001")
    second = make_order(status="delivered", tracking_number="20450000003002")
    with writing():
        second = db.session.get(Order, second.id)
        with pytest.raises(services.ReturnRefused, match="належить іншому замовленню"):
            services.link_return_parcel(second, "nova_poshta", "20450000003001")
        db.session.rollback()
    assert db.session.execute(db.select(ReturnCase)).first() is None
    assert first.id != second.id


def test_a_redirection_waybill_is_not_taken_for_a_return(app, db, np_replay, make_order):
    order = partial_order(make_order)
    np_replay.current[ORIGINAL] = {"StatusCode": "104", "Status": "Змінено адресу", "DateScan": "2026-12-03 10:00:00",
                                   "LastCreatedOnTheBasisNumber": RETURN_NUMBER}
    sync(app, db)
    order = db.session.get(Order, order.id)
    assert order.return_cases == [] and order.return_parcels == []


def test_a_return_waybill_is_written_as_outbound_ones_are(app, db, make_order):
    """Spaces gone and letters upper-case (``normalize_tracking_number``), so the same waybill typed another way is
    the same parcel."""
    from app.returns import services

    order = make_order(status="delivered", tracking_number="20450000003003")
    with writing():
        order = db.session.get(Order, order.id)
        parcel = services.link_return_parcel(order, "inpost", " ab 1234 5678 ")
        again = services.link_return_parcel(order, "inpost", "AB12345678")
        db.session.commit()
    assert parcel.tracking_number == "AB12345678" and again.id == parcel.id
