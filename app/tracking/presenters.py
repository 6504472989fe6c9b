"""Plain words for the customer's tracking pages: the parcel's news as sentences, the arrival
headline and the route.

Everything here reads what ``tracking_view`` has loaded already (the order's history, its
shipments and their events) and runs no query, so the polled partial costs no more than before.
Carriers write in their own language ("Прибув на відділення", "Processed in parcel center"); the
customer reads a sentence in their own language built from what the event *means* (the mapped
status and flags) and where it happened, with the carrier's own words one tap away.
"""
import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_interval, format_skeleton
from flask_babel import get_locale

from app.admin.reasons import note_for_reader
from app.carriers import carrier_label
from app.carriers.mapping import event_text
from app.i18n import gettext as _
from app.i18n import ngettext, select_timezone
from app.orders import statuses
from app.tracking import places

#: "Відділення №12", "Отделение № 5", "Oddział nr 3", "branch No. 12"
_BRANCH = re.compile(r"(?:відділення|отделение|oddział|branch|warehouse)\D{0,12}?(?:№|nr\.?|no\.?)\s*(\d+)",
                     re.IGNORECASE)
#: "Поштомат №3021", "Почтомат № 10", "Paczkomat WAW01M"
_LOCKER = re.compile(r"(?:поштомат|почтомат|paczkomat|parcel locker)\D{0,6}?(?:№\s*)?(\w*\d\w*)", re.IGNORECASE)
#: a place a carrier names as "City, CC" (DHL) when the city is not in our table
_CITY_COUNTRY = re.compile(r"^([^\d,]{2,40}),\s*[A-Z]{2}$")


def language():
    locale = get_locale()
    return locale.language if locale else "uk"


def today():
    return datetime.now(ZoneInfo(select_timezone())).date()


def waiting_at_pickup(order):
    """The parcel waits for the customer at the pickup point (the carrier's flag, while it is on its way)."""
    return bool(order.at_pickup_point) and order.status == statuses.IN_TRANSIT


def delayed(order):
    """The carrier reports a problem with the delivery (shown until the order has ended)."""
    return bool(order.problem) and not order.is_terminal


def format_day(day):
    """"Tue, 24 Nov" in the reader's language: the one date format of the tracking pages."""
    return format_skeleton("MMMMEd", day, locale=get_locale())


def format_expected(expected):
    """"Tue, 24 Nov" or "24–26 Nov" in the reader's language."""
    if expected is None:
        return ""
    if not expected.is_window:
        return format_day(expected.earliest)
    return format_interval(expected.earliest, expected.latest, skeleton="MMMMd", locale=get_locale())


# ---- places ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Place:
    #: the branch or parcel locker in the reader's language ("branch No. 12"), or ""
    point: str
    #: the city in the reader's language, or the carrier's own name of it, or ""
    city: str
    #: the city in the bundled table (for the map), or None
    known: object = None

    @property
    def text(self):
        if self.point and self.city:
            return _("%(point)s in %(city)s", point=self.point, city=self.city)
        return self.point or self.city

    def __bool__(self):
        return bool(self.point or self.city)


def read_place(location):
    """What a carrier's place text names, in the reader's language."""
    location = (location or "").strip()
    if not location:
        return Place("", "")
    point = ""
    if match := _BRANCH.search(location):
        point = _("branch No. %(number)s", number=match.group(1))
    elif match := _LOCKER.search(location):
        point = _("parcel locker %(number)s", number=match.group(1))
    known = places.find_city(location)
    if known is not None:
        return Place(point, known.name(language()), known)
    if match := _CITY_COUNTRY.match(location):
        return Place(point, match.group(1).strip())
    return Place(point, "")


# ---- the parcel's news ----------------------------------------------------------------------

#: A status change said to the customer; each translated only when said (a news list has many)
_STATUS_SENTENCES = {
    statuses.NEW: lambda: _("We have received your order"),
    statuses.AWAITING_SHIPMENT: lambda: _("We are packing your order"),
    statuses.SHIPPED: lambda: _("Your parcel has been handed to the carrier"),
    statuses.IN_TRANSIT: lambda: _("Your parcel is on its way to you"),
    statuses.DELIVERED: lambda: _("You have received your parcel"),
    statuses.RETURNED: lambda: _("The shop has received your parcel back"),
    statuses.CANCELLED: lambda: _("Your order has been cancelled"),
}


def _status_sentence(status):
    """A status change said to the customer (the shop or the carrier moved the order)."""
    sentence = _STATUS_SENTENCES.get(status)
    return sentence() if sentence else str(statuses.label(status))


def event_sentence(meaning, place, *, at_pickup_point=False, problem=False):
    """One carrier event as a sentence in the reader's language, from what it means and where.

    ``meaning`` is the shop status the carrier's code maps to (None: it moves nothing).
    """
    where = place.text if place else ""
    if at_pickup_point and problem:
        return _("Your parcel is still waiting for you; the carrier may charge for storage")
    if at_pickup_point:
        if place and place.point:
            return _("Your parcel is waiting for you at %(place)s", place=where)
        if where:
            return _("Your parcel is waiting for you in %(place)s", place=where)
        return _("Your parcel is waiting for you at the pickup point")
    if problem:
        if where:
            return _("The carrier reports a delay with your parcel in %(place)s", place=where)
        return _("The carrier reports a delay with your parcel")
    if meaning == statuses.AWAITING_SHIPMENT:
        return _("The shop has prepared your parcel for the carrier")
    if meaning == statuses.SHIPPED:
        if where:
            return _("The carrier has taken your parcel in %(place)s", place=where)
        return _("The carrier has taken your parcel")
    if meaning == statuses.IN_TRANSIT:
        if where:
            return _("Your parcel is on its way: %(place)s", place=where)
        return _("Your parcel is on its way to you")
    if meaning == statuses.DELIVERED:
        return _("You have received your parcel")
    if meaning == statuses.RETURNED:
        return _("Your parcel is going back to the shop")
    if where:
        return _("News from the carrier about your parcel: %(place)s", place=where)
    return _("News from the carrier about your parcel")


@dataclass
class NewsItem:
    at: datetime
    kind: str  # status, carrier, return_request
    sentence: str
    #: who told it: (kind of source, its name or "") pairs, e.g. (Carrier, "Nova Poshta")
    sources: list
    status: str = ""
    #: what the carrier said, in its own words, with its place ("Прибув на відділення · Львів")
    originals: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    flag: str = ""  # problem, pickup, correction
    #: what makes two items "the same step": (meaning, flag, city)
    key: tuple = ()

    @property
    def source(self):
        """Each kind of source named once, with its names: "Carrier · Nova Poshta", not "Carrier · Carrier · …"."""
        named = {}
        for kind, name in self.sources:
            names = named.setdefault(kind, [])
            if name and name not in names:
                names.append(name)
        return " · ".join(" · ".join([kind, *names]) for kind, names in named.items())


def _original(carrier, code, text, location):
    words = event_text(carrier, code, text)
    return " · ".join(p for p in (words, location or "") if p)


def _carrier_item(shipment, event):
    place = read_place(event.location)
    flag = "problem" if event.problem else ("pickup" if event.at_pickup_point else "")
    return NewsItem(
        at=event.occurred_at, kind="carrier", status=event.mapped_status or "",
        sentence=event_sentence(event.mapped_status, place, at_pickup_point=event.at_pickup_point,
                                problem=event.problem),
        sources=[(str(statuses.SOURCE_LABELS["carrier"]), carrier_label(shipment.carrier))],
        originals=[o for o in (_original(shipment.carrier, event.raw_code, event.raw_text, event.location),) if o],
        flag=flag, key=(event.mapped_status, flag, place.known.key if place.known else ""))


def news(order, open_return=None):
    """The order's history as news for its customer, newest first.

    A status change caused by a carrier event reads as that event (with its place). A carrier
    scan and a staff change saying the same thing one after the other (same step, same flag, no
    other city) are one item with both sources named, so nothing is told twice.
    """
    events = {e.id: (s, e) for s in order.shipments for e in s.events}
    linked = {event.carrier_event_id for event in order.history if event.carrier_event_id}
    items = []
    for change in order.history:
        if change.carrier_event_id in events:
            item = _carrier_item(*events[change.carrier_event_id])
            item.status = change.status
            item.kind = "status"
        else:
            originals = []
            if change.carrier_raw_code or change.carrier_raw_text:
                originals = [_original(change.carrier, change.carrier_raw_code, change.carrier_raw_text, "")]
            source = (str(change.source_label),
                      carrier_label(change.carrier) if change.source == "carrier" and change.carrier else "")
            item = NewsItem(at=change.created_at, kind="status", status=change.status,
                            sentence=_status_sentence(change.status), sources=[source], originals=originals,
                            flag="correction" if change.is_correction else "", key=(change.status, "", ""))
        if change.note:
            item.notes.append(note_for_reader(change.note, change.reason_code))
        items.append(item)
    for shipment in order.shipments:
        items.extend(_carrier_item(shipment, e) for e in shipment.events if e.id not in linked)
    if open_return is not None:
        items.append(NewsItem(at=open_return.created_at, kind="return_request", sentence=_("You asked to return the order"),
                              sources=[(str(statuses.SOURCE_LABELS["customer"]), "")], notes=[open_return.reason]))
    return _merged(items)


def _merged(items):
    """``items`` newest first, each run of items telling the same step made one."""
    order_of = {id(item): index for index, item in enumerate(items)}
    items.sort(key=lambda i: (i.at, order_of[id(i)]))
    merged = []
    for item in items:
        last = merged[-1] if merged else None
        if last is not None and _same_step(last, item):
            _merge(last, item)
        else:
            merged.append(item)
    merged.reverse()
    return merged


def _same_step(first, second):
    if "return_request" in (first.kind, second.kind) or "correction" in (first.flag, second.flag):
        return False
    (status_a, flag_a, city_a), (status_b, flag_b, city_b) = first.key, second.key
    if status_a != status_b or flag_a != flag_b or not status_a:
        return False
    return not (city_a and city_b and city_a != city_b)


def _merge(into, item):
    """``item`` tells what ``into`` told: keep one sentence (the one that names a place), both sources."""
    if item.key[2] and not into.key[2]:
        into.sentence = item.sentence
    into.at = max(into.at, item.at)
    into.sources += item.sources
    into.originals += [o for o in item.originals if o not in into.originals]
    into.notes += item.notes
    into.key = (into.key[0], into.key[1], into.key[2] or item.key[2])


def pickup_place(order):
    """Where the parcel waits, in the reader's words ("branch No. 12 in Lviv"), or ""."""
    raw = order.delivery_pickup_point or ""
    place = read_place(raw)
    if not place.point:
        for shipment in order.shipments:
            for event in reversed(shipment.events):
                if event.at_pickup_point and (found := read_place(event.location)):
                    return found.text
        return raw
    known = place.known or places.find_city(order.delivery_city or "")
    return Place(place.point, known.name(language()) if known else (order.delivery_city or "")).text


# ---- the arrival headline -------------------------------------------------------------------

@dataclass
class Arrival:
    #: "Arrives tomorrow", "Arrives in 2–3 days", "Waiting for you at … until 9 December"
    headline: str
    #: the date itself and where it comes from, or ""
    detail: str = ""
    kind: str = "eta"  # eta, pickup, delivered, late


def arrival(order, expected, *, pickup_point="", storage_until=None, expected_text="", expected_source="",
            delivered_at=None, now=None):
    """The big line of the tracking block, or None when there is nothing to promise yet."""
    now = now or today()
    if order.status == statuses.DELIVERED:
        if delivered_at:
            return Arrival(_("Delivered on %(date)s", date=format_day(delivered_at.date())), kind="delivered")
        return Arrival(_("Delivered"), kind="delivered")
    if order.status in statuses.FINAL:
        return None
    if waiting_at_pickup(order):
        where = pickup_point
        if storage_until and storage_until >= now:
            until = format_skeleton("MMMMd", storage_until, locale=get_locale())  # "9 грудня", "December 9"
            headline = (_("Waiting for you at %(place)s until %(date)s", place=where, date=until) if where
                        else _("Waiting for you at the pickup point until %(date)s", date=until))
        else:
            headline = (_("Waiting for you at %(place)s", place=where) if where
                        else _("Waiting for you at the pickup point"))
        return Arrival(headline, kind="pickup")
    if expected is None:
        return None
    detail = f"{expected_text} · {expected_source}" if expected_source else expected_text
    first, last = (expected.earliest - now).days, (expected.latest - now).days
    if last < 0:
        return Arrival(_("Running late: it was expected on %(date)s", date=format_day(expected.latest)),
                       detail=expected_source, kind="late")
    if first == last or last <= 0:
        if last == 0:
            return Arrival(_("Arrives today"), detail)
        if last == 1:
            return Arrival(_("Arrives tomorrow"), detail)
        if last <= 6:
            return Arrival(ngettext("Arrives in %(num)d day", "Arrives in %(num)d days", last), detail)
        return Arrival(_("Arrives on %(date)s", date=format_day(expected.latest)), detail)
    first = max(first, 0)
    if first == 0 and last == 1:
        return Arrival(_("Arrives today or tomorrow"), detail)
    if first == 0:
        return Arrival(ngettext("Arrives within %(num)d day", "Arrives within %(num)d days", last), detail)
    if last <= 9:
        return Arrival(ngettext("Arrives in %(first)d–%(num)d day", "Arrives in %(first)d–%(num)d days", last,
                                first=first), detail)
    return Arrival(_("Arrives %(dates)s", dates=expected_text), detail)


# ---- the route ------------------------------------------------------------------------------

@dataclass
class Stop:
    name: str
    state: str  # passed, here, ahead
    x: float = None
    y: float = None

    @property
    def on_map(self):
        return self.x is not None


@dataclass
class Route:
    stops: list
    #: {"ua": path, "pl": path}; empty when no stop can be drawn
    outlines: dict
    width: int = places.WIDTH
    height: int = places.HEIGHT

    @property
    def line(self):
        return " ".join(f"{s.x},{s.y}" for s in self.stops if s.on_map and s.state != "ahead")

    @property
    def ahead_line(self):
        drawn = [s for s in self.stops if s.on_map]
        ahead = [s for s in drawn if s.state == "ahead"]
        passed = [s for s in drawn if s.state != "ahead"]
        if not ahead or not passed:
            return ""
        return f"{passed[-1].x},{passed[-1].y} {ahead[0].x},{ahead[0].y}"


def route(order):
    """The places the order's parcels passed, in order, and the destination still ahead (or None)."""
    return _route(order.shipments, order.delivery_city, order.status)


def _route(shipments, destination_city, status):
    lang = language()
    seen = []
    for shipment in shipments:
        for event in shipment.events:
            place = read_place(event.location)
            if not place.city:
                continue
            key = place.known.key if place.known else place.city.casefold()
            if seen and seen[-1][0] == key:
                continue
            seen.append((key, place))
    stops = [Stop(p.city, "passed", p.known.x if p.known else None, p.known.y if p.known else None)
             for _k, p in seen]
    destination = places.find_city(destination_city or "")
    delivered = status == statuses.DELIVERED
    if stops:
        stops[-1].state = "here"
    if destination is not None and not (seen and seen[-1][0] == destination.key) and status not in statuses.TERMINAL:
        stops.append(Stop(destination.name(lang), "ahead", destination.x, destination.y))
    if delivered and stops:
        stops[-1].state = "here"
    if not stops or (len(stops) == 1 and stops[0].state == "ahead"):
        return None
    drawable = any(s.on_map for s in stops)
    return Route(stops, places.OUTLINES if drawable else {})


# ---- a parcel found by its tracking number alone ----------------------------------------------

@dataclass
class ParcelView:
    """What anyone with a tracking number may see (as AfterShip shows it): the parcel's status,
    news and route from the carrier's own events; no name, address, items or order."""
    carrier: str
    carrier_name: str
    tracking_number: str
    url: str
    status: str
    status_label: str
    arrival: object
    news: list
    route: object

    @property
    def latest(self):
        return self.news[0] if self.news else None


def parcel_view(shipment):
    from app.carriers import tracking_url
    from app.carriers.eta import ExpectedDelivery

    events = list(shipment.events)
    status = shipment.status or next((e.mapped_status for e in reversed(events) if e.mapped_status), "") or ""
    waiting = bool(events) and events[-1].at_pickup_point and status == statuses.IN_TRANSIT
    state = type("ParcelState", (), {"status": status, "at_pickup_point": waiting})()
    expected = None
    if shipment.scheduled_delivery_date and status not in statuses.TERMINAL:
        day = shipment.scheduled_delivery_date
        expected = ExpectedDelivery(day, day, "carrier")
    delivered_at = next((e.occurred_at for e in reversed(events) if e.mapped_status == statuses.DELIVERED), None)
    arrival_line = arrival(
        state, expected, pickup_point=read_place(events[-1].location).text if waiting else "",
        storage_until=shipment.storage_until if waiting else None,
        expected_text=format_day(expected.earliest) if expected else "",
        expected_source=_("the carrier's date") if expected else "", delivered_at=delivered_at)
    return ParcelView(
        carrier=shipment.carrier, carrier_name=carrier_label(shipment.carrier), tracking_number=shipment.tracking_number,
        url=tracking_url(shipment.carrier, shipment.tracking_number) or "", status=status,
        status_label=str(statuses.label(status)) if status else "",
        arrival=arrival_line, news=_merged([_carrier_item(shipment, e) for e in events]),
        route=_route([shipment], None, status))
