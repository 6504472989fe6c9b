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

from app.carriers import carrier_label
from app.extensions import db
from app.orders import statuses
from app.orders.models import REAL_ORDER, Order, OrderItem, Shipment
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
    by: str  # "carrier" or "region"
    parcels: int = 0
    refused: int = 0
    partial: int = 0

    @property
    def label(self):
        if self.by == "carrier":
            return carrier_label(self.key)
        return self.key or _("Region not given")

    @property
    def share(self):
        return (self.refused + self.partial) / self.parcels if self.parcels else None


@dataclass
class ReasonRow:
    code: str
    count: int
    share: float | None  # of all items back or exchanged

    @property
    def label(self):
        return str(REASONS.get(self.code, self.code))


@dataclass
class ReturnAnalytics:
    by_product: list
    by_size: list
    by_product_size: list
    by_reason: list  # [ReasonRow]
    refusals_by_carrier: list
    refusals_by_region: list
    items: int
    back: int
    exchanged: int


def _ended(period, *where):
    """Ids of the real orders that reached their end in the period (on ``ix_orders_status_changed``)."""
    return db.select(Order.id).where(Order.status.in_((statuses.DELIVERED, statuses.RETURNED)),
                                     Order.status_changed_at >= period.start, Order.status_changed_at < period.end,
                                     REAL_ORDER, *where)


def _ended_order(period):
    """Whether an outcome's order reached its end in the period (its order_id is its item's: services.set_outcome).
    Outcomes are few next to the period's items and parcels: reading them and looking up each one's order is
    cheaper than looking up every ended order's outcomes."""
    return _ended(period, Order.id == ItemOutcome.order_id).exists()


def build(period):
    """The figures, counted by the database: items grouped by product and size, their outcomes by product, size,
    outcome and reason (a few hundred rows for a year), parcels by carrier, region and whole refusal, and the
    parcels refused in part by carrier and region."""
    ended = _ended(period)
    sku = func.coalesce(func.nullif(OrderItem.sku, ""), OrderItem.name)
    size_key = func.coalesce(OrderItem.size, "")
    # every item, grouped by product and size; then the few with an outcome, found from their outcome (an outcome's
    # order_id is its item's: services.set_outcome), so that the items need no join (an outcome per item at most)
    items = db.session.execute(
        db.select(sku, size_key, func.sum(OrderItem.quantity))
        .where(OrderItem.order_id.in_(ended)).group_by(sku, size_key)).all()
    outcomes = db.session.execute(
        db.select(sku, size_key, ItemOutcome.outcome, ItemOutcome.reason, func.sum(OrderItem.quantity))
        .outerjoin(OrderItem, OrderItem.id == ItemOutcome.order_item_id)  # every outcome has its item: an outer
        .where(ItemOutcome.outcome.in_((REFUSED, RETURNED, EXCHANGED)), _ended_order(period))
        .group_by(sku, size_key, ItemOutcome.outcome, ItemOutcome.reason)).all()
    product, size, product_size = {}, {}, {}
    reasons = Counter()
    totals = Rate((), "")

    def entries(item_sku, item_size):
        return (
            product.setdefault((item_sku,), Rate((item_sku,), item_sku)),
            size.setdefault((item_size,), Rate((item_size,), item_size or "—")),
            product_size.setdefault((item_sku, item_size),
                                    Rate((item_sku, item_size), f"{item_sku} {item_size}".strip())),
            totals,
        )

    for item_sku, item_size, quantity in items:
        for rate in entries(item_sku, item_size):
            rate.total += int(quantity or 0)
    for item_sku, item_size, outcome, reason, quantity in outcomes:
        quantity = int(quantity or 0)
        for rate in entries(item_sku, item_size):
            if outcome in (REFUSED, RETURNED):
                rate.back += quantity
            else:
                rate.exchanged += quantity
            if reason:
                rate.reasons[reason] += quantity
        if reason:
            reasons[reason] += quantity
    changed = totals.back + totals.exchanged
    by_reason = [ReasonRow(code, count, count / changed if changed else None)
                 for code, count in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))]

    # each parcel by carrier, region and whether it was refused whole; then the parcels not refused whole of the
    # orders with an item refused at the pickup point (a partial refusal), found from those outcomes (an outcome's
    # order_id is its item's, services.set_outcome) instead of a look-up for every parcel
    region = func.coalesce(Order.delivery_region, "")
    whole = Shipment.refused_at.isnot(None)
    parcels = db.session.execute(
        db.select(Shipment.carrier, region, whole, func.count())
        .join(Order, Order.id == Shipment.order_id)
        .where(Shipment.order_id.in_(ended), Shipment.is_return.is_(False))
        .group_by(Shipment.carrier, region, whole)).all()
    refused_items = db.select(ItemOutcome.order_id).where(ItemOutcome.outcome == REFUSED, _ended_order(period))
    partial = db.session.execute(
        db.select(Shipment.carrier, region, func.count())
        .join(Order, Order.id == Shipment.order_id)
        .where(Shipment.order_id.in_(refused_items), Shipment.is_return.is_(False), Shipment.refused_at.is_(None))
        .group_by(Shipment.carrier, region)).all()
    by_carrier, by_region = {}, {}
    for carrier, region_name, refused, count, part in ([(c, r, w, n, False) for c, r, w, n in parcels]
                                                        + [(c, r, False, n, True) for c, r, n in partial]):
        for table, key, by in ((by_carrier, carrier, "carrier"), (by_region, region_name, "region")):
            entry = table.setdefault(key, Refusals(key, by))
            if part:
                entry.partial += count
                continue
            entry.parcels += count
            if refused:
                entry.refused += count

    def ordered(table):
        return sorted(table.values(), key=lambda r: (-(r.back + r.exchanged), -r.total, r.label))

    return ReturnAnalytics(
        by_product=ordered(product), by_size=ordered(size), by_product_size=ordered(product_size),
        by_reason=by_reason,
        refusals_by_carrier=sorted(by_carrier.values(), key=lambda r: (-r.parcels, r.label)),
        refusals_by_region=sorted(by_region.values(), key=lambda r: (-r.parcels, r.label)),
        items=totals.total, back=totals.back, exchanged=totals.exchanged)


def csv_rows(result):
    """A ``build`` result as rows of the analytics CSV (``section, item, count, mean, median, late, share``:
    what came back in the ``late`` column, its share from 0 to 1 in ``share``)."""

    def share(value):
        return "" if value is None else round(value, 4)

    for section, rows in (("returns_by_product_size", result.by_product_size), ("returns_by_product", result.by_product),
                          ("returns_by_size", result.by_size)):
        for r in rows:
            yield (section, " ".join(r.key).strip(), r.total, "", "", r.back, share(r.back_share))
            yield (section.replace("returns_", "exchanges_"), " ".join(r.key).strip(), r.total, "", "", r.exchanged,
                   share(r.exchange_share))
    for row in result.by_reason:
        yield ("return_reasons_by_item", row.code, row.count, "", "", "", share(row.share))
    for section, rows in (("refusals_by_carrier", result.refusals_by_carrier),
                          ("refusals_by_region", result.refusals_by_region)):
        for r in rows:
            yield (section, r.key, r.parcels, "", "", r.refused + r.partial, share(r.share))
