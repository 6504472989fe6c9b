"""DHL Shipment Tracking – Unified: ``GET /shipments?trackingNumber=``, header ``DHL-API-Key``.

One number per call; the starter quota is 250 calls a day and 1 a second (the daily quota is
kept in the database by ``sync.py``). Trust ``statusCode``, not the free text; sort events by
time because their order is not documented. A timestamp without an offset (DHL Express, DHL
Parcel Poland) is the local time of the event's place.

Returns have no statusCode of their own (``read_return``): DHL marks a shipment going back to its
sender with ``returnFlag: true`` (all services but parcel-de), and its words say so; from then on
its events are ``returning`` and its "delivered" is the delivery back to the sender, ``returned``.
"""
import re

from markupsafe import Markup

from app.carriers.base import (
    CarrierAdapter,
    CarrierAuthError,
    CarrierResponseError,
    ParcelUnreadable,
    TrackedEvent,
    TrackResult,
    parse_date,
    parse_datetime,
    text_of,
)
from app.carriers.problems import problem
from app.carriers.zones import UTC, zone_for

#: Where a national service's events happen when an event names no country (DHL Parcel Poland
#: sends "2022-04-15T14:44:17" at "Tarnów" and nothing more: Polish time)
SERVICE_COUNTRIES = {"parcel-de": "DE", "post-de": "DE", "parcel-pl": "PL", "parcel-nl": "NL", "parcel-uk": "GB"}


def _address(location):
    address = location.get("address") if isinstance(location, dict) else None
    return address if isinstance(address, dict) else {}


def _place(location):
    address = _address(location)
    return ", ".join(text_of(address.get(k)) for k in ("addressLocality", "countryCode") if address.get(k))


#: Words of DHL's answers for a shipment going back to its sender (no statusCode says it):
#: "UNDELIVERABLE - RETURNED TO SENDER" (DHL eCommerce, paketda.de), "SHIPPER INSTRUCTED TO RTO THE
#: SHIPMENT" (a live answer, Jaal-Yantra-Textiles/v2#1285), "… wird an den Absender zurückgeschickt",
#: "Es erfolgt eine Rücksendung auf Wunsch des Empfängers", "ZURÜCK AN ABSENDER", "Import-Retoure"
#: (parcel-de and eCommerce texts quoted by paketda.de).
RETURN_WORDS = re.compile(
    r"return(?:ed|ing)?\s+to\s+(?:the\s+)?(?:sender|shipper|origin)|\bRTO\b|\bimport\s+return|"
    r"an\s+den\s+absender\s+zur(?:ü|ue)ck|zur(?:ü|ue)ck\s+an\s+(?:den\s+)?absender|r(?:ü|ue)cksendung|retoure",
    re.IGNORECASE)
#: …unless they speak of a label or a form: a customer's own return goes under a tracking number of
#: its own (support-developer.dhl.com article 47001251142), so a return label is no return of this one
NOT_A_RETURN = re.compile(r"label|etikett|schein|formular|\bform\b", re.IGNORECASE)
RETURNING, RETURNED = "returning", "returned"


def says_return(text):
    """Do DHL's words say the shipment goes back to its sender?"""
    return bool(text) and bool(RETURN_WORDS.search(text)) and not NOT_A_RETURN.search(text)


def read_return(events, flagged, told=None):
    """Give the events of a shipment going back to its sender the codes that say so (events oldest first).

    From the first event whose words say return (``told``: by default its text), every event is ``returning`` and a "delivered" is
    ``returned`` (delivered back to the sender, DHL's own example: article 47001251916). With DHL's
    ``returnFlag`` (the shipment "didn't have a successful delivery and is returning to its origin",
    article 47001251142) every "delivered" is that, and the latest event is at least ``returning``.
    """
    told = told or (lambda event: says_return(event.text))
    back = False
    for event in events:
        back = back or told(event)
        if event.code == "delivered" and (back or flagged):
            _read_as(event, RETURNED)
        elif back:
            _read_as(event, RETURNING)
    if flagged and events and events[-1].code != RETURNED:
        _read_as(events[-1], RETURNING)


def _read_as(event, code):
    """Give ``event`` our reading ``code``, keeping DHL's own (the same event may be stored under it:
    the flag comes after the event, or the event was the latest when the flag was first read)."""
    if event.code != code:
        event.carrier_code, event.code = event.code, code


def _zone(location, fallback):
    """Where an event without an offset happened (its country, else the shipment's destination)."""
    address = _address(location)
    return zone_for(text_of(address.get("countryCode")), text_of(address.get("addressLocality")), fallback)


class Dhl(CarrierAdapter):
    code = "dhl"
    required_credentials = ("api_key",)

    def track_one(self, number):
        response = self.client.request("GET", self.url("/shipments"), params={"trackingNumber": number},
                                       headers={"DHL-API-Key": self.settings.credentials.get("api_key", ""),
                                                "Accept": "application/json"})
        if response.status_code in (401, 403):
            raise CarrierAuthError(problem("credentials_refused", detail=f"HTTP {response.status_code}"))
        if response.status_code == 404:
            return TrackResult(number, found=False, raw=_safe_json(response))
        if response.status_code >= 400:
            body = _safe_json(response)
            detail = text_of(body.get("detail")) if isinstance(body, dict) else ""
            raise CarrierResponseError(problem("http_status", status=response.status_code, detail=detail))
        payload = self.parse_json(response)
        shipments = payload.get("shipments") if isinstance(payload, dict) else None
        if not isinstance(shipments, list):
            raise CarrierResponseError(problem("unexpected_answer", detail="no shipments"))
        if not shipments:
            return TrackResult(number, found=False, raw=payload)
        shipment = next((s for s in shipments if isinstance(s, dict) and text_of(s.get("id")) == number),
                        shipments[0])
        return self.read_parcel(number, shipment, lambda raw: _read(number, raw))


def _safe_json(response):
    try:
        return response.json()
    except ValueError:
        return None


def _read(number, shipment):
    if not isinstance(shipment, dict):
        raise ParcelUnreadable("the shipment is not a JSON object")
    home = zone_for(SERVICE_COUNTRIES.get(text_of(shipment.get("service")).lower(), ""), "", UTC)
    fallback = _zone(shipment.get("destination"), home)

    told_back = set()  # the events whose words (description or status) say the shipment goes back
    clock = {}  # event → its timestamp as written, without the offset, and its words

    def event(item):
        when = parse_datetime(item.get("timestamp"), _zone(item.get("location"), fallback))
        # descriptions may carry HTML (a link): its words are kept, not its markup
        text = Markup(text_of(item.get("description")) or text_of(item.get("status"))).striptags()
        read = TrackedEvent(text_of(item.get("statusCode")).lower(), text, when, _place(item.get("location")))
        clock[id(read)] = (text_of(item.get("timestamp"))[:19], text)
        if says_return(text_of(item.get("description"))) or says_return(text_of(item.get("status"))):
            told_back.add(id(read))
        return read

    listed = shipment.get("events")
    events = [e for e in map(event, filter(lambda i: isinstance(i, dict), listed if isinstance(listed, list) else []))
              if e.occurred_at is not None]
    # a history we cannot read in full may hide the words of a return (see below)
    history_lost = not isinstance(listed, list) or not listed or len(events) < len(listed)
    # The shipment's own status counts: DHL Express sends events without a statusCode and says
    # "delivered" only there. It names the event at its moment, or is an event of its own. DHL's
    # own example writes the status's timestamp with a Z and its event's without an offset (local
    # time): the same clock and the same words are the same event, read at the event's time.
    status = event(shipment["status"]) if isinstance(shipment.get("status"), dict) else None
    if status is not None and status.occurred_at is not None and status.code:
        same = next((e for e in events if e.code in ("", status.code) and (
            e.occurred_at == status.occurred_at or clock[id(e)] == clock[id(status)])), None)
        if same is not None:
            same.code = status.code
            if id(status) in told_back:
                told_back.add(id(same))
        else:
            events.append(status)
    if not events and listed and not status:
        raise ParcelUnreadable("no event with a readable timestamp")
    events.sort(key=lambda e: e.occurred_at)
    read_return(events, shipment.get("returnFlag") is True or text_of(shipment.get("returnFlag")).lower() == "true",
                told=lambda e: id(e) in told_back)
    if history_lost and any(e.code == "delivered" for e in events):
        # parcel-de tells a return only in its history's words: a delivery whose history cannot be
        # read may be the one back to the sender, and a delivered order is never moved again
        raise ParcelUnreadable("delivered, but the history (where a return would show) cannot be read in full")
    eta = shipment.get("estimatedTimeOfDelivery")
    frame = shipment.get("estimatedDeliveryTimeFrame")
    if not eta and isinstance(frame, dict):
        eta = frame.get("estimatedThrough") or frame.get("estimatedFrom")
    return TrackResult(number, True, events, parse_date(eta), shipment)
