"""Orders of several parcels (issue 14): each parcel is tracked to its own end, the order is
delivered when every parcel is, and people see "1 of 2 parcels delivered" in between."""

import pytest
from carrier_fixtures import np_item, serve_nova_poshta

from app.carriers.sync import sync_all
from app.database import writing
from app.orders import statuses
from app.orders.models import Order, Shipment
from app.orders.services import add_shipment

A, B = "20450000000011", "20450000000012"
#: When Nova Poshta scanned each status (events are told apart by code and time)
SCANS = {"5": "2026-12-01 10:00:00", "7": "2026-12-02 09:00:00", "9": "2026-12-03 12:00:00",
         "103": "2026-12-04 15:00:00"}
TEXTS = {"5": "Відправлення прямує до міста Львів.", "7": "Прибув на відділення", "9": "Відправлення отримано",
         "103": "Відмова одержувача"}


@pytest.fixture
def app_config():
    return {"CARRIER_RETRIES": 0, "CARRIER_TIMEOUT_SECONDS": 2}


class Answers(dict):
    """Waybill → status code; ``fields`` adds fields to a waybill's item (its storage dates…)."""

    def __init__(self):
        super().__init__()
        self.fields = {}


@pytest.fixture
def nova_poshta(db, httpserver):
    """A local Nova Poshta answering each waybill with the code set in the returned dict."""
    codes = Answers()
    serve_nova_poshta(db, httpserver, lambda n: np_item(n, codes[n], TEXTS[codes[n]],
                                                        **{"DateScan": SCANS[codes[n]], **codes.fields.get(n, {})}))
    return codes


@pytest.fixture
def two_parcels(db, make_order):
    order = make_order(status="shipped", carrier="nova_poshta", tracking_number=A)
    with writing():
        add_shipment(db.session.get(Order, order.id), "nova_poshta", B)
        db.session.commit()
    return order


def _sync(app, db, order):
    sync_all(app, trigger="test", force=True)
    db.session.commit()  # a new transaction sees what the sync's threads committed
    order = db.session.get(Order, order.id)
    db.session.refresh(order)
    parcels = {s.tracking_number: s for s in db.session.execute(
        db.select(Shipment).where(Shipment.order_id == order.id)).scalars()}
    for shipment in parcels.values():
        db.session.refresh(shipment)
    return order, parcels


def test_an_order_of_two_parcels_is_tracked_until_both_end(app, db, nova_poshta, two_parcels, client):
    nova_poshta.update({A: "9", B: "5"})
    order, parcels = _sync(app, db, two_parcels)
    # one parcel delivered: the order is still on its way, and the other parcel is still asked about
    assert order.status == statuses.IN_TRANSIT
    assert (parcels[A].status, parcels[A].active) == (statuses.DELIVERED, False)
    assert (parcels[B].status, parcels[B].active) == (statuses.IN_TRANSIT, True)
    view = client.get(f"/t/{_token(order)}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "1 of 2 parcels delivered" in view

    nova_poshta[B] = "9"
    order, parcels = _sync(app, db, order)
    assert order.status == statuses.DELIVERED
    assert [(p.status, p.active) for p in parcels.values()] == [(statuses.DELIVERED, False)] * 2
    view = client.get(f"/t/{_token(order)}", headers={"Accept-Language": "uk"}).get_data(as_text=True)
    assert "2 з 2 посилок доставлено" in view


def test_a_returned_parcel_of_a_partly_delivered_order_is_a_partial_return(app, db, nova_poshta, two_parcels,
                                                                           client, make_user, login):
    nova_poshta.update({A: "9", B: "7"})
    order, parcels = _sync(app, db, two_parcels)
    assert order.status == statuses.IN_TRANSIT and order.at_pickup_point
    nova_poshta[B] = "103"  # refused at the branch: back to the shop
    order, parcels = _sync(app, db, order)
    assert order.status == statuses.DELIVERED  # the customer has the other parcel
    assert parcels[B].status == statuses.RETURNED and not parcels[B].active
    staff = make_user("staff")
    login(staff.email)
    page = client.get(f"/admin/orders/{order.id}", headers={"Accept-Language": "pl"}).get_data(as_text=True)
    assert "1 z 2 paczek doręczono, 1 wróciła do sklepu" in page


def test_a_single_parcel_order_moves_as_before(app, db, nova_poshta, make_order):
    order = make_order(status="shipped", carrier="nova_poshta", tracking_number=A)
    nova_poshta[A] = "103"
    order, parcels = _sync(app, db, order)
    assert order.status == statuses.RETURNED
    assert order.history[-1].note == TEXTS["103"]  # the carrier's reason
    assert not parcels[A].active


@pytest.mark.parametrize("parcels, expected", [
    ([None], None), (["in_transit"], "in_transit"), (["delivered"], "delivered"), (["returned"], "returned"),
    (["delivered", "in_transit"], "in_transit"), (["delivered", "shipped"], "shipped"),
    (["delivered", None], "in_transit"), (["delivered", "returned"], "delivered"),
    (["returned", "returned"], "returned"), (["delivered", "cancelled"], "delivered"),
    (["in_transit", None], "in_transit"), (["shipped", "in_transit"], "shipped"),
])
def test_order_status_from_parcels(parcels, expected):
    assert statuses.order_status_from_parcels(parcels) == expected


def _token(order):
    from app.extensions import db
    from app.orders.links import make_token

    with writing():
        token = make_token(order)
        db.session.commit()
    return token
