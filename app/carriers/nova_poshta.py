"""Nova Poshta API 2.0: ``TrackingDocument.getStatusDocuments``, up to 100 documents per call.

The answer carries only the current status of each document (no history), so each sync adds
an event when the status or its scan time changes. Logical errors come back as
``success: false`` whatever the HTTP status; values may be strings or numbers; dates come in
several formats (carriers.md §1).
"""
from datetime import timedelta

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

AUTH_ERROR_CODES = {"20000200068", "20000200069"}
NOT_FOUND_CODE = "3"
#: Where the time of the current status is, best first
DATE_FIELDS = ("DateScan", "TrackingUpdateDate", "RecipientDateTime", "DateCreated")


def free_storage_until(item):
    """The last free day at the branch: the day before paid storage starts.

    ``DatePayedKeeping`` is when paid storage starts (carriers.md §1.4); ``DateFirstDayStorage``
    is the same day in the answers published (arrival + 8 days in RomaBilka's delivered fixture,
    Nova Poshta keeping a parcel free for 7 days), so it stands in when the first is empty.
    """
    paid_from = parse_date(item.get("DatePayedKeeping")) or parse_date(item.get("DateFirstDayStorage"))
    return paid_from - timedelta(days=1) if paid_from else None


def way_back(item, number):
    """The return waybill and the goods given back at the branch (carriers.md §1.4).

    ``LastCreatedOnTheBasisNumber`` is the last waybill created on the basis of this one (a return
    order, a redirection) and ``PartialReturnGoods`` what the recipient handed back when taking
    part of the parcel; the published answers show it only empty, so its entries are kept raw.
    """
    created = text_of(item.get("LastCreatedOnTheBasisNumber"))
    goods = item.get("PartialReturnGoods")
    return {"return_number": created if created and created != number else "",
            "returned_goods": [g for g in goods if g not in (None, "", {})] if isinstance(goods, list) else []}


def _messages(value):
    """``errors``/``warnings`` arrive as a list of strings, a list of objects, or an object."""
    if not value:
        return []
    if isinstance(value, dict):
        return [text_of(v) for v in value.values()]
    out = []
    for item in value if isinstance(value, list) else [value]:
        out.extend(text_of(v) for v in item.values()) if isinstance(item, dict) else out.append(text_of(item))
    return out


def _about_a_document(payload, error):
    """Does a failed call blame a document ("Document number is not correct", "Invalid
    DocumentNumber: 445") rather than the whole call? Only then is asking again in parts worth it."""
    return "document" in " ".join([error, *_messages(payload.get("warnings"))]).lower()


class NovaPoshta(CarrierAdapter):
    code = "nova_poshta"
    batch_size = 100
    probe_number = "20400000000000"

    def _call(self, documents):
        body = {"apiKey": self.settings.credentials.get("api_key", ""), "modelName": "TrackingDocument",
                "calledMethod": "getStatusDocuments", "methodProperties": {"Documents": documents}}
        response = self.client.request("POST", self.settings.base_url, json=body)  # the endpoint itself
        if response.status_code in (401, 403):
            raise CarrierAuthError(problem("credentials_refused", detail=f"HTTP {response.status_code}"))
        payload = self.parse_json(response)
        if not isinstance(payload, dict):
            raise CarrierResponseError(problem("unexpected_answer", detail="not a JSON object"))
        if not payload.get("success"):
            errors = _messages(payload.get("errors"))
            codes = {text_of(c) for c in payload.get("errorCodes") or []}
            text = "; ".join(e for e in errors if e) or "success is false"
            if codes & AUTH_ERROR_CODES or "api key" in text.lower():
                raise CarrierAuthError(problem("credentials_refused", detail=text))
            return payload, text
        return payload, ""

    def track(self, requests):
        documents = [{"DocumentNumber": r.number, "Phone": r.phone or ""} for r in requests]
        payload, error = self._call(documents)
        if error and len(requests) > 1 and _about_a_document(payload, error):
            # One malformed number fails the whole call ("Document number is not correct"): ask
            # each half again, so that it holds up none of the other parcels
            half = len(requests) // 2
            return self.track(requests[:half]) + self.track(requests[half:])
        if error:  # told to each parcel, not counted against the carrier
            return [TrackResult(r.number, found=False, raw=payload, error=error) for r in requests]
        items = {}
        for item in payload.get("data") or []:
            if isinstance(item, dict):
                items[text_of(item.get("Number"))] = item
        results = []
        for r in requests:
            item = items.get(r.number)
            if item is None:
                results.append(TrackResult(r.number, found=False, raw=payload.get("warnings")))
                continue
            results.append(self.read_parcel(r.number, item, self._read))
        return results

    @staticmethod
    def _read(item):
        number = text_of(item.get("Number"))
        code = text_of(item.get("StatusCode"))
        if code == NOT_FOUND_CODE:
            return TrackResult(number, found=False, raw=item)
        if not code:
            raise ParcelUnreadable("no StatusCode")
        # DateScan is "0001-01-01 00:00:00" until the first scan (status 1): the next field answers
        when = next(filter(None, map(parse_datetime, (item.get(name) for name in DATE_FIELDS))), None)
        if when is None:
            raise ParcelUnreadable(f"status {code} without a readable date ({', '.join(DATE_FIELDS)})")
        location = text_of(item.get("WarehouseRecipient")) or text_of(item.get("CityRecipient"))
        event = TrackedEvent(code, text_of(item.get("Status")), when, location)
        return TrackResult(number, True, [event], parse_date(item.get("ScheduledDeliveryDate")), item,
                           storage_until=free_storage_until(item), **way_back(item, number))

    def test_connection(self):
        payload, error = self._call([{"DocumentNumber": self.probe_number, "Phone": ""}])
        return error or "ok"
