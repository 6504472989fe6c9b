"""The built-in simulator: parcels move through realistic steps by themselves, with no network.

It answers for the ``sandbox`` carrier, and for any real carrier an admin switches to
"simulated" mode (the demo does this), in that carrier's own codes, so the real mapping tables
are used. The journey and its variant (branch, parcel locker, a failed courier attempt) depend
only on the tracking number.

A parcel goes on from where it is: the sync tells the simulator which events are stored already
and the order's status. A new parcel starts at the first step that is not behind its order's
status (a parcel the shop marked "in transit" does not report "registered" afterwards), and then
takes one step about every ``SANDBOX_STEP_MINUTES`` (each parcel a little faster or slower). One
answer adds at most one step, and never dates it before the last stored event or the order's
last status change, so an app that was stopped for days resumes the journeys at its own pace
instead of replaying them at once.
"""
import hashlib
from datetime import timedelta

from app.carriers.base import CarrierAdapter, TrackedEvent, TrackResult
from app.carriers.mapping import map_event
from app.clock import utcnow
from app.orders import statuses

#: (code, text, location) per step, per carrier, per variant. The parcel leaves the shop in Kyiv
#: (InPost parcels from the shop's Warsaw pick-up point); a location names places with
#: ``{city}`` (the delivery city), ``{hub}`` (the sorting centre serving it), their Latin spellings
#: ``{city_en}``/``{hub_en}``, ``{CITY}``/``{HUB}`` in capitals, ``{cc}`` (country code) and
#: ``{point}`` (the order's pickup point), so a parcel for Chernihiv waits at a Chernihiv branch.
JOURNEYS = {
    "sandbox": (
        (("created", "Shipment registered", "Kyiv"), ("accepted", "Accepted at the sender's branch", "Kyiv"),
         ("departed", "Left the sorting centre", "Kyiv"), ("arrived_hub", "Arrived at the destination hub", "{hub_en}"),
         ("at_pickup_point", "Ready for pickup at the branch", "{city_en}"),
         ("delivered", "Received by the recipient", "{city_en}")),
        (("created", "Shipment registered", "Kyiv"), ("accepted", "Accepted at the sender's branch", "Kyiv"),
         ("departed", "Left the sorting centre", "Kyiv"), ("out_for_delivery", "Out for delivery", "{city_en}"),
         ("delivery_failed", "Delivery attempt failed: recipient not at home", "{city_en}"),
         ("out_for_delivery", "Out for delivery again", "{city_en}"), ("delivered", "Handed to the recipient", "{city_en}")),
    ),
    "nova_poshta": (
        (("1", "Відправник самостійно створив цю накладну", "Київ"), ("4", "Відправлення у місті Київ", "Київ"),
         ("5", "Відправлення прямує до міста {city}", "{hub}"), ("6", "Відправлення у місті {city}", "{city}"),
         ("7", "Прибув на відділення", "{city}, {point}"), ("9", "Відправлення отримано", "{city}, {point}")),
        (("1", "Відправник самостійно створив цю накладну", "Київ"), ("4", "Відправлення у місті Київ", "Київ"),
         ("5", "Відправлення прямує до міста {city}", "{hub}"), ("8", "Прибув у поштомат", "{city}, {point}"),
         ("9", "Відправлення отримано", "{city}, {point}")),
        (("1", "Відправник самостійно створив цю накладну", "Київ"), ("4", "Відправлення у місті Київ", "Київ"),
         ("101", "На шляху до одержувача", "{city}"), ("111", "Невдала спроба доставки", "{city}"),
         ("112", "Дата доставки перенесена одержувачем", "{city}"), ("9", "Відправлення отримано", "{city}")),
    ),
    "ukrposhta": (
        (("10100", "Прийнято", "КИЇВ 1"), ("20700", "Надходження на сортувальний центр", "КИЇВ ЦОКК"),
         ("21500", "Відправлено до точки видачі", "{HUB} СЦ"), ("21700", "Відправлення у точці видачі", "{CITY}, {point}"),
         ("41000", "Відправлення вручено", "{CITY}, {point}")),
    ),
    "meest": (
        (("2", "Створено", "Київ"), ("606", "Надходження до підрозділу відправника", "Київ"),
         ("8081", "Відправлено з підрозділу відправника", "Київ"), ("1100", "Прибуло на сортувальний центр", "{hub}"),
         ("1215", "Надходження до відділення", "{city}, {point}"), ("1622", "Доручено", "{city}, {point}")),
    ),
    "dhl": (
        (("pre-transit", "The shipment data has been transmitted", "Kyiv, UA"),
         ("transit", "Processed at the export hub", "Kyiv, UA"),
         ("transit", "Arrived at the delivery facility", "{hub_en}, {cc}"),
         ("transit", "Out for delivery", "{city_en}, {cc}"), ("delivered", "Delivered", "{city_en}, {cc}")),
    ),
    "inpost": (
        (("confirmed", "confirmed", ""), ("dispatched_by_sender", "dispatched by sender", "WAW12M"),
         ("adopted_at_sorting_center", "adopted at sorting center", "Warszawa"),
         ("sent_from_sorting_center", "sent from sorting center", "Warszawa"),
         ("ready_to_pickup", "ready to pickup", "{point}"), ("delivered", "delivered", "{point}")),
    ),
}

#: The sorting centre a delivery city is served from, where it is not the city itself
HUBS = {"Ужгород": "Львів", "Івано-Франківськ": "Львів", "Тернопіль": "Львів", "Луцьк": "Рівне",
        "Чернігів": "Київ", "Полтава": "Харків", "Вінниця": "Хмельницький"}
LATIN = {"Київ": "Kyiv", "Львів": "Lviv", "Одеса": "Odesa", "Харків": "Kharkiv", "Дніпро": "Dnipro",
         "Вінниця": "Vinnytsia", "Івано-Франківськ": "Ivano-Frankivsk", "Тернопіль": "Ternopil",
         "Ужгород": "Uzhhorod", "Полтава": "Poltava", "Чернігів": "Chernihiv", "Луцьк": "Lutsk", "Рівне": "Rivne",
         "Хмельницький": "Khmelnytskyi"}
#: How long a carrier's step takes, against SANDBOX_STEP_MINUTES: their real door-to-door times
#: (Nova Poshta 1–3 days, InPost 1–2, Meest 2–4, Ukrposhta 2–5, DHL from Kyiv 3–6) in proportion
PACE = {"nova_poshta": 1.0, "inpost": 0.9, "meest": 1.3, "ukrposhta": 1.6, "dhl": 1.8, "sandbox": 1.0}
#: Where a parcel goes when its order names no city (the sandbox carrier's own test parcels)
DEFAULT_CITY = "Львів"


def places(request):
    """The place names a journey's locations are filled with, for this parcel's destination."""
    city = (getattr(request, "city", "") or "").strip() or DEFAULT_CITY
    country = (getattr(request, "country", "") or "").strip().upper() or "UA"
    hub = HUBS.get(city, city)
    if country == "PL":
        hub = "Warszawa" if city != "Kraków" else "Kraków"
    point = (getattr(request, "pickup_point", "") or "").strip() or city
    return {"city": city, "hub": hub, "city_en": LATIN.get(city, city), "hub_en": LATIN.get(hub, hub),
            "CITY": city.upper(), "HUB": hub.upper(), "cc": country, "point": point}


def _digest(number):
    return int.from_bytes(hashlib.sha256(number.encode()).digest()[:8], "big")


class Simulator(CarrierAdapter):
    """Answers like ``carrier`` would, from a clock instead of the network."""

    batch_size = 500

    def __init__(self, settings, client=None, now=None):
        self.settings = settings
        self.client = None
        self.code = settings.code
        self._now = now

    def missing_credentials(self):
        return []

    def journey(self, number):
        variants = JOURNEYS.get(self.code, JOURNEYS["sandbox"])
        return variants[_digest(number) % len(variants)]

    def track(self, requests):
        now = (self._now or utcnow()).replace(microsecond=0)
        step = timedelta(minutes=float(self.settings.sandbox_step_minutes))
        return [self._answer(r, now, step) for r in requests]

    def _answer(self, request, now, step):
        journey = self.journey(request.number)
        # each parcel a little faster or slower (0.75–1.24 of a step), each carrier at its own pace
        gap = step * PACE.get(self.code, 1.0) * (0.75 + (_digest(request.number) % 50) / 100)
        position, last_at = self._position(journey, request)
        events, base = [], last_at or now
        if position < len(journey):
            due = last_at + gap if last_at else (request.created_at or now)
            if due <= now:
                at = now if due < now - gap else due  # stopped for a while: go on from now
                at = max([at, *(t for t in (last_at, request.status_at) if t)])
                code, text, place = journey[position]
                where = places(request)
                events.append(TrackedEvent(code, text.format(**where), at.replace(microsecond=0),
                                           place.format(**where)))
                position, base = position + 1, at
        # a carrier gives a delivery date once it has the parcel, not while the shop still packs it
        eta = (base + gap * (len(journey) - position)).date() if self._handed_over(journey, position) else None
        return TrackResult(request.number, True, events, eta, {"simulated": True, "step": position,
                                                               "steps": len(journey)})

    def _handed_over(self, journey, position):
        for code, _text, _place in journey[:position]:
            mapped = map_event(self.code, code)
            if mapped is not None and statuses.RANK.get(mapped.status, -1) >= statuses.RANK[statuses.SHIPPED]:
                return True
        return False

    def _position(self, journey, request):
        """(index of the next step, time of the last stored one) for this parcel."""
        position, last_at = None, None
        for code, at in request.known:
            start = 0 if position is None else position
            match = next((i for i in range(start, len(journey)) if journey[i][0] == code), None)
            if match is not None:
                position = match + 1
            last_at = max(last_at, at) if last_at else at
        if position is None:  # a new parcel: skip the steps its order has already passed
            position = 0
            rank = statuses.RANK.get(request.status)
            while position < len(journey) - 1 and rank is not None:
                mapped = map_event(self.code, journey[position][0])
                if mapped is None or statuses.RANK.get(mapped.status, rank) >= rank:
                    break
                position += 1
        return position, last_at

    def test_connection(self):
        return "simulated"
