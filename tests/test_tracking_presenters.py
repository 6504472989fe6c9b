"""Plain words on the tracking pages: carrier events as sentences in the reader's language, the
same step told once, the arrival headline and the route (``app.tracking.presenters``)."""
import re
from datetime import date, timedelta

import pytest
from flask_babel import force_locale

from app.carriers.eta import ExpectedDelivery
from app.clock import utcnow
from app.orders import lifecycle
from app.orders.models import CarrierEvent
from app.tracking import places, presenters


def _customer(make_user, **kwargs):
    user = make_user("customer", **kwargs)
    return user, user.customer


@pytest.mark.parametrize("lang, sentence", [
    ("en", "Your parcel is waiting for you at branch No. 12 in Lviv"),
    ("uk", "Ваша посилка чекає на вас: відділення №12, Львів"),
    ("pl", "Twoja paczka czeka na Ciebie: oddział nr 12, Lwów"),
    ("ru", "Ваша посылка ждёт вас: отделение №12, Львов"),
])
def test_a_carrier_event_reads_as_a_sentence_in_the_readers_language(app, lang, sentence):
    with app.test_request_context(), force_locale(lang):
        place = presenters.read_place("Відділення №12 (до 30 кг): вул. Городоцька, 120, Львів")
        assert presenters.event_sentence("in_transit", place, at_pickup_point=True) == sentence


def test_places_are_found_in_the_bundled_table(app):
    assert places.find_city("ЛЬВІВ СЦ").key == "lviv"
    assert places.find_city("Warszawa, PL").key == "warszawa"
    assert places.find_city("KRA02A").key == "krakow"  # InPost machine code
    assert places.find_city("Біла Церква, Київська").key == "bila_tserkva"
    assert places.find_city("Bonn, DE") is None
    with app.test_request_context(), force_locale("en"):
        assert presenters.read_place("Bonn, DE").text == "Bonn"  # a place not in the table keeps its name
        assert presenters.read_place("КИЇВ 1").text == "Kyiv"
    paths = places.outline_paths()
    assert paths["ua"].startswith("M") and paths["pl"].endswith("Z")
    assert len(paths["ua"]) + len(paths["pl"]) < 2500  # small: it is inlined in the page


def test_a_carrier_scan_and_a_staff_change_saying_the_same_are_one_item(app, db, make_user, make_order):
    _, customer = _customer(make_user, language="en")
    order = make_order(customer=customer, status="shipped")
    at = utcnow().replace(microsecond=0)
    lifecycle.change_status(order, "in_transit", source="staff", note="Sent from Kyiv")
    shipment = order.shipments[0]
    db.session.add_all([
        CarrierEvent(shipment=shipment, occurred_at=at + timedelta(minutes=5), raw_code="5",
                     raw_text="Відправлення прямує до міста Львів", mapped_status="in_transit", location="Київ"),
        CarrierEvent(shipment=shipment, occurred_at=at + timedelta(hours=5), raw_code="6",
                     raw_text="Відправлення у місті Львів", mapped_status="in_transit", location="Львів")])
    db.session.commit()
    with app.test_request_context(), force_locale("en"):
        news = presenters.news(order)
    sentences = [n.sentence for n in news]
    assert sentences[:2] == ["Your parcel is on its way: Lviv", "Your parcel is on its way: Kyiv"]
    merged = news[1]
    assert "Shop staff" in merged.source and "Nova Poshta" in merged.source
    assert merged.notes == ["Sent from Kyiv"]
    assert merged.originals == ["Відправлення прямує до міста Львів · Київ"]
    assert sentences.count("Your parcel is on its way to you") == 0  # told once, with its place


@pytest.mark.parametrize("earliest, latest, headline", [
    (0, 0, "Arrives today"), (1, 1, "Arrives tomorrow"), (3, 3, "Arrives in 3 days"),
    (2, 3, "Arrives in 2–3 days"), (0, 1, "Arrives today or tomorrow"), (0, 3, "Arrives within 3 days"),
    (-3, -2, "Running late: it was expected on"),
])
def test_the_arrival_headline(app, db, make_user, make_order, earliest, latest, headline):
    _, customer = _customer(make_user)
    order = make_order(customer=customer, status="in_transit")
    today = date(2026, 12, 7)
    expected = ExpectedDelivery(today + timedelta(days=earliest), today + timedelta(days=latest), "estimate")
    with app.test_request_context(), force_locale("en"):
        arrival = presenters.arrival(order, expected, expected_text="x", expected_source="our estimate", now=today)
    assert arrival.headline.startswith(headline)


def test_waiting_at_the_pickup_point_until_the_storage_deadline(app, db, make_user, make_order):
    _, customer = _customer(make_user)
    order = make_order(customer=customer, status="in_transit")
    lifecycle.set_flags(order, at_pickup_point=True)
    db.session.commit()
    today = date(2026, 12, 5)
    expected = {"en": "Waiting for you at branch No. 12 in Lviv until December 9",
                "uk": "Чекає на вас до 9 грудня: відділення №12, Львів"}
    for lang, text in expected.items():
        with app.test_request_context(), force_locale(lang):
            arrival = presenters.arrival(order, None, pickup_point=presenters.pickup_place(order),
                                         storage_until=date(2026, 12, 9), now=today)
            assert arrival.headline == text and arrival.kind == "pickup"


def test_the_route_lists_the_places_passed_and_the_destination(app, db, make_user, make_order):
    _, customer = _customer(make_user)
    order = make_order(customer=customer, status="in_transit",
                       delivery={"city": "Одеса", "region": "Одеська", "pickup_point": "Відділення №3"})
    shipment, at = order.shipments[0], utcnow().replace(microsecond=0)
    for hours, place in ((1, "Київ"), (2, "КИЇВ ЦОКК"), (3, "Вінниця")):
        db.session.add(CarrierEvent(shipment=shipment, occurred_at=at + timedelta(hours=hours), raw_code="5",
                                    mapped_status="in_transit", location=place))
    db.session.commit()
    with app.test_request_context(), force_locale("en"):
        route = presenters.route(order)
    assert [(s.name, s.state) for s in route.stops] == [("Kyiv", "passed"), ("Vinnytsia", "here"),
                                                         ("Odesa", "ahead")]
    assert re.fullmatch(r"[\d.]+,[\d.]+ [\d.]+,[\d.]+", route.line) and route.ahead_line and route.outlines
