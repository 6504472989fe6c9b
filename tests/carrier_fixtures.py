"""Answers in the carriers' documented formats (shared/spec/carriers.md), for fakes and tests."""


def np_item(number, code="7", status="Прибув на відділення", **extra):
    item = {"Number": number, "StatusCode": code, "Status": status, "CitySender": "Київ", "CityRecipient": "Львів",
            "WarehouseRecipient": "Відділення №1: вул. Прикладна, 1", "WarehouseRecipientNumber": 1,
            "ScheduledDeliveryDate": "07-03-2022 12:00:00", "ActualDeliveryDate": "2022-03-07 09:10:00",
            "RecipientDateTime": "", "DateCreated": "05-03-2022 11:08:03", "DateFirstDayStorage": "2022-03-14",
            "TrackingUpdateDate": "2022-03-07 09:10:05", "DateScan": "09:10 07.03.2022",
            "ServiceType": "WarehouseWarehouse", "Redelivery": 0, "DocumentWeight": 2.99, "PhoneRecipient": "",
            "RecipientFullName": "", "PossibilityCreateReturn": False, "SomeFutureField": {"x": 1}}
    item.update(extra)
    return item


def np_envelope(items, success=True, errors=(), error_codes=()):
    return {"success": success, "data": list(items), "errors": list(errors),
            "warnings": [{f"ID_{i['Number']}": "Please enter a valid phone number from the express invoice to show "
                                              "full information"} for i in items if isinstance(i, dict)],
            "info": [], "messageCodes": [], "errorCodes": list(error_codes), "warningCodes": [], "infoCodes": []}


def up_status(barcode, event, date, name="Надходження на сортувальний центр", step=30, reason=None, reason_id=None):
    return {"barcode": barcode, "step": step, "date": date, "index": "05300", "name": "ЦОКК 5 КИЇВ", "event": event,
            "eventName": name, "country": "Україна", "eventReason": reason, "eventReason_id": reason_id,
            "mailType": 4096, "indexOrder": 9}


def meest_event(number, code, when, ua="Надходження до підрозділу відправника", en="Arrival at sender's office"):
    return {"parcelNumber": number, "barCode": "711-2550636", "eventDateTime": when, "eventCode": code,
            "eventCodeUPU": "", "eventPlaces": "1/1",
            "eventCountryDescr": {"descrUA": "УКРАЇНА", "descrRU": "УКРАИНА", "descrEN": "UKRAINE"},
            "eventCityDescr": {"descrUA": "Львів", "descrRU": "Львов", "descrEN": "Lviv"},
            "eventDescr": {"descrUA": ua, "descrRU": "", "descrEN": en},
            "eventDetailDescr": {"descrUA": "", "descrRU": "", "descrEN": ""}}


def meest_envelope(events):
    return {"status": "OK", "info": {"fieldName": "", "message": "", "messageDetails": ""}, "result": list(events)}


def dhl_body(number, events, eta="2024-05-03T00:00:00Z"):
    return {"shipments": [{
        "id": number, "service": "parcel-de",
        "origin": {"address": {"countryCode": "DE", "postalCode": "53113", "addressLocality": "Bonn"}},
        "destination": {"address": {"countryCode": "PL", "postalCode": "00-001", "addressLocality": "Warszawa"}},
        "status": events[0], "estimatedTimeOfDelivery": eta,
        "details": {"product": {"productName": "DHL Paket International"}, "totalNumberOfPieces": 1},
        "events": events}]}


def dhl_event(code, when, text="Processed in parcel center.", status="IN TRANSIT"):
    return {"timestamp": when, "statusCode": code, "status": status, "description": text,
            "location": {"address": {"countryCode": "PL", "addressLocality": "Warszawa"}}}


DHL_NOT_FOUND = {"title": "No result found", "detail": "No shipment with given tracking number found.", "status": 404,
                 "instance": "/shipment/8264715546"}


def inpost_body(number, details, status=None):
    return {"tracking_number": number, "service": "inpost_locker_standard", "status": status or details[0]["status"],
            "custom_attributes": {"size": "A", "target_machine_id": "WAW01M", "dropoff_machine_id": "KRA02A"},
            "created_at": "2024-05-01T10:00:00.000+02:00", "updated_at": "2024-05-02T09:30:00.000+02:00",
            "tracking_details": details, "expected_flow": []}


def serve_nova_poshta(db, httpserver, item_for):
    """A local Nova Poshta on ``httpserver``: its tracking call answers each waybill asked about with
    ``item_for(number)`` (an ``np_item``); the live settings send the app there."""
    import json

    from werkzeug import Response

    from app import settings
    from app.database import writing

    def answer(request):
        numbers = [d["DocumentNumber"] for d in json.loads(request.get_data())["methodProperties"]["Documents"]]
        return Response(json.dumps(np_envelope([item_for(n) for n in numbers])), content_type="application/json")

    httpserver.expect_request("/np/", method="POST").respond_with_handler(answer)
    with writing():
        settings.put("NOVAPOSHTA_MODE", "live")
        settings.put("NOVAPOSHTA_API_URL", httpserver.url_for("/np/"))
        settings.put("NOVAPOSHTA_API_KEY", "k" * 32, secret=True)
        db.session.commit()
