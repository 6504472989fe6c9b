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

#: (code, text, location) per step, per carrier, per variant
JOURNEYS = {
    "sandbox": (
        (("created", "Shipment registered", "Kyiv"), ("accepted", "Accepted at the sender's branch", "Kyiv"),
         ("departed", "Left the sorting centre", "Kyiv"), ("arrived_hub", "Arrived at the destination hub", "Lviv"),
         ("at_pickup_point", "Ready for pickup at the branch", "Lviv"), ("delivered", "Received by the recipient", "Lviv")),
        (("created", "Shipment registered", "Kyiv"), ("accepted", "Accepted at the sender's branch", "Kyiv"),
         ("departed", "Left the sorting centre", "Kyiv"), ("out_for_delivery", "Out for delivery", "Odesa"),
         ("delivery_failed", "Delivery attempt failed: recipient not at home", "Odesa"),
         ("out_for_delivery", "Out for delivery again", "Odesa"), ("delivered", "Handed to the recipient", "Odesa")),
    ),
    "nova_poshta": (
        (("1", "Відправник самостійно створив цю накладну", "Київ"), ("4", "Відправлення у місті Київ", "Київ"),
         ("5", "Відправлення прямує до міста Львів", "Львів"), ("6", "Відправлення у місті Львів", "Львів"),
         ("7", "Прибув на відділення", "Львів"), ("9", "Відправлення отримано", "Львів")),
        (("1", "Відправник самостійно створив цю накладну", "Київ"), ("4", "Відправлення у місті Київ", "Київ"),
         ("5", "Відправлення прямує до міста Дніпро", "Дніпро"), ("8", "Прибув у поштомат", "Дніпро"),
         ("9", "Відправлення отримано", "Дніпро")),
        (("1", "Відправник самостійно створив цю накладну", "Київ"), ("4", "Відправлення у місті Київ", "Київ"),
         ("101", "На шляху до одержувача", "Одеса"), ("111", "Невдала спроба доставки", "Одеса"),
         ("112", "Дата доставки перенесена одержувачем", "Одеса"), ("9", "Відправлення отримано", "Одеса")),
    ),
    "ukrposhta": (
        (("10100", "Прийнято", "КИЇВ 1"), ("20700", "Надходження на сортувальний центр", "КИЇВ ЦОКК"),
         ("21500", "Відправлено до точки видачі", "ЛЬВІВ СЦ"), ("21700", "Відправлення у точці видачі", "ЛЬВІВ 12"),
         ("41000", "Відправлення вручено", "ЛЬВІВ 12")),
    ),
    "meest": (
        (("2", "Створено", "Київ"), ("606", "Надходження до підрозділу відправника", "Київ"),
         ("8081", "Відправлено з підрозділу відправника", "Київ"), ("1100", "Прибуло на сортувальний центр", "Рівне"),
         ("1215", "Надходження до відділення", "Рівне"), ("1622", "Доручено", "Рівне")),
    ),
    "dhl": (
        (("pre-transit", "The shipment data has been transmitted", "Bonn, DE"),
         ("transit", "Processed in parcel center", "Bonn, DE"),
         ("transit", "Arrived at the destination country", "Warszawa, PL"),
         ("transit", "Out for delivery", "Warszawa, PL"), ("delivered", "Delivered", "Warszawa, PL")),
    ),
    "inpost": (
        (("confirmed", "confirmed", ""), ("dispatched_by_sender", "dispatched by sender", "KRA02A"),
         ("adopted_at_sorting_center", "adopted at sorting center", "Kraków"),
         ("sent_from_sorting_center", "sent from sorting center", "Kraków"),
         ("ready_to_pickup", "ready to pickup", "WAW01M"), ("delivered", "delivered", "WAW01M")),
    ),
}


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
        gap = step * (0.75 + (_digest(request.number) % 50) / 100)  # 0.75–1.24 of a step
        position, last_at = self._position(journey, request)
        events, base = [], last_at or now
        if position < len(journey):
            due = last_at + gap if last_at else (request.created_at or now)
            if due <= now:
                at = now if due < now - gap else due  # stopped for a while: go on from now
                at = max([at, *(t for t in (last_at, request.status_at) if t)])
                code, text, place = journey[position]
                events.append(TrackedEvent(code, text, at.replace(microsecond=0), place))
                position, base = position + 1, at
        eta = (base + gap * (len(journey) - position)).date()
        return TrackResult(request.number, True, events, eta, {"simulated": True, "step": position,
                                                               "steps": len(journey)})

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
