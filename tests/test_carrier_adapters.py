"""Each adapter against a local HTTP server answering the documented JSON. Nothing is patched."""
import json
import socket
import time
from datetime import date, datetime

import pytest
from carrier_fixtures import DHL_NOT_FOUND, dhl_body, dhl_event, inpost_body, meest_envelope, meest_event, np_envelope, np_item, up_status
from werkzeug import Response

from app.carriers.base import (
    CarrierAuthError,
    CarrierResponseError,
    CarrierSettings,
    CarrierUnavailable,
    TrackRequest,
    parse_date,
    parse_datetime,
)
from app.carriers.dhl import Dhl, says_return
from app.carriers.http import HttpClient, RateLimiter, retry_after_seconds
from app.carriers.inpost import InPost
from app.carriers.meest import Meest
from app.carriers.nova_poshta import NovaPoshta
from app.carriers.ukrposhta import Ukrposhta
from app.carriers.zones import zone_for
from app.outbound import parse_allowed


def settings(code, url, **kw):
    # A generous deadline: tests that count calls must not see a retry because a loaded CI machine
    # answered slowly (the timeout tests set their own short deadlines).
    base = dict(code=code, mode="live", base_url=url, timeout=5, connect_timeout=5, retries=2,
                backoff_base=0.01, backoff_max=0.05, allowed_hosts=parse_allowed("127.0.0.1"))
    base.update(kw)
    return CarrierSettings(**base)


@pytest.fixture
def hanging_url():
    """A port that accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


def reqs(*numbers):
    return [TrackRequest(n) for n in numbers]


# ---- parsing helpers ---------------------------------------------------------------------------

@pytest.mark.parametrize("value,expected", [
    ("26-02-2022 11:08:03", datetime(2022, 2, 26, 9, 8, 3)),        # Kyiv winter time is UTC+2
    ("08.03.2022 15:16:47", datetime(2022, 3, 8, 13, 16, 47)),
    ("2022-03-08 14:29:04", datetime(2022, 3, 8, 12, 29, 4)),
    ("15:16 08.03.2022", datetime(2022, 3, 8, 13, 16)),
    ("2019-02-07T16:36:00", datetime(2019, 2, 7, 14, 36)),
    ("2018-03-02T07:53:47Z", datetime(2018, 3, 2, 7, 53, 47)),
    ("2024-05-02T09:30:00.000+02:00", datetime(2024, 5, 2, 7, 30)),
    ("2020-03-20 15:08:42 +0100", datetime(2020, 3, 20, 14, 8, 42)),
    ("", None), ("not a date", None),
    ("0001-01-01 00:00:00", None), ("0001-01-01T00:00:00", None), (0, None), ({"date": "x"}, None), (True, None),
])
def test_mixed_date_formats(value, expected):
    assert parse_datetime(value) == expected


def test_dates_only():
    assert parse_date("2022-03-16") == date(2022, 3, 16)
    assert parse_date("07-03-2022 12:00:00") == date(2022, 3, 7)
    assert parse_date("19.11.2021 13:53:47") == date(2021, 11, 19)
    assert parse_date("0001-01-01") is None and parse_date("01.01.0001 00:00:00") is None


@pytest.mark.parametrize("country,city,zone", [
    ("PL", "", "Europe/Warsaw"), ("", "LEIPZIG - GERMANY", "Europe/Berlin"), ("UKRAINE", "", "Europe/Kyiv"),
    ("US", "LOS ANGELES GATEWAY", "America/Los_Angeles"), ("", "CINCINNATI HUB - USA", "America/New_York"),
    ("NL", "Oderweg 2, AMSTERDAM", "Europe/Amsterdam"), ("", "Bonn", "UTC"), ("Atlantis", "", "UTC"),
])
def test_zone_of_a_place(country, city, zone):
    assert str(zone_for(country, city)) == zone


def test_retry_after_forms():
    assert retry_after_seconds("7") == 7
    assert retry_after_seconds(None) is None
    assert 0 <= retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") <= 1  # in the past → 0


def test_rate_limiter_spaces_calls():
    limiter = RateLimiter("20/second")
    start = time.monotonic()
    for _ in range(5):
        limiter.wait()
    assert time.monotonic() - start >= 0.19


# ---- Nova Poshta ---------------------------------------------------------------------------------

def test_nova_poshta_batch_with_phone(httpserver):
    httpserver.expect_request("/v2.0/json/", method="POST").respond_with_json(
        np_envelope([np_item("20400048799000"), np_item("20400048799001", code="9", status="Відправлення отримано",
                                                        RecipientDateTime="08.03.2022 15:16:47"),
                     np_item("20400048799002", code="3", status="Номер не знайдено")]))
    adapter = NovaPoshta(settings("nova_poshta", httpserver.url_for("/v2.0/json/"), credentials={"api_key": "k" * 32}))
    results = adapter.track([TrackRequest("20400048799000", "380671234567"), TrackRequest("20400048799001"),
                             TrackRequest("20400048799002")])
    body = json.loads(httpserver.log[0][0].get_data())
    assert body["modelName"] == "TrackingDocument" and body["calledMethod"] == "getStatusDocuments"
    assert body["methodProperties"]["Documents"][0] == {"DocumentNumber": "20400048799000", "Phone": "380671234567"}
    assert body["apiKey"] == "k" * 32
    first, second, unknown = results
    assert first.found and first.events[0].code == "7" and first.events[0].text == "Прибув на відділення"
    assert first.events[0].occurred_at == datetime(2022, 3, 7, 7, 10)
    assert first.scheduled_delivery_date == date(2022, 3, 7)
    assert first.raw["SomeFutureField"] == {"x": 1}
    assert second.events[0].code == "9"
    assert not unknown.found


def test_nova_poshta_malformed_number_is_a_parcel_problem(httpserver):
    httpserver.expect_request("/").respond_with_json(
        {"success": False, "data": [], "errors": ["Document number is not correct"],
         "warnings": ["Invalid DocumentNumber: 445"], "errorCodes": ["20001401442"]})
    [result] = NovaPoshta(settings("nova_poshta", httpserver.url_for("/"))).track(reqs("445"))
    assert not result.found and "Document number is not correct" in result.error


def test_nova_poshta_batch_failing_for_one_document_is_asked_in_parts(httpserver):
    """One malformed number fails its whole batch; the batch is asked again in halves (a few calls),
    while a failure that blames no document is told to each parcel after one call."""
    bad = {"success": False, "data": [], "errors": ["Document number is not correct"],
           "warnings": ["Invalid DocumentNumber: 445"], "errorCodes": ["20001401442"]}
    numbers = ["20400048799000", "20400048799001", "445", "20400048799002"]

    def respond(request):
        asked = [d["DocumentNumber"] for d in json.loads(request.get_data())["methodProperties"]["Documents"]]
        body = bad if "445" in asked else np_envelope([np_item(n) for n in asked])
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request("/").respond_with_handler(respond)
    results = NovaPoshta(settings("nova_poshta", httpserver.url_for("/"))).track(reqs(*numbers))
    assert [r.number for r in results] == numbers
    assert [r.found for r in results] == [True, True, False, True]
    assert "Document number is not correct" in results[2].error
    assert len(httpserver.log) == 5  # the batch, its two halves, the half with 445 split again

    httpserver.clear()
    httpserver.expect_request("/").respond_with_json(
        {"success": False, "data": [], "errors": ["Сервіс тимчасово недоступний"], "warnings": [], "errorCodes": []})
    results = NovaPoshta(settings("nova_poshta", httpserver.url_for("/"))).track(reqs(*numbers))
    assert len(httpserver.log) == 1 and all(not r.found and "недоступний" in r.error for r in results)


def test_nova_poshta_bad_key(httpserver):
    httpserver.expect_request("/").respond_with_json(
        {"success": False, "data": [], "errors": {"20000200068": "API key incorrect"}, "warnings": [], "errorCodes": []})
    with pytest.raises(CarrierAuthError):
        NovaPoshta(settings("nova_poshta", httpserver.url_for("/"), credentials={"api_key": "bad"})).track(
            reqs("20400048799000"))


def test_nova_poshta_429_retry_after_then_success(httpserver):
    httpserver.expect_ordered_request("/").respond_with_response(
        Response("slow down", status=429, headers={"Retry-After": "1"}))
    httpserver.expect_ordered_request("/").respond_with_json(np_envelope([np_item("20400048799000")]))
    adapter = NovaPoshta(settings("nova_poshta", httpserver.url_for("/"), backoff_max=2))
    start = time.monotonic()
    [result] = adapter.track(reqs("20400048799000"))
    assert time.monotonic() - start >= 1.0  # Retry-After honoured
    assert result.found and len(httpserver.log) == 2


def test_retry_after_longer_than_we_wait_fails_fast(httpserver):
    httpserver.expect_request("/").respond_with_response(Response("", status=429, headers={"Retry-After": "3600"}))
    start = time.monotonic()
    with pytest.raises(CarrierUnavailable, match="429"):
        NovaPoshta(settings("nova_poshta", httpserver.url_for("/"))).track(reqs("20400048799000"))
    assert time.monotonic() - start < 1 and len(httpserver.log) == 1


def test_nova_poshta_500_retried_then_unavailable(httpserver):
    httpserver.expect_request("/").respond_with_data("oops", status=500)
    with pytest.raises(CarrierUnavailable, match="500"):
        NovaPoshta(settings("nova_poshta", httpserver.url_for("/"), retries=2)).track(reqs("20400048799000"))
    assert len(httpserver.log) == 3  # one call and two retries


def test_nova_poshta_timeout(hanging_url):
    start = time.monotonic()
    with pytest.raises(CarrierUnavailable, match="no answer"):
        NovaPoshta(settings("nova_poshta", hanging_url, timeout=0.3, retries=1)).track(reqs("20400048799000"))
    assert time.monotonic() - start < 2.5


def test_nova_poshta_malformed_json(httpserver):
    httpserver.expect_request("/").respond_with_data("<html>maintenance</html>", content_type="text/html")
    with pytest.raises(CarrierResponseError, match="not valid JSON"):
        NovaPoshta(settings("nova_poshta", httpserver.url_for("/"))).track(reqs("20400048799000"))


# ---- Ukrposhta -------------------------------------------------------------------------------------

def test_ukrposhta_batch_found_and_not_found(httpserver):
    httpserver.expect_request("/statuses/with-not-found", method="POST",
                              headers={"Authorization": "Bearer 11111111-2222-3333-4444-555555555555"}).respond_with_json(
        {"found": {"0500128254610": [
            up_status("0500128254610", "20700", "2019-02-07T16:36:00"),
            up_status("0500128254610", "41000", "2019-02-14T14:13:00", name="Відправлення вручено: відправнику",
                      reason="відправнику", reason_id=10, step=66)],
            "0500128254611": [up_status("0500128254611", "21700", "2019-02-08T10:00:00",
                                        name="Відправлення у точці видачі/доставки")]},
         "notFound": ["RA067022855UA"]})
    adapter = Ukrposhta(settings("ukrposhta", httpserver.url_for("/"),
                                 credentials={"token": "11111111-2222-3333-4444-555555555555"}))
    a, b, missing = adapter.track(reqs("0500128254610", "0500128254611", "RA067022855UA"))
    assert json.loads(httpserver.log[0][0].get_data()) == ["0500128254610", "0500128254611", "RA067022855UA"]
    assert [e.code for e in a.events] == ["20700", "41000"] and a.events[1].reason == "10"
    assert b.events[0].code == "21700" and not missing.found


def test_ukrposhta_bad_token(httpserver):
    httpserver.expect_request("/statuses/with-not-found").respond_with_data("", status=401)
    with pytest.raises(CarrierAuthError):
        Ukrposhta(settings("ukrposhta", httpserver.url_for("/"), credentials={"token": "x"})).track(reqs("0500128254610"))


def test_ukrposhta_500_and_malformed(httpserver):
    httpserver.expect_ordered_request("/statuses/with-not-found").respond_with_data("", status=503)
    httpserver.expect_ordered_request("/statuses/with-not-found").respond_with_data("{not json")
    with pytest.raises(CarrierResponseError):
        Ukrposhta(settings("ukrposhta", httpserver.url_for("/"), credentials={"token": "x"})).track(reqs("0500128254610"))


def test_ukrposhta_timeout(hanging_url):
    with pytest.raises(CarrierUnavailable):
        Ukrposhta(settings("ukrposhta", hanging_url, timeout=0.2, retries=0, credentials={"token": "x"})).track(
            reqs("0500128254610"))


# ---- Meest ------------------------------------------------------------------------------------------

def _meest_auth(httpserver, token="tok-1"):
    httpserver.expect_request("/auth", method="POST", json={"username": "shop", "password": "pw"}).respond_with_json(
        {"status": "OK", "fieldName": "", "message": "", "messageDetails": "",
         "result": {"token": token, "refresh_token": "r", "expiresIn": 86400}})


def test_meest_logs_in_and_tracks(httpserver):
    _meest_auth(httpserver)
    httpserver.expect_request("/tracking/TAC-2550636", headers={"token": "tok-1"}).respond_with_json(meest_envelope([
        meest_event("TAC-2550636", 1622, "2019-05-04 16:25:43", "Доручено", "Delivered"),
        meest_event("TAC-2550636", "606", "2019-05-02 11:21:42")]))
    adapter = Meest(settings("meest", httpserver.url_for("/"), credentials={"username": "shop", "password": "pw"}))
    [result] = adapter.track(reqs("TAC-2550636"))
    assert [e.code for e in result.events] == ["606", "1622"]  # sorted by time
    assert result.events[0].text == "Надходження до підрозділу відправника"
    assert result.events[0].location == "Львів, УКРАЇНА"


def test_meest_refreshes_a_stale_token_on_401(httpserver):
    _meest_auth(httpserver, token="fresh")
    httpserver.expect_request("/tracking/TAC-1", headers={"token": "stale"}).respond_with_data("", status=401)
    httpserver.expect_request("/tracking/TAC-1", headers={"token": "fresh"}).respond_with_json(
        meest_envelope([meest_event("TAC-1", 606, "2019-05-02 11:21:42")]))
    adapter = Meest(settings("meest", httpserver.url_for("/"),
                             credentials={"username": "shop", "password": "pw", "session_token": "stale"}))
    [result] = adapter.track(reqs("TAC-1"))
    assert result.found and adapter.token == "fresh"


def test_meest_bad_credentials(httpserver):
    httpserver.expect_request("/auth").respond_with_data("", status=401)
    with pytest.raises(CarrierAuthError):
        Meest(settings("meest", httpserver.url_for("/"), credentials={"username": "shop", "password": "no"})).track(
            reqs("TAC-1"))


def test_meest_unknown_number_and_error_envelope(httpserver):
    httpserver.expect_request("/tracking/TAC-0").respond_with_json(meest_envelope([]))
    httpserver.expect_request("/tracking/TAC-9").respond_with_json(
        {"status": "error", "info": {"fieldName": "trackNumber", "message": "Not found", "messageDetails": ""},
         "result": None})
    adapter = Meest(settings("meest", httpserver.url_for("/"), credentials={"token": "cabinet"}))
    empty, error = adapter.track(reqs("TAC-0", "TAC-9"))
    assert not empty.found and not error.found and "Not found" in error.error


def test_meest_429_then_500_then_ok(httpserver):
    httpserver.expect_ordered_request("/tracking/TAC-1").respond_with_response(
        Response("", status=429, headers={"Retry-After": "0"}))
    httpserver.expect_ordered_request("/tracking/TAC-1").respond_with_data("", status=500)
    httpserver.expect_ordered_request("/tracking/TAC-1").respond_with_json(
        meest_envelope([meest_event("TAC-1", 606, "2019-05-02 11:21:42")]))
    [result] = Meest(settings("meest", httpserver.url_for("/"), credentials={"token": "c"})).track(reqs("TAC-1"))
    assert result.found


def test_meest_timeout_and_malformed(httpserver, hanging_url):
    with pytest.raises(CarrierUnavailable):
        Meest(settings("meest", hanging_url, timeout=0.2, retries=0, credentials={"token": "c"})).track(reqs("TAC-1"))
    httpserver.expect_request("/tracking/TAC-1").respond_with_data("[oops")
    with pytest.raises(CarrierResponseError):
        Meest(settings("meest", httpserver.url_for("/"), credentials={"token": "c"})).track(reqs("TAC-1"))


# ---- DHL -----------------------------------------------------------------------------------------------

def test_dhl_tracks_one_number_per_call(httpserver):
    for number in ("00340434292135100179", "00340434292135100180"):
        httpserver.expect_request("/shipments", query_string={"trackingNumber": number},
                                  headers={"DHL-API-Key": "key"}).respond_with_json(dhl_body(number, [
                                      dhl_event("delivered", "2024-05-03T10:15:00Z", "Delivered.", "DELIVERED"),
                                      dhl_event("transit", "2024-05-01T08:00:00Z")]))
    adapter = Dhl(settings("dhl", httpserver.url_for("/"), credentials={"api_key": "key"}))
    results = adapter.track(reqs("00340434292135100179", "00340434292135100180"))
    assert len(httpserver.log) == 2
    assert [e.code for e in results[0].events] == ["transit", "delivered"]
    assert results[0].scheduled_delivery_date == date(2024, 5, 3)
    assert results[0].events[1].location == "Warszawa, PL"


@pytest.mark.parametrize("words,back", [
    # DHL's words for a shipment going back to its sender (sources in app/carriers/dhl.py)
    ("UNDELIVERABLE - RETURNED TO SENDER", True),
    ("SHIPPER INSTRUCTED TO RTO THE SHIPMENT", True),
    ("Die Sendung hat die Lagerfrist überschritten und wird an den Absender zurückgeschickt.", True),
    ("Es erfolgt eine Rücksendung auf Wunsch des Empfängers.", True),
    ("UNZUSTELLBAR - ZURÜCK AN ABSENDER", True),
    # ... and words that are not: a forwarding, a failed pickup from the sender, a customer's return label
    ("Aufgrund eines Nachsendeauftrags des Empfängers oder einer Vorausverfügung des Absenders wird die "
     "Sendung an eine neue Empfängeradresse gesandt.", False),
    ("Der Absender wurde nicht angetroffen. Die Sendung konnte nicht abgeholt werden.", False),
    ("The return label has been created", False),
    ("Return label to sender created by the customer", False),
    ("Das Retourenlabel wurde erstellt.", False),
    ("The shipment has been processed in the parcel center", False),
    ("", False),
])
def test_dhl_words_of_a_return(words, back):
    assert says_return(words) is back


def test_dhl_return_label_does_not_make_a_delivery_a_return(httpserver):
    """A customer's return label mentioned in the history is no return: the delivery stays a delivery."""
    number = "00340434292135100195"
    httpserver.expect_request("/shipments", query_string={"trackingNumber": number}).respond_with_json(dhl_body(number, [
        dhl_event("delivered", "2024-05-03T10:15:00Z", "Delivered.", "DELIVERED"),
        dhl_event("transit", "2024-05-02T08:00:00Z", "Return label to sender created by the customer"),
        dhl_event("transit", "2024-05-01T08:00:00Z")]))
    [result] = Dhl(settings("dhl", httpserver.url_for("/"), credentials={"api_key": "k"})).track(reqs(number))
    assert [e.code for e in result.events] == ["transit", "transit", "delivered"]


def test_dhl_unknown_bad_key_malformed(httpserver):
    httpserver.expect_request("/shipments", query_string={"trackingNumber": "1"}).respond_with_json(
        DHL_NOT_FOUND, status=404, content_type="application/problem+json")
    httpserver.expect_request("/shipments", query_string={"trackingNumber": "2"}).respond_with_json(
        {"status": 401, "title": "Unauthorized"}, status=401)
    httpserver.expect_request("/shipments", query_string={"trackingNumber": "3"}).respond_with_data("{")
    adapter = Dhl(settings("dhl", httpserver.url_for("/"), credentials={"api_key": "key"}))
    assert not adapter.track(reqs("1"))[0].found
    with pytest.raises(CarrierAuthError):
        adapter.track(reqs("2"))
    with pytest.raises(CarrierResponseError):
        adapter.track(reqs("3"))


def test_dhl_quota_429_and_timeout(httpserver, hanging_url):
    httpserver.expect_request("/shipments").respond_with_response(
        Response('{"title":"Too many requests"}', status=429, headers={"Retry-After": "86400"}))
    with pytest.raises(CarrierUnavailable, match="429"):
        Dhl(settings("dhl", httpserver.url_for("/"), credentials={"api_key": "key"})).track(reqs("1"))
    with pytest.raises(CarrierUnavailable):
        Dhl(settings("dhl", hanging_url, timeout=0.2, retries=0, credentials={"api_key": "k"})).track(reqs("1"))


def test_dhl_500_retried(httpserver):
    httpserver.expect_ordered_request("/shipments").respond_with_data("", status=502)
    httpserver.expect_ordered_request("/shipments").respond_with_json(
        dhl_body("1", [dhl_event("pre-transit", "2024-05-01T08:00:00+02:00")]))
    [result] = Dhl(settings("dhl", httpserver.url_for("/"), credentials={"api_key": "k"})).track(reqs("1"))
    assert result.events[0].occurred_at == datetime(2024, 5, 1, 6, 0)


# ---- InPost --------------------------------------------------------------------------------------------

def test_inpost_details_newest_first(httpserver):
    number = "602677439331630337653846"
    httpserver.expect_request(f"/v1/tracking/{number}").respond_with_json(inpost_body(number, [
        {"status": "ready_to_pickup", "origin_status": "PPR", "agency": "WAW01M", "datetime": "2024-05-02T09:30:00.000+02:00"},
        {"status": "confirmed", "datetime": "2024-05-01T10:00:00.000+02:00"}]))
    httpserver.expect_request("/v1/tracking/000").respond_with_json(
        {"status": 404, "error": "resource_not_found", "message": "Resource not found"}, status=404)
    adapter = InPost(settings("inpost", httpserver.url_for("/v1")))
    found, missing = adapter.track(reqs(number, "000"))
    assert [e.code for e in found.events] == ["confirmed", "ready_to_pickup"]
    assert not missing.found


def test_inpost_errors(httpserver, hanging_url):
    httpserver.expect_request("/v1/tracking/1").respond_with_data("", status=401)
    httpserver.expect_request("/v1/tracking/2").respond_with_data("", status=500)
    httpserver.expect_request("/v1/tracking/3").respond_with_data("nope")
    httpserver.expect_request("/v1/tracking/4").respond_with_response(Response("", status=429, headers={"Retry-After": "0"}))
    adapter = InPost(settings("inpost", httpserver.url_for("/v1"), credentials={"token": "t"}))
    with pytest.raises(CarrierAuthError):
        adapter.track(reqs("1"))
    with pytest.raises(CarrierUnavailable):
        adapter.track(reqs("2"))
    with pytest.raises(CarrierResponseError):
        adapter.track(reqs("3"))
    with pytest.raises(CarrierUnavailable, match="429"):
        adapter.track(reqs("4"))
    with pytest.raises(CarrierUnavailable):
        InPost(settings("inpost", hanging_url, timeout=0.2, retries=0)).track(reqs("5"))


def test_backoff_uses_full_jitter_within_bounds():
    client = HttpClient(settings("dhl", "http://127.0.0.1:9", backoff_base=0.5, backoff_max=4))
    delays = [client.backoff(3) for _ in range(200)]
    assert all(0 <= d <= 4 for d in delays) and max(delays) > 2 and min(delays) < 1
    assert client.backoff(0, retry_after=3) == 3
