"""What returns teach the shop: return and exchange rates by product, size and reason, and how often
parcels are refused at the pickup point, by carrier and region (issue 21).

The orders counted are those that reached their end in the period (delivered or returned, by the
time of that status, as the main report's return figures are). An item counts once per unit;
"back" is refused at the pickup point or returned later; exchanges are counted on their own. A
parcel counts as refused at the pickup point when the recipient refused it whole (the carrier's
refusal) or refused some of its items (a partial refusal).
"""
from collections import Counter
from dataclasses import dataclass, field

from flask_babel import gettext as _

from app.carriers import carrier_name
from app.extensions import db
from app.orders import statuses
from app.orders.models import Order, OrderItem, Shipment
from app.returns.models import EXCHANGED, REFUSED, RETURNED, ItemOutcome
from app.returns.services import REASONS


@dataclass
class Rate:
    key: tuple
    label: str
    total: int = 0
    back: int = 0
    exchanged: int = 0
    reasons: Counter = field(default_factory=Counter)

    @property
    def back_share(self):
        return self.back / self.total if self.total else None

    @property
    def exchange_share(self):
        return self.exchanged / self.total if self.total else None

    @property
    def top_reason(self):
        if not self.reasons:
            return ""
        code, count = sorted(self.reasons.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        return f"{REASONS.get(code, code)} ({count})"


@dataclass
class Refusals:
    key: str
    label: str
    parcels: int = 0
    refused: int = 0
    partial: int = 0

    @property
    def share(self):
        return (self.refused + self.partial) / self.parcels if self.parcels else None


@dataclass
class ReturnAnalytics:
    by_product: list
    by_size: list
    by_product_size: list
    by_reason: list  # (code, label, count, share of all items back or exchanged)
    refusals_by_carrier: list
    refusals_by_region: list
    items: int
    back: int
    exchanged: int


def build(period):
    start, end = period.start, period.end  # naive UTC: the shop's local days
    ended = (db.select(Order.id).where(Order.status.in_((statuses.DELIVERED, statuses.RETURNED)),
                                       Order.status_changed_at >= start, Order.status_changed_at < end))
    rows = db.session.execute(
        db.select(OrderItem.order_id, OrderItem.sku, OrderItem.name, OrderItem.size, OrderItem.quantity,
                  ItemOutcome.outcome, ItemOutcome.reason)
        .outerjoin(ItemOutcome, ItemOutcome.order_item_id == OrderItem.id)
        .where(OrderItem.order_id.in_(ended))).all()
    product, size, product_size = {}, {}, {}
    reasons = Counter()
    partially_refused = set()
    totals = Rate((), "")
    for row in rows:
        sku = row.sku or row.name
        entries = (
            product.setdefault((sku,), Rate((sku,), sku)),
            size.setdefault((row.size or "",), Rate((row.size or "",), row.size or "—")),
            product_size.setdefault((sku, row.size or ""), Rate((sku, row.size or ""), f"{sku} {row.size or ''}".strip())),
            totals,
        )
        for rate in entries:
            rate.total += row.quantity
            if row.outcome in (REFUSED, RETURNED):
                rate.back += row.quantity
            elif row.outcome == EXCHANGED:
                rate.exchanged += row.quantity
            if row.outcome in (REFUSED, RETURNED, EXCHANGED) and row.reason:
                rate.reasons[row.reason] += row.quantity
        if row.outcome in (REFUSED, RETURNED, EXCHANGED) and row.reason:
            reasons[row.reason] += row.quantity
        if row.outcome == REFUSED:
            partially_refused.add(row.order_id)
    changed = totals.back + totals.exchanged
    by_reason = [(code, str(REASONS.get(code, code)), count, count / changed if changed else None)
                 for code, count in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))]

    parcels = db.session.execute(
        db.select(Shipment.order_id, Shipment.carrier, Shipment.refused_at, Order.delivery_region)
        .join(Order, Order.id == Shipment.order_id)
        .where(Shipment.order_id.in_(ended), Shipment.is_return.is_(False))).all()
    by_carrier, by_region = {}, {}
    for parcel in parcels:
        region = parcel.delivery_region or ""
        for table, key, label in ((by_carrier, parcel.carrier, carrier_name(parcel.carrier)),
                                  (by_region, region, region or _("Region not given"))):
            entry = table.setdefault(key, Refusals(key, label))
            entry.parcels += 1
            if parcel.refused_at is not None:
                entry.refused += 1
            elif parcel.order_id in partially_refused:
                entry.partial += 1

    def ordered(table):
        return sorted(table.values(), key=lambda r: (-(r.back + r.exchanged), -r.total, r.label))

    return ReturnAnalytics(
        by_product=ordered(product), by_size=ordered(size), by_product_size=ordered(product_size),
        by_reason=by_reason,
        refusals_by_carrier=sorted(by_carrier.values(), key=lambda r: (-r.parcels, r.label)),
        refusals_by_region=sorted(by_region.values(), key=lambda r: (-r.parcels, r.label)),
        items=totals.total, back=totals.back, exchanged=totals.exchanged)


def csv_rows(period):
    """The figures as rows of the analytics CSV (``section, item, count, mean, median, late, share``:
    what came back in the ``late`` column, its share from 0 to 1 in ``share``)."""
    result = build(period)

    def share(value):
        return "" if value is None else round(value, 4)

    for section, rows in (("returns_by_product_size", result.by_product_size), ("returns_by_product", result.by_product),
                          ("returns_by_size", result.by_size)):
        for r in rows:
            yield (section, " ".join(r.key).strip(), r.total, "", "", r.back, share(r.back_share))
            yield (section.replace("returns_", "exchanges_"), " ".join(r.key).strip(), r.total, "", "", r.exchanged,
                   share(r.exchange_share))
    for code, _label, count, part in result.by_reason:
        yield ("return_reasons_by_item", code, count, "", "", "", share(part))
    for section, rows in (("refusals_by_carrier", result.refusals_by_carrier),
                          ("refusals_by_region", result.refusals_by_region)):
        for r in rows:
            yield (section, r.key, r.parcels, "", "", r.refused + r.partial, share(r.share))
