"""The rules of returns and exchanges, in one place.

Who calls: the customer's pages (a request), the staff pages (a decision, a waybill, a refund, an
outcome entered by hand) and the carrier sync (``from_carrier``: a refusal at the pickup point, a
partial return, the carrier's return waybill, the return parcel reaching the shop). Every
function checks everything before it writes anything and raises ``ReturnRefused`` with a
translated message; the caller commits once (or rolls back).
"""
import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import settings as app_settings
from app.audit import record
from app.clock import local_today, utcnow
from app.errors import Refused
from app.extensions import db
from app.orders import lifecycle, statuses
from app.orders.models import Order, OrderItem, Shipment
from app.returns.models import (
    APPROVED,
    EXCHANGE,
    EXCHANGED,
    KEPT,
    KINDS,
    OUTCOMES,
    RECEIVED,
    REFUSED,
    REFUSED_STATE,
    REQUESTED,
    RETURN,
    RETURNED,
    ItemOutcome,
    ReturnCase,
    ReturnCaseItem,
)
from app.text import comma_list

#: The reason of a parcel the recipient refused at the pickup point (or left there until its storage ended)
REFUSED_AT_PICKUP = "refused_at_pickup"
#: Why an item comes back. The first four are what a customer may choose (``RETURN_REASONS``
#: says which of them the shop offers); the last is the carrier's refusal at the pickup point.
REASONS = {
    "wrong_size": _l("Wrong size"),
    "does_not_fit": _l("Does not fit"),
    "defect": _l("Defect"),
    "changed_mind": _l("Changed my mind"),
    REFUSED_AT_PICKUP: _l("Refused at the pickup point"),
}
CUSTOMER_REASONS = ("wrong_size", "does_not_fit", "defect", "changed_mind")
OUTCOME_LABELS = {
    KEPT: _l("Kept"),
    REFUSED: _l("Refused at the pickup point"),
    RETURNED: _l("Returned"),
    EXCHANGED: _l("Exchanged"),
}
KIND_LABELS = {RETURN: _l("Return"), EXCHANGE: _l("Exchange")}
STATE_LABELS = {
    REQUESTED: _l("Waiting for the shop's answer"),
    APPROVED: _l("Approved"),
    REFUSED_STATE: _l("Refused by the shop"),
    RECEIVED: _l("Back at the shop"),
}
REFUND_METHODS = {"card": _l("To a bank card"), "bank": _l("Bank transfer"), "cash": _l("In cash")}
COMMENT_MAX = 1000
MESSAGE_MAX = 1000


class ReturnRefused(Refused):
    """A return, exchange or refund step that cannot be done; ``str()`` is a translated message."""


# ---- the shop's rules (settings) ---------------------------------------------------------------

def return_days():
    return max(0, app_settings.get_int("RETURN_DAYS", 14))


def allowed_reasons():
    """The reasons a customer may choose, in the shop's order."""
    chosen = [code for code in comma_list(app_settings.get("RETURN_REASONS", ",".join(CUSTOMER_REASONS)))
              if code in CUSTOMER_REASONS]
    return chosen or list(CUSTOMER_REASONS)


#: The settings the return rules are kept in
RULE_SETTINGS = ("RETURN_DAYS", "RETURN_REASONS", "EXCHANGE_SIZES", "EXCHANGE_DEFAULT_SIZES")


def rules():
    """The return rules as the staff's settings form shows them (``shown``: for ``save_rules`` to check)."""
    return {"days": return_days(), "reasons": allowed_reasons(),
            "all_reasons": [(c, str(REASONS[c])) for c in CUSTOMER_REASONS],
            "sizes": app_settings.get("EXCHANGE_SIZES", "") or "",
            "default_sizes": app_settings.get("EXCHANGE_DEFAULT_SIZES", "") or "",
            "shown": app_settings.shown(RULE_SETTINGS)}


def save_rules(days, reasons, sizes, default_sizes, *, shown=None):
    """Store the return rules (``days`` as typed; unknown reasons dropped); audited. Raises ReturnRefused,
    or ``settings.SettingsChanged`` when another admin changed them since the form was shown (``shown``)."""
    try:
        days = int(days)
        if not 0 <= days <= 365:
            raise ValueError
    except ValueError:
        raise ReturnRefused(_("Enter the number of days, from 0 to 365.")) from None
    reasons = [code for code in reasons if code in CUSTOMER_REASONS]
    if not reasons:
        raise ReturnRefused(_("Choose at least one reason customers may give."))
    for line in re.split(r"[\n;]", sizes or ""):
        if line.strip() and ":" not in line:  # sizes_for would pass it over: the article would get the default sizes
            raise ReturnRefused(_("Write each article's sizes as “DR-104: XS, S, M”; this line has no colon: %(line)s",
                                  line=line.strip()[:80]))
    app_settings.save({"RETURN_DAYS": days, "RETURN_REASONS": ",".join(reasons),
                       "EXCHANGE_SIZES": (sizes or "").strip()[:4000],
                       "EXCHANGE_DEFAULT_SIZES": (default_sizes or "").strip()[:500]
                       or current_app.config["EXCHANGE_DEFAULT_SIZES"]},
                      action="settings.update", object_id="returns", shown=shown)


def waiting_and_recent(limit=50):
    """The requests waiting for an answer (oldest first) and the latest ``limit`` others."""
    waiting = db.session.execute(db.select(ReturnCase).where(ReturnCase.state == REQUESTED)
                                 .order_by(ReturnCase.created_at)).scalars().all()
    recent = db.session.execute(db.select(ReturnCase).where(ReturnCase.state != REQUESTED)
                                .order_by(ReturnCase.id.desc()).limit(limit)).scalars().all()
    return waiting, recent


def sizes_for(sku):
    """The sizes an item of ``sku`` is made in (``EXCHANGE_SIZES``, else ``EXCHANGE_DEFAULT_SIZES``)."""
    table = app_settings.get("EXCHANGE_SIZES", "") or ""
    for line in re.split(r"[\n;]", table):
        name, _sep, sizes = line.partition(":")
        if _sep and sku and name.strip().casefold() == sku.strip().casefold():
            return comma_list(sizes)
    return comma_list(app_settings.get("EXCHANGE_DEFAULT_SIZES", "XS,S,M,L,XL,XXL"))


# ---- where an order stands ---------------------------------------------------------------------

def delivered_at(order):
    """When the order was (last) delivered, or None."""
    times = [e.created_at for e in order.history if e.status == statuses.DELIVERED]
    return max(times) if times else None


def _busy_item_ids(order):
    """Items already in a request that was not refused, or with an outcome other than kept."""
    busy = {ci.order_item_id for case in order.return_cases if case.state != REFUSED_STATE for ci in case.items}
    busy |= {item.id for item in order.items if item.outcome is not None and item.outcome.outcome != KEPT}
    return busy


def is_cod_refusal(case):
    """A refusal at the pickup point of a cash-on-delivery parcel: nothing was paid, nothing to refund."""
    return case.opened_by == "carrier" and bool(case.order.cod_amount)


def refundable_amount(case):
    return sum((ci.item.line_total for ci in case.items), Decimal("0.00"))


def order_totals(order):
    """(kept, back): what the customer keeps and what comes back (refused, returned; an exchanged
    item's value goes on in its replacement order)."""
    kept, back = Decimal("0.00"), Decimal("0.00")
    for item in order.items:
        if item.outcome is not None and item.outcome.outcome in (REFUSED, RETURNED):
            back += item.line_total
        else:
            kept += item.line_total
    return kept, back


def set_outcome(order, item, outcome, *, source, reason=None, case=None):
    if outcome not in OUTCOMES:
        raise ReturnRefused(_("Unknown outcome."))
    if item.order_id != order.id:
        raise ReturnRefused(_("This item is not part of the order."))
    row = item.outcome
    if row is None:
        row = ItemOutcome(order_id=order.id, order_item_id=item.id, quantity=item.quantity)
        db.session.add(row)
        item.outcome = row
    row.outcome, row.source, row.reason, row.recorded_at = outcome, source, reason, utcnow()
    if case is not None:
        row.case_id = case.id
    return row


def follow_order_status(order, *, user=None):
    """A delivered order all of whose items came back (refused or returned, none kept nor
    exchanged) is returned; one that kept anything stays delivered (a partial return)."""
    if order.status != statuses.DELIVERED or not order.items:
        return None
    if not all(i.outcome is not None and i.outcome.outcome in (REFUSED, RETURNED) for i in order.items):
        return None
    reasons = {i.outcome.reason for i in order.items if i.outcome.reason}
    note = ", ".join(sorted(str(REASONS.get(r, r)) for r in reasons)) or str(OUTCOME_LABELS[RETURNED])
    return lifecycle.change_status(order, statuses.RETURNED, source="staff" if user else "system", actor_user=user,
                                   actor=getattr(user, "email", None), note=note)


def record_refusal(shipment, *, at, reason):
    """The recipient refused ``shipment`` at the pickup point (or left it there until its storage
    ended): when, and in whose words (the carrier's text, or the staff's note). The COD page and the
    refusal tables read it; an earlier refusal is kept."""
    if shipment.refused_at is None:
        shipment.refused_at = at
        shipment.refusal_reason = (reason or "")[:500] or None


def refused_by_staff(order, *, at, note):
    """Staff recorded the order as returned because it was refused at the pickup point: its parcels
    are refused and back, and its items not settled yet refused, as a carrier's refusal has them
    (``app.carriers.sync``, ``from_carrier``), so the return reasons, the refusal tables and the COD
    page tell one story."""
    for parcel in order.shipments:
        if parcel.is_return:
            continue
        record_refusal(parcel, at=at, reason=note)
        parcel.status = statuses.RETURNED
    for item in order.items:
        if item.outcome is None:
            set_outcome(order, item, REFUSED, source="staff", reason=REFUSED_AT_PICKUP)


def _notify(order):
    """Tell the customer, by their channels, that their return or exchange moved on."""
    from app.notify import outbox

    lifecycle.touch(order)
    outbox.enqueue(order, kind="return", status=order.status)


# ---- return parcels ----------------------------------------------------------------------------

def link_return_parcel(order, carrier, number, *, return_of=None):
    """The parcel that brings items back to the shop, tracked by the carrier sync from now on.

    The same waybill given again answers the parcel already linked; a waybill that is another
    order's parcel is refused.
    """
    from app.carriers import CARRIER_CODES, is_tracking_number, normalize_tracking_number

    number = normalize_tracking_number(number)
    if carrier not in CARRIER_CODES:
        raise ReturnRefused(_("Choose the carrier of the return parcel."))
    if not is_tracking_number(number):
        raise ReturnRefused(_("Enter the waybill number of the return parcel (6 to 40 letters and digits)."))
    existing = db.session.execute(db.select(Shipment).where(
        Shipment.carrier == carrier, Shipment.tracking_number == number)).scalar_one_or_none()
    if existing is not None:
        if existing.order_id != order.id:
            raise ReturnRefused(_("Waybill %(number)s belongs to another order.", number=number))
        if not existing.is_return:
            raise ReturnRefused(_("Waybill %(number)s is this order's own parcel to you, not a return.",
                                  number=number))
        return existing
    # by id, not through ``order``: the parcel must not join ``order.shipments`` (those move the order)
    parcel = Shipment(order_id=order.id, carrier=carrier, tracking_number=number, is_return=True,
                      return_of_id=return_of.id if return_of is not None else None, active=True)
    db.session.add(parcel)
    db.session.flush()
    db.session.expire(order, ["return_parcels"])
    return parcel


def return_parcel_arrived(parcel):
    """The return parcel reached the shop: its requests are received, the customer is told."""
    order = db.session.get(Order, parcel.order_id)
    now = utcnow()
    for case in order.return_cases:
        if case.return_shipment_id == parcel.id and case.state == APPROVED:
            case.state, case.received_at = RECEIVED, now
    follow_order_status(order)
    _notify(order)


# ---- what the carrier says -----------------------------------------------------------------------

def _entry_texts(entry):
    if isinstance(entry, dict):
        return [str(v) for v in entry.values() if isinstance(v, (str, int)) and not isinstance(v, bool)]
    return [str(entry)] if isinstance(entry, (str, int)) else []


def match_returned_goods(items, entries):
    """The order items a carrier's ``PartialReturnGoods`` entries name, and the entries named none.

    The entries' shape is not published (public answers show only an empty list), so an entry
    matches an item when its texts carry the item's article (SKU) as a word, and its size too
    where several items share the article; an entry matching nothing is left to staff.
    """
    matched, unmatched = [], []
    for entry in entries:
        words = {w.casefold() for text in _entry_texts(entry) for w in re.split(r"[^\w-]+", text) if w}
        candidates = [i for i in items if i.sku and i.sku.casefold() in words and i not in matched]
        if len(candidates) > 1:
            candidates = [i for i in candidates if i.size and i.size.casefold() in words][:1] or candidates
        if candidates:
            matched.append(candidates[0])
        else:
            unmatched.append(entry)
    return matched, unmatched


def from_carrier(shipment, result):
    """Apply what the carrier's answer says about the way back: a refusal at the pickup point (whole
    or part: ``result.returned_goods``), the return waybill it created (``result.return_number``),
    or, for a return parcel, its arrival at the shop. Writes in the sync's transaction."""
    if shipment.is_return:
        if shipment.status == statuses.DELIVERED:
            return_parcel_arrived(shipment)
        else:
            lifecycle.touch(db.session.get(Order, shipment.order_id))
        return
    order = shipment.order
    refused_whole = shipment.status == statuses.RETURNED and shipment.refused_at is not None
    partial = shipment.status == statuses.DELIVERED and bool(result.returned_goods)
    if not (refused_whole or partial):
        return  # a waybill created on this one's basis without a refusal is a redirection, not a return
    free = [i for i in order.items if i.outcome is None]
    if refused_whole:
        refused, unmatched = free, []
    else:
        refused, unmatched = match_returned_goods(free, result.returned_goods)
    case = next((c for c in order.return_cases if c.opened_by == "carrier"), None)
    if case is None and (refused or unmatched or result.return_number):
        case = ReturnCase(order_id=order.id, kind=RETURN, state=APPROVED, reason=REFUSED_AT_PICKUP,
                          opened_by="carrier", decided_at=utcnow())
        db.session.add(case)
        order.return_cases.append(case)
        db.session.flush()
    for item in refused:
        case.items.append(ReturnCaseItem(order_item_id=item.id))
        set_outcome(order, item, REFUSED, source="carrier", reason=REFUSED_AT_PICKUP, case=case)
    if partial:
        for item in free:
            if item not in refused and not unmatched:
                set_outcome(order, item, KEPT, source="carrier")
    if unmatched and case is not None:
        listed = "; ".join(" ".join(_entry_texts(e)) for e in unmatched)[:500]
        case.comment = _("The carrier's list of returned goods named items the shop could not match: %(list)s",
                         list=listed)
    if result.return_number and case is not None and case.return_shipment_id is None:
        try:
            parcel = link_return_parcel(order, shipment.carrier, result.return_number, return_of=shipment)
        except ReturnRefused as error:
            case.comment = ((case.comment or "") + " " + str(error)).strip()
        else:
            case.return_shipment_id = parcel.id
    _notify(order)


# ---- the customer's request --------------------------------------------------------------------

def request(order, *, kind, item_ids, reason, wanted=None, comment="", opened_by="customer", user=None, now=None):
    """A return or an exchange of some of ``order``'s items. ``wanted``: {item id: (size, colour)}."""
    now = now or utcnow()
    wanted = wanted or {}
    comment = (comment or "").strip()
    if kind not in KINDS:
        raise ReturnRefused(_("Choose a return or an exchange."))
    if order.status != statuses.DELIVERED:
        raise ReturnRefused(_("A return or an exchange can be asked for once the order is delivered."))
    delivered = delivered_at(order)
    days = return_days()
    if opened_by == "customer" and delivered is not None and now > delivered + timedelta(days=days):
        raise ReturnRefused(_("Returns and exchanges are accepted within %(days)s days of delivery; this order "
                              "was delivered on %(date)s.", days=days, date=delivered.strftime("%d.%m.%Y")))
    if reason not in (allowed_reasons() if opened_by == "customer" else REASONS):
        raise ReturnRefused(_("Choose a reason from the list."))
    if len(comment) > COMMENT_MAX:
        raise ReturnRefused(_("Please keep the comment under %(count)s characters.", count=COMMENT_MAX))
    by_id = {item.id: item for item in order.items}
    try:
        chosen = [by_id[int(i)] for i in dict.fromkeys(item_ids or ())]
    except (KeyError, TypeError, ValueError):
        raise ReturnRefused(_("This item is not part of the order."))
    if not chosen:
        raise ReturnRefused(_("Choose at least one item."))
    busy = _busy_item_ids(order)
    for item in chosen:
        if item.id in busy:
            raise ReturnRefused(_("A return or an exchange of “%(item)s” has already been asked for.", item=item.name))
    case_items = []
    for item in chosen:
        size, color = wanted.get(item.id, ("", ""))
        size, color = (size or "").strip()[:64], (color or "").strip()[:64]
        if kind == EXCHANGE:
            sizes = sizes_for(item.sku)
            if not size:
                raise ReturnRefused(_("Choose the size you want instead of “%(item)s”.", item=item.name))
            if size.casefold() not in {s.casefold() for s in sizes}:
                raise ReturnRefused(_("“%(item)s” is not made in size %(size)s. Sizes: %(sizes)s.", item=item.name,
                                      size=size, sizes=", ".join(sizes)))
            size = next(s for s in sizes if s.casefold() == size.casefold())
        case_items.append(ReturnCaseItem(order_item_id=item.id, wanted_size=size or None, wanted_color=color or None))
    case = ReturnCase(order_id=order.id, kind=kind, state=REQUESTED, reason=reason, comment=comment or None,
                      opened_by=opened_by, created_at=now, items=case_items)
    db.session.add(case)
    order.return_cases.append(case)
    db.session.flush()
    record("order.return_case_opened", "order", order.id, after={"case": case.id, "kind": kind, "reason": reason},
           actor=user)
    _notify(order)
    return case


# ---- the shop's decision -----------------------------------------------------------------------

def _case(order, case_id, state=None, refusal=""):
    """The order's request ``case_id``; ReturnRefused(``refusal``) unless it is in ``state`` (when given)."""
    case = db.session.get(ReturnCase, case_id)
    if case is None or case.order_id != order.id:
        raise ReturnRefused(_("This request is not part of the order."))
    if state is not None and case.state != state:
        raise ReturnRefused(refusal)
    return case


def _staff_message(message):
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX:
        raise ReturnRefused(_("Please keep the message under %(count)s characters.", count=MESSAGE_MAX))
    return message


def approve(order, case_id, *, user, message=""):
    """Approve a request: its items' outcomes are set; an exchange gets its replacement order."""
    case = _case(order, case_id, REQUESTED, _("This request has already been answered."))
    message = _staff_message(message)
    replacement = None
    if case.kind == EXCHANGE:
        replacement = _replacement_order(order, case, user)
    case.state, case.decided_at, case.decided_by_user_id = APPROVED, utcnow(), user.id if user else None
    case.staff_message = message or None
    if replacement is not None:
        case.replacement_order_id = replacement.id
    for ci in case.items:
        set_outcome(order, ci.item, EXCHANGED if case.kind == EXCHANGE else RETURNED, source="staff",
                    reason=case.reason, case=case)
    record("order.return_case_approved", "order", order.id,
           after={"case": case.id, "replacement": replacement.number if replacement else None}, actor=user)
    _notify(order)
    return case


def _replacement_order(order, case, user):
    from app.orders.services import create_order

    items = [{"name": ci.item.name, "sku": ci.item.sku, "size": ci.wanted_size or ci.item.size,
              "color": ci.wanted_color or ci.item.color, "quantity": ci.item.quantity, "price": str(ci.item.price)}
             for ci in case.items]
    delivery = {"city": order.delivery_city, "region": order.delivery_region,
                "pickup_point": order.delivery_pickup_point, "address": order.delivery_address,
                "postcode": order.delivery_postcode, "country": order.delivery_country}
    replacement = create_order(order.customer, items, delivery={k: v for k, v in delivery.items() if v},
                               source="staff", actor_user=user,
                               note=_("Exchange for order %(number)s", number=order.number))
    db.session.flush()
    return replacement


def refuse(order, case_id, *, user, message):
    case = _case(order, case_id, REQUESTED, _("This request has already been answered."))
    message = _staff_message(message)
    if len(message) < 3:
        raise ReturnRefused(_("Please tell the customer why the request is refused."))
    case.state, case.decided_at, case.decided_by_user_id = REFUSED_STATE, utcnow(), user.id if user else None
    case.staff_message = message
    record("order.return_case_refused", "order", order.id, after={"case": case.id}, actor=user)
    _notify(order)
    return case


def add_return_waybill(order, case_id, carrier, number, *, user=None):
    """Staff or the customer give the waybill of the parcel they sent back."""
    case = _case(order, case_id, APPROVED, _("A waybill can be added once the shop has approved the request."))
    if case.return_shipment_id is not None:
        raise ReturnRefused(_("This request already has its return parcel."))
    parcel = link_return_parcel(order, carrier, number)
    case.return_shipment_id = parcel.id
    record("order.return_waybill_added", "order", order.id, after={"case": case.id, "waybill": parcel.tracking_number},
           actor=user)
    _notify(order)
    return parcel


def mark_received(order, case_id, *, user):
    case = _case(order, case_id, APPROVED, _("Only an approved request can be marked as back at the shop."))
    case.state, case.received_at = RECEIVED, utcnow()
    record("order.return_received", "order", order.id, after={"case": case.id}, actor=user)
    follow_order_status(order, user=user)
    _notify(order)
    return case


def record_refund(order, case_id, *, amount, method, day, user):
    case = _case(order, case_id)
    if is_cod_refusal(case):
        raise ReturnRefused(_("Nothing to refund: the parcel was paid on delivery and refused, so nothing was paid."))
    if case.kind != RETURN or case.state not in (APPROVED, RECEIVED):
        raise ReturnRefused(_("A refund can be recorded for an approved return."))
    if case.refund_amount is not None:  # a second press (or a stale tab) would tell the customer again
        raise ReturnRefused(_("The refund of this return is already recorded."))
    try:
        value = Decimal(str(amount).replace(",", ".").strip()).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ReturnRefused(_("Enter the refunded amount, e.g. 1450.00."))
    limit = refundable_amount(case)
    if value <= 0 or value > limit:
        raise ReturnRefused(_("The refund must be more than 0 and at most %(limit)s.", limit=limit))
    if method not in REFUND_METHODS:
        raise ReturnRefused(_("Choose how the money was refunded."))
    if not isinstance(day, date):
        raise ReturnRefused(_("Enter the date of the refund."))
    if day > local_today():
        raise ReturnRefused(_("The refund date cannot be in the future."))
    case.refund_amount, case.refund_method, case.refund_date = value, method, day
    record("order.refund_recorded", "order", order.id, after={"case": case.id, "amount": str(value), "method": method},
           actor=user)
    _notify(order)
    return case


def set_item_outcome(order, item_id, outcome, *, user, reason=None):
    """Staff enter what became of an item by hand (the carrier gave no list, or it came back later)."""
    item = db.session.get(OrderItem, item_id)
    if item is None or item.order_id != order.id:
        raise ReturnRefused(_("This item is not part of the order."))
    if order.status not in (statuses.DELIVERED, statuses.RETURNED):
        raise ReturnRefused(_("Outcomes are recorded once the order has reached the customer or come back."))
    if reason and reason not in REASONS:
        raise ReturnRefused(_("Choose a reason from the list."))
    row = set_outcome(order, item, outcome, source="staff", reason=reason or None)
    record("order.item_outcome", "order", order.id, after={"item": item.id, "outcome": outcome}, actor=user)
    lifecycle.touch(order)
    try:
        follow_order_status(order, user=user)
    except lifecycle.LifecycleError as error:
        raise ReturnRefused(str(error))
    return row
