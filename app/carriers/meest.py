"""Meest openAPI v3.0: ``GET /tracking/{trackNumber}`` with a ``token`` header, one parcel per call.

The token comes from ``POST /auth`` (username and password) or is a cabinet token given as
is; on a 401 the adapter logs in again once. At most 500 requests a minute per user.
"""
import threading

from app.carriers.base import (
    KYIV,
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
from app.carriers.zones import zone_for


def _descr(value, lang=("descrUA", "descrEN", "descrRU")):
    if isinstance(value, dict):
        for key in lang:
            if value.get(key):
                return text_of(value[key])
        return ""
    return text_of(value)


def _error_text(payload):
    """The error's words, wherever the envelope puts them: ``info`` is an object in the Swagger's
    /tracking schema but a plain string in what clients handle."""
    info = payload.get("info")
    info, text = (info, "") if isinstance(info, dict) else ({}, info)
    parts = [info.get("message"), info.get("messageDetails"), payload.get("message"), payload.get("messageDetails"), text]
    return "; ".join(text_of(p) for p in parts if p) or "status is not OK"


class Meest(CarrierAdapter):
    code = "meest"
    probe_number = "TAC-0000000"

    def __init__(self, settings, client=None):
        super().__init__(settings, client)
        #: A cabinet token, else the last session token from ``POST /auth``
        self.token = settings.credentials.get("token") or settings.credentials.get("session_token") or ""
        self._token_lock = threading.Lock()

    def missing_credentials(self):
        creds = self.settings.credentials
        if creds.get("token") or (creds.get("username") and creds.get("password")):
            return []
        return ["username", "password"]

    def authenticate(self, stale=None):
        with self._token_lock:
            if self.token and self.token != stale:
                return self.token  # another thread logged in meanwhile
            creds = self.settings.credentials
            if not (creds.get("username") and creds.get("password")):
                raise CarrierAuthError(problem("login_needed"))
            response = self.client.request("POST", self.url("/auth"),
                                           json={"username": creds["username"], "password": creds["password"]})
            if response.status_code in (401, 403):
                raise CarrierAuthError(problem("credentials_refused", detail=f"HTTP {response.status_code}"))
            payload = self.parse_json(response)
            result = payload.get("result") if isinstance(payload, dict) else None
            token = text_of(result.get("token")) if isinstance(result, dict) else ""
            if not token:
                raise CarrierResponseError(problem("unexpected_answer", detail="the log-in answer has no token"))
            self.token = token
            return token

    def _get(self, number):
        token = self.token or self.authenticate()
        for attempt in range(2):
            response = self.client.request("GET", self.url(f"/tracking/{number}"),
                                           headers={"token": token, "Content-Type": "application/json"})
            if response.status_code == 401 and attempt == 0:
                token = self.authenticate(stale=token)
                continue
            if response.status_code in (401, 403):
                raise CarrierAuthError(problem("credentials_refused", detail=f"HTTP {response.status_code}"))
            return response
        return response

    def track_one(self, number):
        response = self._get(number)
        if response.status_code == 404:
            return TrackResult(number, found=False)
        payload = self.parse_json(response)
        if not isinstance(payload, dict):
            raise CarrierResponseError(problem("unexpected_answer", detail="not a JSON object"))
        if text_of(payload.get("status")).lower() != "ok":
            if response.status_code >= 400:
                raise CarrierResponseError(problem("http_status", status=response.status_code,
                                                          detail=_error_text(payload)))
            return TrackResult(number, found=False, raw=payload, error=_error_text(payload))
        return self.read_parcel(number, payload, lambda raw: _read(number, raw))

    def test_connection(self):
        if not self.settings.credentials.get("token"):
            self.token = ""
            self.authenticate()
        self.track_one(self.probe_number)
        return "ok"


def _zone(item):
    """Meest's times are local to the event's country (Ukraine unless it says otherwise)."""
    country = item.get("eventCountryDescr")
    return zone_for(_descr(country, ("descrEN",)) if isinstance(country, dict) else "", "", KYIV)


def _read(number, payload):
    result = payload.get("result") or []
    if isinstance(result, dict):
        result = [result]
    if not isinstance(result, list):
        raise ParcelUnreadable(f"result is a {type(result).__name__}, not a list of events")
    events = []
    for item, code, when in dated_items(result, "eventCode", "eventDateTime", _zone):
        text = _descr(item.get("eventDescr"))
        detail = _descr(item.get("eventDetailDescr"))
        if detail:
            text = f"{text}: {detail}"
        location = ", ".join(p for p in (_descr(item.get("eventCityDescr")),
                                         _descr(item.get("eventCountryDescr"))) if p)
        events.append(TrackedEvent(code, text, when, location))
    if result and not events:
        raise ParcelUnreadable("no event with both an eventCode and a readable eventDateTime")
    events.sort(key=lambda e: e.occurred_at)
    return TrackResult(number, bool(events), events, None, payload)
