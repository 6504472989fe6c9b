"""The adapter interface every carrier module implements, and the errors adapters raise.

An adapter turns tracking numbers into ``TrackResult``s in the carrier's own vocabulary (raw
codes, raw texts, event times). It knows nothing about orders or the database: ``sync.py``
maps the codes and moves the orders. Adapters are built per sync run from ``CarrierSettings``.
"""
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from app.carriers.problems import Problem, problem

KYIV = ZoneInfo("Europe/Kyiv")


class CarrierError(Exception):
    """A carrier call failed. ``problem`` says what happened (``problems.Problem``: a code and its
    values, shown to the admin in their language); ``str(error)`` is its English, for the log.

    An adapter may give plain words instead of a problem: they become the detail of a "failed"."""

    #: Counts towards the circuit breaker (the carrier, not one parcel, is in trouble)
    transient = True
    #: What the connection test tells the admin to look at (``services.ConnectionCheck``)
    cause = "unavailable"

    def __init__(self, what="", cause=None):
        self.problem = what if isinstance(what, Problem) else problem("failed", detail=what)
        super().__init__(str(self.problem))
        if cause is not None:
            self.cause = cause


class CarrierUnavailable(CarrierError):
    """Timeouts, 5xx, 429 after every retry, connection errors. ``cause`` says which, as a code:
    "dns", "refused", "private" (an address the outgoing-request guard refuses), "unreachable", "tls",
    "timeout", "rate_limited", "http"."""


class CarrierAuthError(CarrierError):
    """The carrier refused our credentials (401/403, "API key incorrect")."""

    cause = "auth"


class CarrierResponseError(CarrierError):
    """The carrier answered something we cannot read (malformed JSON, unexpected shape), or answered
    with an error of its own (an HTTP status no retry mends)."""

    @property
    def cause(self):
        return "http" if self.problem.code == "http_status" else "response"


class ParcelUnreadable(ValueError):
    """One parcel's part of an answer cannot be understood. ``str(error)`` says why, for the admin.

    Raised by an adapter's per-parcel reader and caught by ``CarrierAdapter.read_parcel``: the
    parcel is recorded with the reason and skipped; its batch, the other parcels and the
    circuit breaker are not affected.
    """


@dataclass
class TrackRequest:
    number: str
    #: The recipient's phone as 380 and nine digits (380671234567) (Nova Poshta shows full details with it)
    phone: str = ""
    #: Simulators start a new parcel's journey here
    created_at: datetime | None = None
    #: For simulators: the events already stored ((code, naive UTC time), oldest first) and the
    #: order's status with the time it was set, so that a journey goes on from where it is
    known: tuple = ()
    status: str = ""
    status_at: datetime | None = None
    #: For simulators: where the order goes, so that their events name places on its way
    city: str = ""
    country: str = ""
    pickup_point: str = ""


@dataclass
class TrackedEvent:
    code: str
    text: str
    #: Naive UTC
    occurred_at: datetime
    location: str = ""
    #: Extra detail some mappings need (Ukrposhta's eventReason_id)
    reason: str = ""
    #: The carrier's own code when the adapter reads the event as another (a DHL event read as a
    #: return, ``dhl.read_return``): an answer read before may have stored the event under it
    carrier_code: str | None = None


@dataclass
class TrackResult:
    number: str
    found: bool = True
    #: Oldest first
    events: list = field(default_factory=list)
    scheduled_delivery_date: date | None = None
    raw: object = None
    #: A per-parcel problem the carrier reported (the parcel, not the carrier, is at fault)
    error: str = ""
    #: Why this parcel's part of the answer could not be understood ("" when it could). Such a
    #: parcel is recorded (the reason for the admin, ``raw`` on the shipment) and changes nothing.
    unreadable: str = ""
    #: The last day the parcel waits at the pickup point free of charge, where the carrier says
    storage_until: date | None = None
    #: The waybill the carrier created to send (part of) the parcel back to the shop, where it says
    return_number: str = ""
    #: What the recipient gave back at the pickup point, as the carrier lists it (entries kept raw)
    returned_goods: list = field(default_factory=list)

    @classmethod
    def unreadable_parcel(cls, number, reason, raw=None):
        return cls(number, found=False, raw=raw, unreadable=reason)

    def raw_json(self, limit=60000):
        text = json.dumps(self.raw, ensure_ascii=False, default=str)
        return text[:limit]


@dataclass
class CarrierSettings:
    """Everything an adapter needs, resolved from admin settings and the environment."""

    code: str
    mode: str = "off"
    base_url: str = ""
    credentials: dict = field(default_factory=dict)
    timeout: float = 10.0
    connect_timeout: float = 5.0
    retries: int = 3
    backoff_base: float = 0.5
    backoff_max: float = 4.0
    rate: str = ""
    concurrency: int = 8
    sandbox_step_minutes: float = 2.0
    #: Private hosts the admin allowed (``OUTGOING_ALLOWED_HOSTS``, parsed by ``app.outbound``)
    allowed_hosts: tuple = ()


class CarrierAdapter:
    """Base class: one subclass per carrier, registered in ``registry.ADAPTERS``."""

    code = ""
    #: How many numbers one call may carry
    batch_size = 1
    #: Credentials that must be present for live mode (names of ``CarrierSettings.credentials`` keys)
    required_credentials = ()
    #: A number no carrier knows, asked by ``test_connection``
    probe_number = "0000000000"

    def __init__(self, settings, client=None):
        from app.carriers.http import HttpClient

        self.settings = settings
        self.client = client or HttpClient(settings)

    def missing_credentials(self):
        return [name for name in self.required_credentials if not self.settings.credentials.get(name)]

    def track(self, requests):
        """``TrackResult`` per request (same order). Raises ``CarrierError`` when the call fails.

        Carriers asked one number per call implement ``track_one(number)`` instead."""
        return [self.track_one(r.number) for r in requests]

    def test_connection(self):
        """A cheap real call; returns a short message or raises ``CarrierError``."""
        self.track([TrackRequest(self.probe_number)])
        return "ok"

    def url(self, path=""):
        return self.settings.base_url.rstrip("/") + path

    def read_parcel(self, number, raw, read):
        """``read(raw)`` (a ``TrackResult``), or an unreadable result when the parcel's data cannot be
        understood: one odd parcel never fails its batch nor counts against the carrier."""
        try:
            return read(raw)
        except ParcelUnreadable as error:
            return TrackResult.unreadable_parcel(number, str(error), raw)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as error:
            return TrackResult.unreadable_parcel(number, f"unexpected data ({error.__class__.__name__}: {error})"[:300],
                                                 raw)

    def parse_json(self, response):
        try:
            return response.json()
        except ValueError:
            raise CarrierResponseError(problem("bad_json", status=response.status_code))


# ---- lenient parsing helpers -----------------------------------------------------------------

_DATE_FORMATS = (
    "%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M:%S", "%d.%m.%Y %H:%M:%S",
    "%H:%M %d.%m.%Y", "%d.%m.%Y %H:%M", "%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y",
)


#: Dates before this year are placeholders, not times: Nova Poshta sends ``0001-01-01 00:00:00``
#: for a scan that has not happened yet (its own documentation example for status 1 does).
EARLIEST_YEAR = 1990


def parse_datetime(value, local=KYIV):
    """A carrier's time as naive UTC, or None (empty, unreadable or a placeholder date).

    Times without an offset are ``local`` time."""
    if value is None or isinstance(value, bool) or value == "":
        return None
    if isinstance(value, (int, float)):
        try:
            moment = datetime.fromtimestamp(value / 1000 if value > 1e11 else value, timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
        return moment.replace(tzinfo=None) if moment.year >= EARLIEST_YEAR else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    text = re.sub(r"Z$", "+00:00", text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = None
        for fmt in _DATE_FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if parsed is None or parsed.year < EARLIEST_YEAR:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=local)
    try:
        return parsed.astimezone(timezone.utc).replace(tzinfo=None)
    except (OverflowError, ValueError):
        return None


def parse_date(value, local=KYIV):
    """A carrier's date (the local calendar day), or None."""
    if value is None or isinstance(value, bool) or value == "":
        return None
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y"):
        try:
            day = datetime.strptime(text[:10], fmt).date()
        except ValueError:
            continue
        return day if day.year >= EARLIEST_YEAR else None
    moment = parse_datetime(value, local)
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc).astimezone(local).date()


def dated_items(items, code_field, time_field, zone=KYIV):
    """``(item, code, naive UTC time)`` for each object of ``items`` that has a code and a readable time.

    ``zone``: the zone of times sent without an offset, or a function of the item giving it."""
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, dict):
            continue
        code = text_of(item.get(code_field))
        when = parse_datetime(item.get(time_field), zone(item) if callable(zone) else zone)
        if code and when is not None:
            yield item, code, when


def text_of(value):
    """A number-or-string field as a clean string ("" for nothing, or for a list or an object)."""
    if value is None or isinstance(value, (dict, list, tuple)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()
