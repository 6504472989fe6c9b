"""InPost ShipX: ``GET /v1/tracking/{tracking_number}`` (no token needed), one parcel per call.

``tracking_details`` is newest first (a public client wrongly takes the last one); the parcel's
own ``status`` counts as well when it is newer. Times carry an offset; one without is Polish
time. Pushed status changes arrive at the webhook in ``views.py``.
"""
from zoneinfo import ZoneInfo

from app.carriers.base import (
    CarrierAdapter,
    CarrierAuthError,
    CarrierResponseError,
    ParcelUnreadable,
    TrackedEvent,
    TrackResult,
    dated_items,
    parse_datetime,
    text_of,
)
from app.carriers.problems import problem

WARSAW = ZoneInfo("Europe/Warsaw")


class InPost(CarrierAdapter):
    code = "inpost"
    probe_number = "000000000000000000000000"

    def track_one(self, number):
        headers = {"Accept": "application/json"}
        token = self.settings.credentials.get("token")
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = self.client.request("GET", self.url(f"/tracking/{number}"), headers=headers)
        if response.status_code in (401, 403):
            raise CarrierAuthError(problem("credentials_refused", detail=f"HTTP {response.status_code}"))
        if response.status_code == 404:
            return TrackResult(number, found=False)
        if response.status_code >= 400:
            raise CarrierResponseError(problem("http_status", status=response.status_code))
        payload = self.parse_json(response)
        if not isinstance(payload, dict):
            raise CarrierResponseError(problem("unexpected_answer", detail="not a JSON object"))
        if payload.get("error"):
            return TrackResult(number, found=False, raw=payload)
        return self.read_parcel(number, payload, lambda raw: _read(number, raw))


def _read(number, payload):
    details = payload.get("tracking_details") or []
    if not isinstance(details, list):
        raise ParcelUnreadable(f"tracking_details is a {type(details).__name__}, not a list")
    events = [TrackedEvent(code, code.replace("_", " "), when, text_of(item.get("agency")))
              for item, code, when in dated_items(details, "status", "datetime", WARSAW)]
    # The parcel's own status counts too: it may be newer than its details
    code = text_of(payload.get("status"))
    when = parse_datetime(payload.get("updated_at"), WARSAW) or parse_datetime(payload.get("created_at"), WARSAW)
    latest = max(events, key=lambda e: e.occurred_at) if events else None
    if code and when is not None and (latest is None or (latest.code != code and when >= latest.occurred_at)):
        events.append(TrackedEvent(code, code.replace("_", " "), when))
    events.sort(key=lambda e: e.occurred_at)
    return TrackResult(number, True, events, None, payload)
