"""Every replayed carrier answer (tests/fixtures/carriers), bent out of shape the way real answers are.

Each fixture's answers are served to the carrier's real adapter by a stand-in for its HTTP client,
first as published (the baseline) and then once per mutation, all of them enumerated (no
randomness): one field null, missing, a number for a string and a string for a number, an empty
list, a list or a text for an object, an object or a list for a text, an object for a list, an
unknown status code, an extra event with an unknown code; and each whole answer
as an HTML error page, bytes that are not UTF-8, an empty body, JSON null, an empty list, a bare
text or number, and JSON cut in half.

The adapter is asked the way the sync asks it (``batch_size`` numbers per ``track()``). Whatever
the mutation:

- ``track()`` raises nothing but ``CarrierError`` (which the sync records against the carrier);
- a parcel whose part of the answer was not touched gets exactly the baseline's result, even when
  its batch neighbour's part is broken;
- the touched parcel gets an error (not found, unreadable, the carrier's error) or moves its order
  along the baseline's own way and no further: never to a status the baseline never reaches
  (delivered for a returned parcel), never backwards.

The order's moves are read as the sync reads them: each event's mapped status, forward only.
"""
import copy
import json
from json import dumps
from pathlib import Path

import pytest

from app.carriers.base import CarrierError, CarrierSettings, TrackRequest
from app.carriers.http import Response
from app.carriers.mapping import map_event
from app.carriers.registry import ADAPTERS
from app.orders.statuses import is_forward

FIXTURES = Path(__file__).parent / "fixtures" / "carriers"
FILES = sorted(FIXTURES.glob("*/*.json"))
CREDENTIALS = {"nova_poshta": {"api_key": "k" * 32}, "ukrposhta": {"token": "11111111-2222-3333-4444-555555555555"},
               "meest": {"token": "cabinet-token"}, "dhl": {"api_key": "dhl-key"}, "inpost": {}}
BASE = "http://carrier.test/api"
#: Fields that carry a carrier's status code
CODE_FIELDS = {"StatusCode", "event", "eventCode", "statusCode", "status"}
#: Fields that name the parcel a part of an answer belongs to
NUMBER_FIELDS = ("Number", "barcode", "id", "tracking_number", "parcelNumber")
UNKNOWN_CODE = "zz-unknown-99999"
MISSING = object()
#: Fields whose absence is itself a value: DHL's returnFlag "won't appear at all" on a shipment that
#: is no return (support-developer.dhl.com article 47001251142), so dropping it says something else
ABSENCE_IS_A_VALUE = {"returnFlag"}
WHOLE_ANSWER = {
    "html error page": ("<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>",
                        "text/html"),
    "not utf-8": (b"\xff\xfe\x00{\"found\xe9\x80", "application/json"),
    "empty body": ("", "application/json"),
    "JSON null": ("null", "application/json"),
    "an empty JSON list": ("[]", "application/json"),
    "a JSON text": ('"OK"', "application/json"),
    "a JSON number": ("0", "application/json"),
}


class ReplayClient:
    """Answers the adapter's calls with the fixture's answers, as ``serve`` in test_carrier_replay does."""

    def __init__(self, answers):
        self.answers = answers

    def request(self, method, url, *, params=None, json=None, headers=None, **_ignored):
        path = url[len(BASE):] if url.startswith(BASE) else url
        sent = dumps(json, ensure_ascii=False) if json is not None else ""
        query = {k: str(v) for k, v in (params or {}).items()}
        for answer in self.answers:
            if answer["path"] != path or (answer.get("query") is not None and answer["query"] != query):
                continue
            if answer.get("body_has", "") not in sent:
                continue
            body = answer["body"]
            return Response(answer.get("status", 200), {"Content-Type": answer.get("content_type", "application/json")},
                            body if isinstance(body, bytes) else body.encode("utf-8"))
        return Response(404, {}, b"")


def served(answers):
    """The fixture's answers with their bodies as the carrier sends them."""
    out = []
    for answer in answers:
        body = answer["text"] if "text" in answer else json.dumps(answer["json"], ensure_ascii=False)
        out.append({**answer, "body": body})
    return out


def ask(carrier, answers, orders):
    """{number: outcome} for the fixture's orders, asked in batches as the sync asks."""
    adapter = ADAPTERS[carrier](CarrierSettings(carrier, mode="live", base_url=BASE,
                                                credentials=CREDENTIALS[carrier], retries=0),
                                client=ReplayClient(answers))
    requests = [TrackRequest(o["tracking_number"]) for o in orders]
    outcome = {}
    for i in range(0, len(requests), adapter.batch_size):
        batch = requests[i:i + adapter.batch_size]
        try:
            results = adapter.track(batch)
        except CarrierError as error:
            outcome.update({r.number: ("carrier error", str(error)) for r in batch})
            continue
        assert len(results) == len(batch)
        for request, result in zip(batch, results):
            assert result.number == request.number
            outcome[request.number] = result
    return outcome


def journey(carrier, start, result):
    """The statuses the order passes through (``start`` first) as the sync moves it for ``result``."""
    way = [start]
    for event in result.events:
        mapped = map_event(carrier, event.code, event.reason, event.text)
        if mapped is not None and mapped.status and is_forward(way[-1], mapped.status):
            way.append(mapped.status)
    return way


def summary(carrier, start, outcome):
    """What a person would end up seeing for one parcel (compared exactly for untouched parcels)."""
    if isinstance(outcome, tuple):
        return outcome
    if outcome.unreadable or not outcome.found:
        return ("no news", bool(outcome.unreadable), outcome.error)
    return ("events", tuple((e.code, e.occurred_at, e.text, e.reason) for e in outcome.events),
            tuple(journey(carrier, start, outcome)))


def nodes(value, path=()):
    """Every (path, value) inside a JSON value, the value itself first."""
    yield path, value
    if isinstance(value, dict):
        for key, child in value.items():
            yield from nodes(child, path + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from nodes(child, path + (index,))


def swapped_type(value):
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                return 12345
    return None


def field_mutations(path, value):
    """(name, new value or MISSING) for one node of an answer."""
    out = []
    if path and path[-1] in ABSENCE_IS_A_VALUE:
        return [("number/string swapped", "true")] if value is True else []
    if path and value is not None:
        out.append(("null", None))
    if path and isinstance(path[-1], str):
        out.append(("missing", MISSING))
    other = swapped_type(value)
    if other is not None:
        out.append(("number/string swapped", other))
    if isinstance(value, list) and value:
        out.append(("empty list", []))
        if isinstance(value[0], dict):
            out.append(("object for a list", value[0]))
            code_field = next((f for f in CODE_FIELDS if f in value[0]), None)
            if code_field:
                out.append(("an extra event with an unknown code", value + [{**value[0], code_field: UNKNOWN_CODE}]))
    if isinstance(value, dict) and path:
        out.append(("list for an object", [value]))
        out.append(("text for an object", "n/a"))
    if isinstance(value, str) and path:
        out.append(("object for a text", {"value": value}))
        out.append(("list for a text", [value]))
    if path and path[-1] in CODE_FIELDS and isinstance(value, (str, int)) and not isinstance(value, bool):
        out.append(("unknown code", UNKNOWN_CODE))
    return out


def mutated(document, path, new):
    document = copy.deepcopy(document)
    if not path:
        return new
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    if new is MISSING:
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return document


def owner_of(answer, path, numbers):
    """The parcel a part of an answer belongs to, or None for the envelope (every parcel's)."""
    if answer.get("query", {}).get("trackingNumber") in numbers:
        return answer["query"]["trackingNumber"]
    tail = answer["path"].rsplit("/", 1)[-1]
    if tail in numbers:
        return tail
    value = answer.get("json")
    for key in path:
        if isinstance(key, str) and key in numbers:
            return key
        value = value[key]
        if isinstance(value, str) and value in numbers:
            return value
        if isinstance(value, dict):
            named = [text for text in (str(value.get(f)) for f in NUMBER_FIELDS if value.get(f) is not None)
                     if text in numbers]
            if named:
                return named[0]
    return None


def mutations(fixture):
    """(description, answers, owner) for every mutation of every answer of a fixture."""
    answers = served(fixture["answers"])
    numbers = {o["tracking_number"] for o in fixture["orders"]}
    for index, answer in enumerate(fixture["answers"]):
        def replaced(index=index, **changes):
            return answers[:index] + [{**answers[index], **changes}] + answers[index + 1:]

        owner = owner_of(answer, (), numbers)
        for name, (body, content_type) in WHOLE_ANSWER.items():
            yield f"answer {index}: {name}", replaced(body=body, content_type=content_type), owner
        yield f"answer {index}: JSON cut in half", replaced(body=answers[index]["body"][:len(answers[index]["body"]) // 2]), owner
        if "json" not in answer:
            continue
        seen = set()
        for path, value in nodes(answer["json"]):
            # the same value at the same place of another parcel's part tells nothing new
            shape = (tuple("*" if isinstance(k, int) else k for k in path), dumps(value, sort_keys=True))
            if shape in seen:
                continue
            seen.add(shape)
            for name, new in field_mutations(path, value):
                body = json.dumps(mutated(answer["json"], path, new), ensure_ascii=False)
                yield (f"answer {index} {'/'.join(map(str, path)) or '(whole)'}: {name}", replaced(body=body),
                       owner_of(answer, path, numbers))


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_a_bent_answer_never_crashes_nor_moves_an_order_wrong(path):
    fixture = json.loads(path.read_text())
    carrier, orders = fixture["carrier"], fixture["orders"]
    start = {o["tracking_number"]: o["from"] for o in orders}
    baseline = {n: summary(carrier, start[n], r) for n, r in ask(carrier, served(fixture["answers"]), orders).items()}
    ways = {n: set(s[2]) if s[0] == "events" else {start[n]} for n, s in baseline.items()}
    wrong = []
    count = 0
    for description, answers, owner in mutations(fixture):
        count += 1
        try:
            outcome = ask(carrier, answers, orders)
        except Exception as error:  # anything but CarrierError escaping track() is a crash
            wrong.append(f"{description}: track() raised {error.__class__.__name__}: {error}")
            continue
        for number, result in outcome.items():
            got = summary(carrier, start[number], result)
            if owner is not None and number != owner:
                if got != baseline[number]:
                    wrong.append(f"{description}: untouched parcel {number} changed: {got} (was {baseline[number]})")
                continue
            if got[0] == "events" and not set(got[2]) <= ways[number]:
                wrong.append(f"{description}: parcel {number} would move {' → '.join(got[2])}; "
                             f"the answer as published moves it only along {sorted(ways[number])}")
    assert count > 0
    assert not wrong, f"{len(wrong)} of {count} mutations went wrong:\n" + "\n".join(wrong[:25])
