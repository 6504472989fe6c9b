"""Ukrposhta status tracking 0.0.1: Bearer token, batch look-up ``statuses/with-not-found``.

The batch method is sent as POST with a JSON array of barcodes (one client sends it as the body
of a GET; POST is the safer reading). Unknown barcodes come back in ``notFound``. 41000
"handed over" with ``eventReason_id`` 10 ("відправнику") means returned to the sender.
"""
from app.carriers.base import (
    CarrierAdapter,
    CarrierAuthError,
    CarrierResponseError,
    ParcelUnreadable,
    TrackedEvent,
    TrackResult,
    dated_items,
    text_of,
)
from app.carriers.problems import problem


class Ukrposhta(CarrierAdapter):
    code = "ukrposhta"
    batch_size = 50
    required_credentials = ("token",)
    probe_number = "0000000000000"

    def track(self, requests):
        numbers = [r.number for r in requests]
        response = self.client.request(
            "POST", self.url("/statuses/with-not-found"), json=numbers,
            headers={"Authorization": f"Bearer {self.settings.credentials.get('token', '')}",
                     "Accept": "application/json"})
        if response.status_code in (401, 403):
            raise CarrierAuthError(problem("credentials_refused", detail=f"HTTP {response.status_code}"))
        if response.status_code == 404:
            return [TrackResult(n, found=False) for n in numbers]
        if response.status_code >= 400:
            raise CarrierResponseError(problem("http_status", status=response.status_code))
        payload = self.parse_json(response)
        if not isinstance(payload, dict) or not isinstance(payload.get("found", {}), dict):
            raise CarrierResponseError(problem("unexpected_answer", detail="no found/notFound"))
        found = payload.get("found") or {}
        results = []
        for number in numbers:
            statuses = found.get(number)
            if isinstance(statuses, dict):
                statuses = [statuses]
            if not statuses:
                results.append(TrackResult(number, found=False, raw=None))
                continue
            results.append(self.read_parcel(number, statuses, lambda raw, number=number: _read(number, raw)))
        return results


def _read(number, statuses):
    if not isinstance(statuses, list):
        raise ParcelUnreadable(f"expected a list of statuses, got {type(statuses).__name__}")
    events = []
    for status, code, when in dated_items(statuses, "event", "date"):
        text = text_of(status.get("eventName"))
        reason_text = text_of(status.get("eventReason"))
        if reason_text and reason_text not in text:
            text = f"{text}: {reason_text}" if text else reason_text
        location = ", ".join(p for p in (text_of(status.get("name")), text_of(status.get("index"))) if p)
        reason = text_of(status.get("eventReason_id")) or ("10" if reason_text == "відправнику" else "")
        events.append(TrackedEvent(code, text, when, location, reason))
    if not events:
        raise ParcelUnreadable("no status with both an event code and a readable date")
    events.sort(key=lambda e: e.occurred_at)
    return TrackResult(number, True, events, None, statuses)
