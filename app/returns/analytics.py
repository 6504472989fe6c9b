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
from sqlalchemy import func

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


def _ended(period):
    """Ids of the orders that reached their end in the period (on ``ix_orders_status_changed``)."""
    return (db.select(Order.id).where(Order.status.in_((statuses.DELIVERED, statuses.RETURNED)),
                                      Order.status_changed_at >= period.start, Order.status_changed_at < period.end))


def build(period):
    """The figures, counted by the database: items grouped by product, size, outcome and reason
    (a few hundred rows for a year), parcels grouped by carrier, region and refusal."""
    ended = _ended(period)
    sku = func.coalesce(func.nullif(OrderItem.sku, ""), OrderItem.name)
    size_key = func.coalesce(OrderItem.size, "")
    groups = db.session.execute(
        db.select(sku, size_key, ItemOutcome.outcome, ItemOutcome.reason, func.sum(OrderItem.quantity))
        .outerjoin(ItemOutcome, ItemOutcome.order_item_id == OrderItem.id)
        .where(OrderItem.order_id.in_(ended))
        .group_by(sku, size_key, ItemOutcome.outcome, ItemOutcome.reason)).all()
    product, size, product_size = {}, {}, {}
    reasons = Counter()
    totals = Rate((), "")
    for item_sku, item_size, outcome, reason, quantity in groups:
        quantity = int(quantity or 0)
        entries = (
            product.setdefault((item_sku,), Rate((item_sku,), item_sku)),
            size.setdefault((item_size,), Rate((item_size,), item_size or "—")),
            product_size.setdefault((item_sku, item_size),
                                    Rate((item_sku, item_size), f"{item_sku} {item_size}".strip())),
            totals,
        )
        for rate in entries:
            rate.total += quantity
            if outcome in (REFUSED, RETURNED):
                rate.back += quantity
            elif outcome == EXCHANGED:
                rate.exchanged += quantity
            if outcome in (REFUSED, RETURNED, EXCHANGED) and reason:
                rate.reasons[reason] += quantity
        if outcome in (REFUSED, RETURNED, EXCHANGED) and reason:
            reasons[reason] += quantity
    changed = totals.back + totals.exchanged
    by_reason = [(code, str(REASONS.get(code, code)), count, count / changed if changed else None)
                 for code, count in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))]

    # a parcel's order with an item refused at the pickup point (a partial refusal, unless the parcel was refused
    # whole); an outcome's order_id is its item's (services.set_outcome), so ix_item_outcomes_order_id answers it
    refused_item = (db.select(ItemOutcome.id)
                    .where(ItemOutcome.order_id == Shipment.order_id, ItemOutcome.outcome == REFUSED).exists())
    each = (db.select(Shipment.carrier.label("carrier"), func.coalesce(Order.delivery_region, "").label("region"),
                      Shipment.refused_at.isnot(None).label("whole"), refused_item.label("part"))
            .join(Order, Order.id == Shipment.order_id)
            .where(Shipment.order_id.in_(ended), Shipment.is_return.is_(False))).subquery()
    parcels = db.session.execute(
        db.select(each.c.carrier, each.c.region, each.c.whole, each.c.part, func.count())
        .group_by(each.c.carrier, each.c.region, each.c.whole, each.c.part)).all()
    by_carrier, by_region = {}, {}
    for carrier, region, refused_whole, refused_part, count in parcels:
        for table, key, label in ((by_carrier, carrier, carrier_name(carrier)),
                                  (by_region, region, region or _("Region not given"))):
            entry = table.setdefault(key, Refusals(key, label))
            entry.parcels += count
            if refused_whole:
                entry.refused += count
            elif refused_part:
                entry.partial += count

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
