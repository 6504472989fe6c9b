"""What the customer's and the staff's order pages show of returns and exchanges, computed here so
that the templates hold no rules."""
from dataclasses import dataclass
from datetime import timedelta

from babel.dates import format_date
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import inspect, or_
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.carriers import CARRIERS, carrier_label, tracking_url
from app.clock import local_today, utcnow
from app.extensions import db
from app.i18n import format_money
from app.orders import statuses
from app.returns import services
from app.returns.models import APPROVED, EXCHANGE, RECEIVED, REFUSED_STATE, REQUESTED, RETURN, ItemOutcome, ReturnCase
from app.tracking.presenters import format_day


@dataclass
class ItemLine:
    id: int
    name: str
    sku: str
    size: str
    color: str
    quantity: int
    price_text: str
    outcome: str
    outcome_label: str
    #: May be chosen for a new request
    free: bool
    sizes: list


@dataclass
class ParcelLine:
    number: str
    carrier: str
    url: str
    state: str  # registered, on_its_way, arrived
    text: str


@dataclass
class CaseLine:
    id: int
    kind_label: str
    state: str
    state_label: str
    reason_label: str
    items: list
    comment: str
    staff_message: str
    parcel: ParcelLine | None
    refund_text: str
    replacement_number: str
    replacement_url: str
    can_add_waybill: bool
    refundable: str
    can_refund: bool


@dataclass
class ReturnsView:
    items: list
    cases: list
    can_request: bool
    rule_text: str
    reasons: list
    totals_text: str
    #: The order this one replaces (an exchange), with a link
    original_number: str
    original_url: str
    carriers: list
    #: Staff may record a request for the customer (delivered, some item still free; no day limit)
    staff_can_open: bool
    all_reasons: list

    @property
    def shown(self):
        return bool(self.cases or self.can_request or self.original_number
                    or any(i.outcome for i in self.items))


def weekday_text(day, now=None):
    """"Thursday" within the coming week (the shop's today and six days on, as the refund date and the other
    figures count days), else "Thu, 10 Dec"."""
    today = local_today(now)
    if today <= day < today + timedelta(days=7):
        return format_date(day, "EEEE", locale=get_locale())
    return format_day(day)


def parcel_line(parcel, now=None):
    number, carrier = parcel.tracking_number, parcel.carrier
    if parcel.status == statuses.DELIVERED:
        state, text = "arrived", _("Your return has reached the shop.")
    elif parcel.status in (statuses.SHIPPED, statuses.IN_TRANSIT):
        state = "on_its_way"
        text = (_("Your return is on its way to the shop — arrives %(day)s.", day=weekday_text(parcel.scheduled_delivery_date, now))
                if parcel.scheduled_delivery_date else _("Your return is on its way to the shop."))
    else:
        state, text = "registered", _("The return parcel is registered; the carrier has not picked it up yet.")
    return ParcelLine(number, carrier_label(carrier), tracking_url(carrier, number) or "", state, text)


def refund_text(case, refundable):
    if services.is_cod_refusal(case):
        return _("Nothing to refund: the order was to be paid on delivery, and nothing was paid for the refused "
                 "items.")
    if case.refund_amount is not None:
        return _("Refunded %(amount)s %(method)s on %(date)s.",
                 amount=format_money(case.refund_amount, case.order.currency),
                 method=str(services.REFUND_METHODS.get(case.refund_method, case.refund_method)).lower(),
                 date=format_day(case.refund_date))
    if case.kind == EXCHANGE or case.state in (REQUESTED, REFUSED_STATE):
        return ""
    if case.state == RECEIVED:
        return _("The shop will refund %(amount)s soon.", amount=refundable)
    return _("The refund of %(amount)s follows once the items are back at the shop.", amount=refundable)


def case_line(case, replacement_url="", now=None):
    parcel = case.return_shipment
    refundable = format_money(services.refundable_amount(case), case.order.currency)
    items = []
    for ci in case.items:
        text = f"{ci.item.name}" + (f", {ci.item.size}" if ci.item.size else "")
        if case.kind == EXCHANGE:
            text += " → " + " / ".join(v for v in (ci.wanted_size, ci.wanted_color) if v)
        items.append(text)
    return CaseLine(
        id=case.id, kind_label=str(services.KIND_LABELS[case.kind]), state=case.state,
        state_label=str(services.STATE_LABELS[case.state]), reason_label=str(services.REASONS.get(case.reason, "")),
        items=items, comment=case.comment or "", staff_message=case.staff_message or "",
        parcel=parcel_line(parcel, now) if parcel is not None else None, refund_text=refund_text(case, refundable),
        replacement_number=case.replacement.number if case.replacement is not None else "",
        replacement_url=replacement_url, can_add_waybill=case.state == APPROVED and parcel is None and case.opened_by != "carrier",
        refundable=refundable,
        can_refund=(case.kind == RETURN and case.state in (APPROVED, RECEIVED) and case.refund_amount is None
                    and not services.is_cod_refusal(case)))


def _load(order):
    """Fill in what the section reads in at most two queries, whatever the number of items: the
    requests naming the order (its own, and the one it is the replacement of) and, for an order that
    reached its end (the only ones with outcomes), the items' outcomes. Returns the request this
    order replaces items of, or None."""
    state = inspect(order)
    cases = db.session.execute(
        db.select(ReturnCase).where(or_(ReturnCase.order_id == order.id, ReturnCase.replacement_order_id == order.id))
        .options(selectinload(ReturnCase.items)).order_by(ReturnCase.id)).scalars().all()
    if "return_cases" in state.unloaded:
        set_committed_value(order, "return_cases", [c for c in cases if c.order_id == order.id])
    unloaded = [item for item in order.items if "outcome" in inspect(item).unloaded]
    outcomes = {}  # no outcome before the order has reached its end
    if unloaded and order.status in (statuses.DELIVERED, statuses.RETURNED):
        outcomes = {row.order_item_id: row for row in db.session.execute(
            db.select(ItemOutcome).where(ItemOutcome.order_id == order.id)).scalars()}
    for item in unloaded:
        set_committed_value(item, "outcome", outcomes.get(item.id))
    return next((c for c in cases if c.replacement_order_id == order.id), None)


def returns_view(order, *, url_for_order, now=None):
    """``url_for_order(order)``: where this viewer opens another order (the replacement, the original)."""
    now = now or utcnow()
    original = _load(order)
    busy = services._busy_item_ids(order)
    items = []
    for item in order.items:
        outcome = item.outcome.outcome if item.outcome is not None else ""
        items.append(ItemLine(item.id, item.name, item.sku or "", item.size or "", item.color or "", item.quantity,
                              format_money(item.line_total, order.currency), outcome,
                              str(services.OUTCOME_LABELS[outcome]) if outcome else "",
                              item.id not in busy, services.sizes_for(item.sku)))
    delivered = services.delivered_at(order)
    deadline = delivered + timedelta(days=services.return_days()) if delivered else None
    can_request = (order.status == statuses.DELIVERED and deadline is not None and now <= deadline
                   and any(i.free for i in items))
    rule_text = _("You can ask for a return or an exchange until %(date)s.", date=format_day(deadline.date())) \
        if can_request else ""
    cases = [case_line(c, url_for_order(c.replacement) if c.replacement else "", now) for c in order.return_cases]
    kept, back = services.order_totals(order)
    totals_text = _("You keep items for %(kept)s; items for %(back)s go back to the shop.",
                    kept=format_money(kept, order.currency), back=format_money(back, order.currency)) if back else ""
    return ReturnsView(
        items=items, cases=cases, can_request=can_request, rule_text=rule_text, totals_text=totals_text,
        reasons=[(code, str(services.REASONS[code])) for code in services.allowed_reasons()],
        carriers=[(code, carrier_label(code)) for code in CARRIERS if code != "sandbox"],
        staff_can_open=order.status == statuses.DELIVERED and any(i.free for i in items),
        all_reasons=[(code, str(services.REASONS[code])) for code in services.CUSTOMER_REASONS],
        original_number=original.order.number if original is not None else "",
        original_url=url_for_order(original.order) if original is not None else "")
