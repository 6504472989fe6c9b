"""Carrier answers as published (tests/fixtures/carriers/*/*.json) replayed through a real sync.

Each file is served by a local HTTP server standing in for the carrier; the sync asks it like
the real API, and every order must end where the carrier's own documentation says it does.
"""
import json
from datetime import datetime
from pathlib import Path

import pytest
from flask_babel import force_locale
from werkzeug import Response

from app import settings
from app.carriers import is_tracking_number, problems
from app.carriers.models import CarrierState, SyncRun
from app.carriers.registry import PREFIX
from app.carriers.sync import sync_all
from app.orders import links
from app.orders.models import CarrierEvent, Order, Shipment

FIXTURES = Path(__file__).parent / "fixtures" / "carriers"
FILES = sorted(FIXTURES.glob("*/*.json"))
#: What each carrier needs to be asked live (cabinet token for Meest: no log-in call)
CREDENTIALS = {"nova_poshta": {"API_KEY": "k" * 32}, "ukrposhta": {"TOKEN": "11111111-2222-3333-4444-555555555555"},
               "meest": {"TOKEN": "cabinet-token"}, "dhl": {"API_KEY": "dhl-key"}, "inpost": {}}


@pytest.fixture
def app_config():
    return {"CARRIER_RETRIES": 0, "CARRIER_TIMEOUT_SECONDS": 2, "CARRIER_BACKOFF_SECONDS": 0.01,
            "CARRIER_BACKOFF_MAX_SECONDS": 0.05, "DHL_RATE_LIMIT": "", "MEEST_RATE_LIMIT": ""}


def test_every_carrier_has_five_published_answers():
    counts = {carrier: len(list((FIXTURES / carrier).glob("*.json"))) for carrier in CREDENTIALS}
    assert all(count >= 5 for count in counts.values()), counts
    assert all(json.loads(path.read_text())["source"] for path in FILES)


def serve(httpserver, carrier, answers):
    """Each answer at its path; answers sharing a path are told apart by ``body_has`` (words the
    request's body holds: a batch and its single documents go to one address), the first that fits."""
    by_address = {}
    for answer in answers:
        address = (f"/{carrier}{answer['path']}", json.dumps(answer.get("query"), sort_keys=True))
        by_address.setdefault(address, []).append(answer)
    for group in by_address.values():
        path, query = f"/{carrier}{group[0]['path']}", group[0].get("query")
        def respond(request, group=group):
            sent = request.get_data(as_text=True)
            answer = next(a for a in group if a.get("body_has", "") in sent)
            body = answer["text"] if "text" in answer else json.dumps(answer["json"], ensure_ascii=False)
            return Response(body, status=answer.get("status", 200), headers=answer.get("headers"),
                            content_type=answer.get("content_type", "application/json"))
        httpserver.expect_request(path, query_string=query).respond_with_handler(respond)


def _order(db, make_order, status, carrier, number):
    """An order at ``status`` with the parcel ``number``. A number no one can type today (Nova Poshta's
    published answer for "445") is a parcel stored before the 6-character rule, as an upgraded shop has."""
    if is_tracking_number(number):
        return make_order(status=status, carrier=carrier, tracking_number=number)
    order = make_order(status=status, carrier=carrier, tracking_number=False)
    order.shipments.append(Shipment(carrier=carrier, tracking_number=number))
    db.session.commit()
    return order


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_replayed_answer_moves_orders_as_documented(app, db, make_order, httpserver, path):
    fixture = json.loads(path.read_text())
    carrier = fixture["carrier"]
    orders = {o["tracking_number"]: _order(db, make_order, o["from"], carrier, o["tracking_number"])
              for o in fixture["orders"]}
    serve(httpserver, carrier, fixture["answers"])
    prefix = PREFIX[carrier]
    settings.put(f"{prefix}_MODE", "live")
    settings.put(f"{prefix}_API_URL", httpserver.url_for(f"/{carrier}"))
    for key, value in CREDENTIALS[carrier].items():
        settings.put(f"{prefix}_{key}", value, secret=True)
    db.session.commit()

    [summary] = sync_all(app, carriers=[carrier], trigger="test", force=True)

    db.session.commit()  # a fresh snapshot: the sync committed from its own thread
    run = db.session.execute(db.select(SyncRun)).scalar_one()
    for expected in fixture["orders"]:
        order = db.session.get(Order, orders[expected["tracking_number"]].id)
        got = (order.status, order.at_pickup_point, order.problem)
        want = (expected["to"], expected.get("at_pickup_point", False), expected.get("problem", False))
        assert got == want, (expected["tracking_number"], got, run.errors)
        events = carrier_events(db, order)
        if "unmapped" in expected:
            assert [e.raw_code for e in events if e.unmapped] == expected["unmapped"]
        else:
            assert not any(e.unmapped for e in events), [e.raw_code for e in events if e.unmapped]
        if "event_order" in expected:
            assert [e.raw_code for e in events] == expected["event_order"]
        if "event_times" in expected:
            assert [e.occurred_at for e in events] == [datetime.fromisoformat(t) for t in expected["event_times"]]
        if "event_texts" in expected:
            assert [e.raw_text for e in events] == expected["event_texts"]
    with force_locale("en"):  # as an English-speaking admin reads them on the carriers page
        shown = "\n".join(problems.lines(run.errors))
    for words in fixture.get("run_errors", []):
        assert words in shown, shown
    if not fixture.get("run_errors"):
        assert summary["outcome"] == "ok", run.errors
    state = db.session.get(CarrierState, carrier)
    if not fixture.get("carrier_failed"):  # the carrier's own failure (not JSON, rate-limited) counts against it
        assert state.consecutive_failures == 0 and state.breaker_state == "closed"


def carrier_events(db, order):
    return db.session.execute(db.select(CarrierEvent).join(Shipment).where(Shipment.order_id == order.id)
                              .order_by(CarrierEvent.occurred_at, CarrierEvent.id)).scalars().all()


@pytest.mark.parametrize("language,says", [("uk", "Покладено в поштомат"), ("pl", "Umieszczona w Paczkomacie"),
                                           ("ru", "Помещено в постамат"), ("en", "Placed in the parcel locker")])
def test_inpost_events_read_in_the_customers_language(app, db, make_order, httpserver, client, language, says):
    """InPost sends only status names: the customer reads what they mean in their own language."""
    path = FIXTURES / "inpost" / "documentation_example_ready_to_pickup.json"
    fixture = json.loads(path.read_text())
    order = make_order(status="awaiting_shipment", carrier="inpost", tracking_number="602677439331630337653846")
    serve(httpserver, "inpost", fixture["answers"])
    settings.put("INPOST_MODE", "live")
    settings.put("INPOST_API_URL", httpserver.url_for("/inpost"))
    db.session.commit()
    sync_all(app, carriers=["inpost"], trigger="test", force=True)
    db.session.commit()

    page = client.get(f"/t/{links.make_token(db.session.get(Order, order.id))}",
                      headers={"Accept-Language": language}).get_data(as_text=True)
    assert says in page
    assert "ready to pickup" not in page and "adopted at sorting center" not in page


def replay(app, db, httpserver, name):
    fixture = json.loads((FIXTURES / "inpost" / f"{name}.json").read_text())
    serve(httpserver, "inpost", fixture["answers"])
    settings.put("INPOST_MODE", "live")
    settings.put("INPOST_API_URL", httpserver.url_for("/inpost"))
    db.session.commit()
    sync_all(app, carriers=["inpost"], trigger="test", force=True)
    db.session.commit()


@pytest.mark.parametrize("language,says,status", [
    ("pl", "Upłynął termin odbioru", "Status przewoźnika „handed_to_drone”"),
    ("uk", "Термін отримання минув", "Статус перевізника «handed_to_drone»")])
def test_inpost_codes_read_in_the_readers_language(app, db, make_order, make_user, httpserver, client, login,
                                                   language, says, status):
    """InPost's codes, known or not, reach the customer and the staff as words of their own language:
    the problem note of an expired pickup, the parcel's last status, a status no table knows yet."""
    expired = make_order(status="in_transit", carrier="inpost", tracking_number="602677439331630337653848")
    unknown = make_order(status="awaiting_shipment", carrier="inpost", tracking_number="602677439331630337653850")
    replay(app, db, httpserver, "pickup_time_expired")
    replay(app, db, httpserver, "not_found_and_unknown_status")
    headers = {"Accept-Language": language}

    customer_page = client.get(f"/t/{links.make_token(db.session.get(Order, expired.id))}",
                               headers=headers).get_data(as_text=True)
    assert says in customer_page and "pickup time expired" not in customer_page
    news = client.get(f"/t/{links.make_token(db.session.get(Order, unknown.id))}",
                      headers=headers).get_data(as_text=True)
    assert status in news and "handed to drone" not in news

    make_user(role="staff", email="staff@example.com")
    login("staff@example.com")
    staff_page = client.get(f"/admin/orders/{expired.id}", headers=headers).get_data(as_text=True)
    assert says in staff_page and "pickup time expired" not in staff_page
    assert status in client.get(f"/admin/orders/{unknown.id}", headers=headers).get_data(as_text=True)


def replay_dhl(app, db, httpserver, name):
    fixture = json.loads((FIXTURES / "dhl" / f"{name}.json").read_text())
    serve(httpserver, "dhl", fixture["answers"])
    settings.put("DHL_MODE", "live")
    settings.put("DHL_API_URL", httpserver.url_for("/dhl"))
    settings.put("DHL_API_KEY", "dhl-key", secret=True)
    db.session.commit()
    sync_all(app, carriers=["dhl"], trigger="test", force=True)
    db.session.commit()


@pytest.mark.parametrize("language,back,returned", [
    ("uk", "Повертається до відправника", "Повернуто відправнику"),
    ("en", "On its way back to the sender", "Returned to the sender"),
    ("pl", "Wraca do nadawcy", "Zwrócona do nadawcy"),
    ("ru", "Возвращается к отправителю", "Возвращено отправителю")])
def test_dhl_return_read_in_the_readers_language(app, db, make_order, httpserver, client, language, back, returned):
    """A DHL return is told in the reader's language: the problem of a parcel going back (DHL's own
    words may say only "processed in the parcel center") and a delivery that was one back to the sender."""
    going_back = make_order(status="shipped", carrier="dhl", tracking_number="00340434292135100191")
    came_back = make_order(status="in_transit", carrier="dhl", tracking_number="00123456789765432101")
    replay_dhl(app, db, httpserver, "return_flag_on_the_way_back")
    replay_dhl(app, db, httpserver, "documentation_return_delivered_back_to_sender")
    headers = {"Accept-Language": language}

    page = client.get(f"/t/{links.make_token(db.session.get(Order, going_back.id))}", headers=headers).get_data(as_text=True)
    assert back in page
    page = client.get(f"/t/{links.make_token(db.session.get(Order, came_back.id))}", headers=headers).get_data(as_text=True)
    assert returned in page and "successfully delivered" not in page


def test_dhl_return_flag_read_later_keeps_one_entry_per_event(app, db, make_order, httpserver):
    """DHL's returnFlag may come after the event it makes ours "returning", and that event is no longer
    the latest once a newer one comes: each real event stays one timeline entry all along, and the
    order shows the problem once the flag is read."""
    order = make_order(status="shipped", carrier="dhl", tracking_number="00340434292135100191")
    flagged = json.loads((FIXTURES / "dhl" / "return_flag_on_the_way_back.json").read_text())["answers"][0]
    shipment = flagged["json"]["shipments"][0]
    plain = json.loads(json.dumps(flagged))
    del plain["json"]["shipments"][0]["returnFlag"]
    newer = json.loads(json.dumps(flagged))
    newer["json"]["shipments"][0]["status"] = dict(shipment["status"], timestamp="2024-05-07T10:00:00+02:00")
    newer["json"]["shipments"][0]["events"].insert(0, newer["json"]["shipments"][0]["status"])

    def entries():
        return [(e.raw_code, e.occurred_at.isoformat()) for e in carrier_events(db, db.session.get(Order, order.id))]

    settings.put("DHL_MODE", "live")
    settings.put("DHL_API_URL", httpserver.url_for("/dhl"))
    settings.put("DHL_API_KEY", "dhl-key", secret=True)
    db.session.commit()
    seen = []
    for answer in (plain, flagged, newer):
        httpserver.clear()
        serve(httpserver, "dhl", [answer])
        sync_all(app, carriers=["dhl"], trigger="test", force=True)
        db.session.commit()
        seen.append(entries())
    assert seen[0] == [("transit", "2024-05-01T07:00:00"), ("transit", "2024-05-02T06:00:00"),
                       ("transit", "2024-05-06T07:00:00")]
    assert seen[1] == seen[0][:2] + [("returning", "2024-05-06T07:00:00")]
    assert seen[2] == seen[1] + [("returning", "2024-05-07T08:00:00")]
    got = db.session.get(Order, order.id)
    assert (got.status, got.problem) == ("in_transit", True)
    # the customer's timeline: the two events read as the way back, each once, none also as plain transit
    token = links.make_token(got)
    db.session.commit()
    page = app.test_client().get(f"/t/{token}").get_data(as_text=True)
    timeline = page[page.index('class="timeline"'):]
    assert timeline.count("Повертається до відправника") == 2, timeline
