"""When will it arrive? The carrier's date when it gives one, else an estimate.

``expected_delivery(order)`` is what every page, message and API response shows. The estimate
comes from the shop's own history: the median and 80th percentile of the transit time
(shipped → delivered) per carrier and destination region, shown as a window. The statistics
are computed by a scheduled job (``refresh_transit_stats``) into ``transit_stats`` so that a
polled page reads one small row.
"""
import math
import statistics
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, func, select

from app.carriers.models import TransitStat
from app.clock import local_now, local_today, utcnow
from app.extensions import db
from app.orders import statuses
from app.orders.models import REAL_ORDER, Order, StatusEvent

#: Fewer delivered orders than this give no estimate
MIN_SAMPLES = 3
HISTORY_DAYS = 365


@dataclass(frozen=True)
class ExpectedDelivery:
    earliest: date
    latest: date
    #: "carrier" (the carrier's own date) or "estimate" (from the shop's delivery history)
    source: str

    @property
    def is_window(self):
        return self.earliest != self.latest


def expected_delivery(order, today=None):
    """The expected delivery date or window of an order still on its way, else None."""
    if order.is_terminal:
        return None
    dates = [s.scheduled_delivery_date for s in order.shipments if s.scheduled_delivery_date]
    if dates:
        latest = max(dates)
        return ExpectedDelivery(latest, latest, "carrier")
    if order.status not in (statuses.SHIPPED, statuses.IN_TRANSIT):
        return None
    carrier = order.delivery_carrier or (order.shipments[0].carrier if order.shipments else None)
    stat = _stat(carrier, order.delivery_region)
    if stat is None:
        return None
    shipped_at = db.session.execute(
        select(func.min(StatusEvent.created_at)).where(
            StatusEvent.order_id == order.id, StatusEvent.status.in_((statuses.SHIPPED, statuses.IN_TRANSIT)))
    ).scalar() or order.status_changed_at
    # days by the shop's clock, as the on-time rate measures the promise (a UTC day ends at 02:00 in Kyiv)
    today = today or local_today()
    earliest = max(local_now(shipped_at + timedelta(days=stat.median_days)).date(), today)
    latest = max(local_now(shipped_at + timedelta(days=stat.p80_days)).date(), earliest)
    return ExpectedDelivery(earliest, latest, "estimate")


def _stat(carrier, region):
    if not carrier:
        return None
    regions = (region or "", "")  # the region's own figures first, else the carrier's overall ones
    rows = {row.region: row for row in db.session.execute(select(TransitStat).where(
        TransitStat.carrier == carrier, TransitStat.region.in_(set(regions)))).scalars()}
    for key in regions:
        row = rows.get(key)
        if row is not None and row.samples >= MIN_SAMPLES:
            return row
    return None


def transit_times(now=None):
    """(carrier, region, days from shipped to delivered) for the delivered real orders of the past year (a
    sandbox API client's test parcels say nothing of how long a carrier takes)."""
    now = now or utcnow()
    shipped = func.min(case((StatusEvent.status.in_((statuses.SHIPPED, statuses.IN_TRANSIT)), StatusEvent.created_at)))
    delivered = func.min(case((StatusEvent.status == statuses.DELIVERED, StatusEvent.created_at)))
    rows = db.session.execute(
        select(Order.delivery_carrier, Order.delivery_region, shipped, delivered)
        .join(StatusEvent, StatusEvent.order_id == Order.id)
        .where(REAL_ORDER, Order.delivery_carrier.is_not(None), Order.created_at >= now - timedelta(days=HISTORY_DAYS),
               Order.status.in_((statuses.DELIVERED, statuses.RETURNED)))
        .group_by(Order.id, Order.delivery_carrier, Order.delivery_region)).all()
    out = []
    for carrier, region, shipped_at, delivered_at in rows:
        if shipped_at and delivered_at and delivered_at >= shipped_at:
            out.append((carrier, region or "", (delivered_at - shipped_at).total_seconds() / 86400))
    return out


def _p80(values):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.8 * len(ordered)) - 1)]


def refresh_transit_stats(app=None, now=None):
    """Recompute ``transit_stats`` from the history (a scheduled job). Returns the number of rows."""
    now = now or utcnow()
    groups = {}
    for carrier, region, days in transit_times(now):
        groups.setdefault((carrier, region), []).append(days)
        if region:
            groups.setdefault((carrier, ""), []).append(days)
    db.session.execute(db.delete(TransitStat))
    for (carrier, region), values in groups.items():
        db.session.add(TransitStat(carrier=carrier, region=region[:120], samples=len(values),
                                   median_days=statistics.median(values), p80_days=_p80(values), updated_at=now))
    db.session.commit()
    return len(groups)


def remember_promise(order, today=None):
    """Keep the first delivery date the customer is shown (the latest day of the window) as
    ``order.promised_date``: the on-time rate is measured against it, not a date moved later."""
    if order.promised_date is not None or order.status not in (statuses.SHIPPED, statuses.IN_TRANSIT):
        return
    eta = expected_delivery(order, today)
    if eta is not None:
        order.promised_date = eta.latest


def on_status_changed(_sender=None, *, changes, **_kwargs):
    """Receiver of ``lifecycle.status_changed``: an order that set off is promised a date."""
    for order, _event in changes:
        remember_promise(order)
