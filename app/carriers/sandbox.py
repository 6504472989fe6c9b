"""The built-in simulator: parcels move through realistic steps by themselves, with no network.

It answers for the ``sandbox`` carrier, and for any real carrier an admin switches to
"simulated" mode (the demo does this), in that carrier's own codes, so the real mapping tables
are used. Each parcel's journey starts when its shipment was created; one step takes about
``SANDBOX_STEP_MINUTES`` (each parcel a little faster or slower). The journey and its variant
(branch, parcel locker, a failed courier attempt) depend only on the tracking number, so the
same question always gets the same answer and syncs stay idempotent.
"""
import hashlib
from datetime import timedelta

from app.carriers.base import CarrierAdapter, TrackedEvent, TrackResult
from app.orders.models import utcnow

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
        now = self._now or utcnow()
        step = timedelta(minutes=float(self.settings.sandbox_step_minutes))
        results = []
        for r in requests:
            start = r.created_at or now
            pace = 0.75 + (_digest(r.number) % 50) / 100  # 0.75–1.24 of a step
            journey = self.journey(r.number)
            events = []
            for index, (code, text, place) in enumerate(journey):
                at = start + step * pace * index
                if at > now:
                    break
                events.append(TrackedEvent(code, text, at.replace(microsecond=0), place))
            eta = (start + step * pace * (len(journey) - 1)).date()
            results.append(TrackResult(r.number, True, events, eta, {"simulated": True, "steps": len(events)}))
        return results

    def test_connection(self):
        return "simulated"
