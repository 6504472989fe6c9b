"""Local fake carriers speaking the documented formats (shared/spec/carriers.md), for the benchmark.

Every parcel has two events (handed over, then moving). Each answer waits ``delay`` seconds,
like a real API's latency. Run in its own process so the fakes do not compete with the sync
for the interpreter lock: ``python bench/fake_carriers.py 0.05`` prints the five base URLs.
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Request:
    """The little the handlers read from a request."""

    def __init__(self, path, query, headers, body):
        self.path, self.args, self.headers, self.body = path, query, headers, body

    def get_json(self):
        return json.loads(self.body)


def _json(body, status=200):
    return status, json.dumps(body, ensure_ascii=False).encode()


def nova_poshta(request):
    docs = request.get_json()["methodProperties"]["Documents"]
    if len(docs) > 100:
        return _json({"success": False, "data": [], "errors": ["Too many documents"], "warnings": []})
    data = [{"Number": d["DocumentNumber"], "StatusCode": "5", "Status": "Відправлення прямує до міста Львів",
             "DateScan": "10:15 20.11.2026", "TrackingUpdateDate": "2026-11-20 10:15:00",
             "ScheduledDeliveryDate": "23-11-2026 12:00:00", "DocumentWeight": 1.5, "CityRecipient": "Львів"}
            for d in docs]
    return _json({"success": True, "data": data, "errors": [], "warnings": [], "info": []})


def ukrposhta(request):
    numbers = request.get_json()
    found = {n: [{"barcode": n, "step": 1, "date": "2026-11-19T09:00:00", "event": "10100", "eventName": "Прийнято",
                  "name": "КИЇВ 1", "index": "01001", "eventReason_id": None},
                 {"barcode": n, "step": 2, "date": "2026-11-20T10:00:00", "event": "20700",
                  "eventName": "Надходження на сортувальний центр", "name": "КИЇВ ЦОКК", "index": "05300",
                  "eventReason_id": None}] for n in numbers}
    return _json({"found": found, "notFound": []})


def meest(request):
    if request.path.endswith("/auth"):
        return _json({"status": "OK", "result": {"token": "bench-token", "refresh_token": "r", "expiresIn": 86400}})
    if request.headers.get("token") != "bench-token":
        return 401, b""
    number = request.path.rsplit("/", 1)[-1]
    result = [{"parcelNumber": number, "eventDateTime": "2026-11-19 11:21:42", "eventCode": 606,
               "eventDescr": {"descrUA": "Надходження до підрозділу відправника"}},
              {"parcelNumber": number, "eventDateTime": "2026-11-20 08:00:00", "eventCode": 1100,
               "eventDescr": {"descrUA": "Прибуло на сортувальний центр"}}]
    return _json({"status": "OK", "info": {"fieldName": "", "message": "", "messageDetails": ""}, "result": result})


def dhl(request):
    number = request.args.get("trackingNumber", [""])[0]
    events = [{"timestamp": "2026-11-20T08:00:00Z", "statusCode": "transit", "status": "IN TRANSIT",
               "description": "Processed in parcel center."},
              {"timestamp": "2026-11-19T08:00:00Z", "statusCode": "pre-transit", "status": "PRE-TRANSIT",
               "description": "The shipment data has been transmitted."}]
    return _json({"shipments": [{"id": number, "service": "parcel-de", "status": events[0], "events": events,
                                 "estimatedTimeOfDelivery": "2026-11-23T00:00:00Z"}]})


def inpost(request):
    number = request.path.rsplit("/", 1)[-1]
    details = [{"status": "adopted_at_sorting_center", "datetime": "2026-11-20T09:30:00.000+01:00"},
               {"status": "dispatched_by_sender", "datetime": "2026-11-19T10:00:00.000+01:00"}]
    return _json({"tracking_number": number, "status": details[0]["status"], "tracking_details": details,
                  "expected_flow": []})


HANDLERS = {"nova_poshta": nova_poshta, "ukrposhta": ukrposhta, "meest": meest, "dhl": dhl, "inpost": inpost}


def handler_for(handle, delay):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the carriers' APIs answer
        # Headers and body go out in two writes: without TCP_NODELAY, Nagle's algorithm holds the
        # body until the client's delayed ACK (~40 ms), which no real carrier adds to its answers.
        disable_nagle_algorithm = True

        def _answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            url = urlsplit(self.path)
            time.sleep(delay)
            status, payload = handle(Request(url.path, parse_qs(url.query), self.headers, body))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _answer

        def log_message(self, *args):
            pass

    return Handler


def serve(delay):
    servers = {}
    for code, handle in HANDLERS.items():
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(handle, delay))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers[code] = f"http://127.0.0.1:{server.server_port}"
    return servers


if __name__ == "__main__":
    urls = serve(float(sys.argv[1]) if len(sys.argv) > 1 else 0.05)
    print(json.dumps(urls), flush=True)
    sys.stdin.read()  # until the parent closes our stdin
