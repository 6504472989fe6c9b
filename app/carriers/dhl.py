"""DHL Shipment Tracking – Unified: ``GET /shipments?trackingNumber=``, header ``DHL-API-Key``.

One number per call; the starter quota is 250 calls a day and 1 a second (the daily quota is
kept in the database by ``sync.py``). Trust ``statusCode``, not the free text; sort events by
time because their order is not documented. Returns show up only in the text.
"""
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


def _place(location):
    address = (location or {}).get("address") if isinstance(location, dict) else None
    if not isinstance(address, dict):
        return ""
    return ", ".join(text_of(address.get(k)) for k in ("addressLocality", "countryCode") if address.get(k))


class Dhl(CarrierAdapter):
    code = "dhl"
    batch_size = 1
    required_credentials = ("api_key",)

    def track(self, requests):
        return [self._track_one(r.number) for r in requests]

    def _track_one(self, number):
        response = self.client.request("GET", self.url("/shipments"), params={"trackingNumber": number},
                                       headers={"DHL-API-Key": self.settings.credentials.get("api_key", ""),
                                                "Accept": "application/json"})
        if response.status_code in (401, 403):
            raise CarrierAuthError(f"dhl: the API key was refused (HTTP {response.status_code})")
        if response.status_code == 404:
            return TrackResult(number, found=False, raw=_safe_json(response))
        if response.status_code >= 400:
            body = _safe_json(response)
            detail = text_of(body.get("detail")) if isinstance(body, dict) else ""
            raise CarrierResponseError(f"dhl: HTTP {response.status_code} {detail}".strip())
        payload = self.parse_json(response)
        shipments = payload.get("shipments") if isinstance(payload, dict) else None
        if not isinstance(shipments, list):
            raise CarrierResponseError("dhl: unexpected answer (no shipments)")
        if not shipments:
            return TrackResult(number, found=False, raw=payload)
        shipment = next((s for s in shipments if isinstance(s, dict) and text_of(s.get("id")) == number),
                        shipments[0])
        return self.read_parcel(number, shipment, lambda raw: _read(number, raw))

    probe_number = "0000000000"


def _safe_json(response):
    try:
        return response.json()
    except ValueError:
        return None




def _read(number, shipment):
    if not isinstance(shipment, dict):
        raise ParcelUnreadable("the shipment is not a JSON object")
    raw_events = list(shipment.get("events") or [])
    if not raw_events and isinstance(shipment.get("status"), dict):
        raw_events = [shipment["status"]]
    events = []
    for item in raw_events:
        if not isinstance(item, dict):
            continue
        when = parse_datetime(item.get("timestamp"))
        code = text_of(item.get("statusCode")).lower() or "unknown"
        if when is None:
            continue
        text = text_of(item.get("description")) or text_of(item.get("status"))
        events.append(TrackedEvent(code, text, when, _place(item.get("location"))))
    events.sort(key=lambda e: e.occurred_at)
    eta = shipment.get("estimatedTimeOfDelivery")
    frame = shipment.get("estimatedDeliveryTimeFrame")
    if not eta and isinstance(frame, dict):
        eta = frame.get("estimatedThrough") or frame.get("estimatedFrom")
    return TrackResult(number, True, events, parse_date(eta), shipment)
