"""Ukrposhta status tracking 0.0.1: Bearer token, batch look-up ``statuses/with-not-found``.

The batch method is sent as POST with a JSON array of barcodes (one client sends it as the body
of a GET; POST is the safer reading). Unknown barcodes come back in ``notFound``. 41000
"handed over" with ``eventReason_id`` 10 ("відправнику") means returned to the sender.
"""
from app.carriers.base import CarrierAdapter, CarrierAuthError, CarrierResponseError, TrackedEvent, TrackResult, parse_datetime, text_of


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
            raise CarrierAuthError(f"ukrposhta: the bearer token was refused (HTTP {response.status_code})")
        if response.status_code == 404:
            return [TrackResult(n, found=False) for n in numbers]
        if response.status_code >= 400:
            raise CarrierResponseError(f"ukrposhta: HTTP {response.status_code}")
        payload = self.parse_json(response)
        if not isinstance(payload, dict) or not isinstance(payload.get("found", {}), dict):
            raise CarrierResponseError("ukrposhta: unexpected answer (no found/notFound)")
        found = payload.get("found") or {}
        results = []
        for number in numbers:
            statuses = found.get(number)
            if isinstance(statuses, dict):
                statuses = [statuses]
            if not statuses:
                results.append(TrackResult(number, found=False, raw=None))
                continue
            events = []
            for status in statuses:
                if not isinstance(status, dict):
                    continue
                when = parse_datetime(status.get("date"))
                code = text_of(status.get("event"))
                if when is None or not code:
                    continue
                text = text_of(status.get("eventName"))
                reason_text = text_of(status.get("eventReason"))
                if reason_text and reason_text not in text:
                    text = f"{text}: {reason_text}" if text else reason_text
                location = ", ".join(p for p in (text_of(status.get("name")), text_of(status.get("index"))) if p)
                reason = text_of(status.get("eventReason_id")) or ("10" if reason_text == "відправнику" else "")
                events.append(TrackedEvent(code, text, when, location, reason))
            events.sort(key=lambda e: e.occurred_at)
            results.append(TrackResult(number, True, events, None, statuses))
        return results
