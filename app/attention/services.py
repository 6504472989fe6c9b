"""The Attention rules: parcels the shop should hear about before the customer complains.

Each rule is one query naming the orders it holds for now. ``scan`` (the scheduled job, and after
every carrier sync that changed something) opens a ``DeliveryException`` for each new (order,
rule) and clears the open ones that no longer hold: a parcel that moves drops off the page by
itself. Thresholds are settings (``app.settings.get``), read at each scan.
"""
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, or_, select

from app import settings
from app.api.models import PlatformOrder
from app.attention.models import DeliveryException
from app.audit import record
from app.clock import local_today, utcnow
from app.extensions import db
from app.feedback.models import CustomerFeedback
from app.feedback.services import LOW_SCORE
from app.notify.models import PickupWatch
from app.orders import statuses
from app.orders.models import CarrierEvent, Order, Shipment
from app.tracking.models import ProblemReport

ON_THE_WAY = (statuses.SHIPPED, statuses.IN_TRANSIT)
#: A shop platform's order cancelled or refunded there once its parcel was with the carrier
CANCELLED_IN_STORE = "cancelled_in_store"


@dataclass(frozen=True)
class Rule:
    code: str
    label: object
    #: What the page says about a row, with ``days`` (the threshold) filled in.
    explanation: object
    #: The message kind the customer is sent from the page (``app.notify.defaults``); None: there is no
    #: message to send (the page offers none)
    message_kind: str | None


RULES = {rule.code: rule for rule in (
    Rule("not_handed_over", _l("Not handed over"),
         _l("A parcel number was created %(days)s or more days ago, but the carrier has not received the parcel."),
         "delay"),
    Rule("no_scan", _l("No carrier scan"),
         _l("On the way with no carrier scan for %(days)s or more days."), "delay"),
    Rule("late", _l("Past the expected date"),
         _l("Not delivered more than %(days)s days after the date the carrier expected."), "delay"),
    Rule("pickup_deadline", _l("Storage deadline near"),
         _l("Waiting at the pickup point; the storage time ends in %(days)s days or less."), "reminder"),
    Rule("carrier_problem", _l("Carrier reported a problem"),
         _l("On the way, and the carrier's latest news is a problem (a failed delivery attempt, a delay, "
            "damage): the carrier's words are below."), "problem"),
    Rule("returning", _l("Refused or returning"),
         _l("The recipient refused the parcel, or the order came back to the shop in the last %(days)s days."),
         "problem"),
    Rule("customer_report", _l("Customer reported a problem"),
         _l("The customer reported a problem on the order's page; listed until staff mark the report handled "
            "there. The customer's words are below."), "problem"),
    Rule("low_score", _l("Low rating"),
         _l("The customer rated the delivery 1 or 2 in the last %(days)s days."), "problem"),
    # the customer most likely asked for it themselves: no message of ours fits, staff call or write
    Rule(CANCELLED_IN_STORE, _l("Cancelled in the store after shipping"),
         _l("Cancelled or refunded in the store after the parcel was handed to the carrier: stop the parcel "
            "or expect it back. The order keeps its delivery status here."), None),
)}


def thresholds():
    """{rule code: days} as the page explains them (a rule without a threshold has none)."""
    return {
        "not_handed_over": settings.get_int("ATTENTION_HANDOVER_DAYS"),
        "no_scan": settings.get_int("ATTENTION_NO_SCAN_DAYS"),
        "late": settings.get_int("ATTENTION_LATE_DAYS"),
        "pickup_deadline": settings.get_int("ATTENTION_PICKUP_DAYS_LEFT"),
        "returning": settings.get_int("ATTENTION_RETURN_DAYS"),
        "low_score": settings.get_int("ATTENTION_FEEDBACK_DAYS"),
    }


def save_thresholds(values, shown=None):
    """Store the thresholds (audited, ``settings.save``, which checks what the form was ``shown``); changed
    ones apply to the list at once, not at the next hourly scan. Whether anything changed."""
    changed = settings.save(values, action="settings.update", object_id="attention", shown=shown)
    if changed:
        scan()
    return changed


def _queries(now):
    """{rule code: a select of order ids for which the rule holds at ``now``}."""
    days = lambda key: timedelta(days=settings.get_int(key))  # noqa: E731
    handover = now - days("ATTENTION_HANDOVER_DAYS")
    quiet_since = now - days("ATTENTION_NO_SCAN_DAYS")
    expected_before = local_today(now) - days("ATTENTION_LATE_DAYS")
    storage_left = max(0, settings.get_int("PICKUP_STORAGE_DAYS") - settings.get_int("ATTENTION_PICKUP_DAYS_LEFT"))
    returned_since = now - days("ATTENTION_RETURN_DAYS")
    rated_since = now - days("ATTENTION_FEEDBACK_DAYS")
    # a parcel the recipient refused (app.returns.services.record_refusal); a failed attempt is not one
    refused = exists(select(Shipment.id).where(Shipment.order_id == Order.id, Shipment.refused_at.is_not(None),
                                               Shipment.is_return.is_(False)))
    recent_scan = (select(CarrierEvent.id).join(Shipment, Shipment.id == CarrierEvent.shipment_id)
                   .where(Shipment.order_id == Order.id, CarrierEvent.occurred_at > quiet_since))
    return {
        "not_handed_over": select(Order.id).where(
            Order.status.in_((statuses.NEW, statuses.AWAITING_SHIPMENT)),
            exists(select(Shipment.id).where(Shipment.order_id == Order.id, Shipment.created_at <= handover))),
        "no_scan": select(Order.id).where(
            Order.status.in_(ON_THE_WAY), Order.at_pickup_point.is_(False), Order.status_changed_at <= quiet_since,
            ~exists(recent_scan)),
        "late": select(Order.id).where(
            Order.status.in_(ON_THE_WAY),
            exists(select(Shipment.id).where(Shipment.order_id == Order.id,
                                             Shipment.scheduled_delivery_date < expected_before))),
        "pickup_deadline": select(Order.id).join(PickupWatch, PickupWatch.order_id == Order.id).where(
            Order.status == statuses.IN_TRANSIT, Order.at_pickup_point.is_(True),
            PickupWatch.since <= now - timedelta(days=storage_left)),
        "carrier_problem": select(Order.id).where(Order.status.in_(ON_THE_WAY), Order.problem.is_(True), ~refused),
        "returning": select(Order.id).where(or_(
            and_(Order.status.in_(ON_THE_WAY), refused),
            and_(Order.status == statuses.RETURNED, Order.status_changed_at >= returned_since))),
        "customer_report": select(Order.id).where(exists(select(ProblemReport.id).where(
            ProblemReport.order_id == Order.id, ProblemReport.handled_at.is_(None)))),
        "low_score": select(Order.id).join(CustomerFeedback, CustomerFeedback.order_id == Order.id).where(
            CustomerFeedback.rating <= LOW_SCORE, CustomerFeedback.answered_at >= rated_since),
        # on its way, or delivered after the store withdrew it (the customer has goods they were refunded);
        # not a refund after delivery (an ordinary return) and not once the parcel is back
        CANCELLED_IN_STORE: select(Order.id).join(PlatformOrder, PlatformOrder.order_id == Order.id).where(
            PlatformOrder.withdrawn.is_not(None),
            or_(Order.status.in_(ON_THE_WAY),
                and_(Order.status == statuses.DELIVERED, PlatformOrder.withdrawn_at < Order.status_changed_at))),
    }


def find(now=None, *, orders=None, rules=None):
    """{(order id, rule code)} that hold at ``now``; only for the order ids ``orders`` and the rule
    codes ``rules`` when given."""
    now = now or utcnow()
    found = set()
    for code, query in _queries(now).items():
        if rules is not None and code not in rules:
            continue
        query = query.where(~Order.is_sandbox)
        if orders is not None:
            query = query.where(Order.id.in_(orders))
        found.update((order_id, code) for order_id in db.session.execute(query).scalars())
    return found


def holds(order, rule, now=None):
    """Does ``rule`` hold for ``order`` now (one query)?"""
    return (order.id, rule) in find(now, orders=[order.id], rules=[rule])


def scan(now=None, *, orders=None):
    """Open exceptions for rules that newly hold, clear those that no longer do. The caller commits.
    ``orders``: only these order ids (something changed one order: it is listed at once, not at the
    next scheduled scan).

    Returns (opened, cleared)."""
    now = now or utcnow()
    holding = find(now, orders=orders)
    still_open = select(DeliveryException).where(DeliveryException.cleared_at.is_(None))
    if orders is not None:
        still_open = still_open.where(DeliveryException.order_id.in_(orders))
    open_rows = {(row.order_id, row.rule): row for row in db.session.execute(still_open).scalars()}
    cleared = 0
    for key, row in open_rows.items():
        if key not in holding:
            row.cleared_at = now
            cleared += 1
    new = holding - open_rows.keys()
    db.session.add_all(DeliveryException(order_id=order_id, rule=code, found_at=now) for order_id, code in new)
    return len(new), cleared


def recheck(rows, now=None):
    """Clear those of the open exceptions ``rows`` whose rule no longer holds (one query per rule,
    for those orders only); returns the rows cleared. The caller commits."""
    now = now or utcnow()
    holding = find(now, orders={row.order_id for row in rows}, rules={row.rule for row in rows})
    cleared = [row for row in rows if (row.order_id, row.rule) not in holding]
    for row in cleared:
        row.cleared_at = now
    return cleared


def on_status_changed(_sender=None, *, changes, **_kwargs):
    """Receiver of ``lifecycle.status_changed``: an order moved on (by staff, the customer, an import, a
    carrier) leaves the page at once, not at the next scan; its customer could otherwise be sent the
    rule's message ("your parcel is late") after it was delivered."""
    db.session.flush()  # a single change is still in the session
    rows = db.session.execute(select(DeliveryException).where(
        DeliveryException.order_id.in_({order.id for order, _event in changes}),
        DeliveryException.cleared_at.is_(None))).scalars().all()
    if rows:
        recheck(rows)


def _listed():
    return and_(DeliveryException.cleared_at.is_(None), DeliveryException.dismissed_at.is_(None))


def counts():
    """{rule code: open exceptions} for every rule (zeros included)."""
    rows = db.session.execute(select(DeliveryException.rule, func.count()).where(_listed())
                              .group_by(DeliveryException.rule)).all()
    out = dict.fromkeys(RULES, 0)
    out.update({code: int(n) for code, n in rows if code in out})
    return out


def total():
    """How many exceptions the page lists (the staff menu's count): one small indexed query."""
    return db.session.execute(select(func.count()).select_from(DeliveryException).where(_listed())).scalar_one()


def listed(rule=None, limit=500, *, order=None):
    """Open exceptions, oldest first, with their orders (and customers) loaded; only ``order``'s when given."""
    query = (select(DeliveryException).where(_listed()).join(Order)
             .options(db.joinedload(DeliveryException.order).joinedload(Order.customer))
             .order_by(DeliveryException.found_at, DeliveryException.id).limit(limit))
    if rule in RULES:
        query = query.where(DeliveryException.rule == rule)
    if order is not None:
        query = query.where(DeliveryException.order_id == order.id)
    return db.session.execute(query).scalars().all()


class AttentionError(ValueError):
    """An action that cannot be done; ``str()`` says why (translated)."""


def get_open(exception_id):
    row = db.session.get(DeliveryException, exception_id)
    if row is None or row.cleared_at is not None or row.dismissed_at is not None:
        raise AttentionError(_("This problem is already solved or dismissed."))
    return row


def notify_customer(row, *, user=None, now=None):
    """Queue the rule's message to the customer (once per exception) through the outbox; audited."""
    from app.notify.outbox import enqueue

    if RULES[row.rule].message_kind is None:
        raise AttentionError(_("There is no message to the customer for this problem: call or write to them."))
    if row.notified_at is not None:
        raise AttentionError(_("The customer was already told about this problem."))
    now = now or utcnow()
    if recheck([row], now):  # it stopped holding since the last scan (a date passed, a scan came)
        raise AttentionError(_("This order has moved on since the list was made: nothing was sent."))
    enqueue(row.order, kind=RULES[row.rule].message_kind, status=row.order.status, now=now)
    row.notified_at = now
    row.handled_by_id = getattr(user, "id", None)
    record("attention.notify", "order", row.order.number, after={"rule": row.rule}, actor=user)
    return row


def dismiss(row, *, user=None, now=None):
    """Take a problem off the page; it stays closed while its condition lasts. Audited."""
    row.dismissed_at = now or utcnow()
    row.handled_by_id = getattr(user, "id", None)
    record("attention.dismiss", "order", row.order.number, after={"rule": row.rule}, actor=user)
    return row


def scheduled_job(_app):
    """The scheduler's job (and the end of each carrier sync that changed something)."""
    scan()
    db.session.commit()
