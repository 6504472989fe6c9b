"""The one way an order's status changes.

Every source (staff form, carrier sync and push, API, customer, import, system jobs) calls
``change_status``. It checks the move, writes the new status and an append-only history row,
bumps the order's version (the polled partial's ETag) and announces the change through the
``status_changed`` signal, whose receivers (the notification outbox) write in the same
transaction. The caller commits once.

A caller that changes many orders at once (the carrier sync, a bulk action) wraps the changes in
``with lifecycle.announced_together():`` so that receivers get them in one signal and can do
their work for the whole set at once instead of order by order.
"""
from contextlib import contextmanager
from contextvars import ContextVar

from blinker import Namespace
from flask_babel import gettext as _
from sqlalchemy import insert, inspect, update

from app.audit import record
from app.clock import utcnow
from app.extensions import db
from app.orders import statuses
from app.orders.models import Shipment, StatusEvent

_signals = Namespace()
#: Sent as ``status_changed.send(changes=[(order, StatusEvent), ...])`` inside the caller's transaction.
status_changed = _signals.signal("status-changed")
_gathered = ContextVar("posylka_status_changes_gathered", default=None)


class _Gathering:
    def __init__(self):
        self.changes = []  # (order, StatusEvent) in the order they happened
        self.rows = []  # history rows still to insert (all at once, when the block ends)
        self.active = {True: set(), False: set()}  # order ids whose shipments start / stop syncing


@contextmanager
def announced_together():
    """Status changes made inside this block are written and announced together when it ends.

    Their history rows are inserted in one statement and the receivers get one signal, so a
    caller moving hundreds of orders (the carrier sync) pays for one round instead of hundreds.
    Until the block ends the rows are not in the session: read ``order.history`` after it.
    """
    if _gathered.get() is not None:  # already gathering: the outer block writes and announces
        yield
        return
    gathering = _Gathering()
    token = _gathered.set(gathering)
    try:
        yield
    finally:
        _gathered.reset(token)
    for active, order_ids in gathering.active.items():
        if order_ids:
            db.session.execute(update(Shipment).where(Shipment.order_id.in_(order_ids), Shipment.active != active,
                                                      Shipment.is_return.is_(False))  # a parcel back has its own end
                               .values(active=active))
    if gathering.rows:
        columns = [c.key for c in StatusEvent.__table__.columns if c.key != "id"]
        db.session.execute(insert(StatusEvent), [{c: getattr(e, c) for c in columns} for e in gathering.rows])
    if gathering.changes:
        status_changed.send(changes=gathering.changes)


class LifecycleError(Exception):
    """A refused status change. ``str(error)`` is a translated message for people."""


class IllegalTransition(LifecycleError):
    def __init__(self, current, target, allowed):
        self.current, self.target, self.allowed = current, target, tuple(allowed)
        super().__init__(current, target)

    def __str__(self):
        if not self.allowed:
            return _("The order is “%(current)s”; its status can no longer be changed.",
                     current=statuses.label(self.current))
        return _("The status cannot change from “%(current)s” to “%(target)s”. Allowed next: %(allowed)s.",
                 current=statuses.label(self.current), target=statuses.label(self.target),
                 allowed=", ".join(str(statuses.label(s)) for s in self.allowed))


class ReasonRequired(LifecycleError):
    def __init__(self, target):
        self.target = target
        super().__init__(target)

    def __str__(self):
        if self.target == "correction":
            return _("A status correction needs a written reason.")
        return _("“%(target)s” needs a reason.", target=statuses.label(self.target))


class UnknownStatus(LifecycleError):
    def __init__(self, target):
        self.target = target
        super().__init__(target)

    def __str__(self):
        return _("Unknown status “%(target)s”.", target=self.target)


class StaleOrder(LifecycleError):
    def __str__(self):
        return _("This order was changed by someone else while you were editing it. "
                 "Reload the page to see the current state, then try again.")


class NotAllowed(LifecycleError):
    def __str__(self):
        return _("Only an administrator may correct a status.")


class NothingToUndo(LifecycleError):
    def __str__(self):
        return _("There is no confirmation by the customer to undo: the order's last change is not "
                 "the customer's “I have received the order”.")


def check_version(order, expected_version):
    """Optimistic locking: ``StaleOrder`` unless ``expected_version`` (the version a form was built
    from; None: not checked) is still the order's."""
    if expected_version is not None and str(expected_version).strip() != str(order.version):
        raise StaleOrder()


def customer_receipt(order):
    """The history row of the customer's own "I have received the order", if it is the order's
    last change (and so may still be undone by staff); else None."""
    last = order.history[-1] if order.history else None
    if last is not None and last.source == "customer" and last.status == statuses.DELIVERED \
            and order.status == statuses.DELIVERED and last.previous_status in statuses.ACTIVE_SHIPPING:
        return last
    return None


def undo_customer_receipt(order, *, actor_user, note=None, expected_version=None):
    """Staff take back a customer's mistaken "I have received the order": the order goes back to
    the status it had before, with a history row and an audit entry. Returns the new history row."""
    check_version(order, expected_version)
    receipt = customer_receipt(order)
    if receipt is None:
        raise NothingToUndo()
    return change_status(order, receipt.previous_status, source="staff", actor_user=actor_user, note=note,
                         _undoing=receipt)


def change_status(order, to_status, *, source, actor=None, actor_user=None, note=None, at=None,
                  carrier_event=None, expected_version=None, correction=False, reason_code=None, _undoing=None):
    """Move ``order`` to ``to_status``; return the new history row, or None for a repeat.

    ``actor`` is a label (user e-mail, API client name or carrier code); ``actor_user`` the
    User when a person acted. ``at`` is when it happened (a carrier's event time), default now.
    ``expected_version`` guards a form against a concurrent change (``StaleOrder``).
    ``correction`` lets an admin make any move, with a written reason. ``reason_code`` is why
    an order came back (an ``admin.reasons.RETURN_REASONS`` key), for the return analytics.
    """
    if to_status not in statuses.ALL:
        raise UnknownStatus(to_status)
    if source not in statuses.SOURCES:
        raise ValueError(f"unknown source {source!r}")
    check_version(order, expected_version)
    note = (note or "").strip() or None
    current = order.status

    if _undoing is not None:  # undo_customer_receipt checked the move
        pass
    elif correction:
        if actor_user is None or getattr(actor_user, "role", None) != "admin":
            raise NotAllowed()
        if not note:
            raise ReasonRequired("correction")
        if to_status == current:
            raise IllegalTransition(current, to_status, statuses.allowed_next(current))
    else:
        if to_status == current:
            return None  # the same move reported twice writes one row
        allowed = [s for s in statuses.allowed_next(current) if s in statuses.SOURCE_TARGETS[source]]
        if to_status not in allowed:
            raise IllegalTransition(current, to_status, allowed)
        if to_status in statuses.NEEDS_REASON and not note:
            raise ReasonRequired(to_status)

    when = at or utcnow()
    order.status = to_status
    order.status_changed_at = when
    order.version = (order.version or 0) + 1
    if to_status != statuses.IN_TRANSIT:
        order.at_pickup_point = False
    if to_status in statuses.TERMINAL:
        order.problem = False
        order.problem_note = None
    # A move made by a parcel's own carrier event leaves the parcels to the carrier sync, which
    # follows each to its own end (an order of two parcels, cash still on its way)
    if carrier_event is None and to_status in statuses.TERMINAL:
        _set_shipments_active(order, False)
    elif carrier_event is None and to_status in statuses.ACTIVE_SHIPPING:
        _set_shipments_active(order, True)

    event = StatusEvent(
        status=to_status, previous_status=current, created_at=when, source=source,
        actor=actor or (getattr(actor_user, "email", None)), actor_user_id=getattr(actor_user, "id", None),
        note=note, reason_code=reason_code, is_correction=bool(correction or _undoing is not None),
        carrier=getattr(carrier_event, "shipment", None) and carrier_event.shipment.carrier,
        carrier_raw_code=getattr(carrier_event, "raw_code", None),
        carrier_raw_text=getattr(carrier_event, "raw_text", None),
    )
    if carrier_event is not None:
        event.carrier_event_id = carrier_event.id
    _record(order, event)

    if actor_user is not None and getattr(actor_user, "is_staff", False):
        action = "order.undo_receipt" if _undoing is not None else (
            "order.correct_status" if correction else "order.change_status")
        record(action, "order", order.id,
               before={"status": current}, after={"status": to_status, "note": note}, actor=actor_user)

    announce(order, event)
    return event


def _set_shipments_active(order, active):
    """Terminal statuses stop the carrier sync of the order's parcels; shipping ones (re)start it."""
    gathering = _gathered.get()
    if gathering is not None and order.id is not None and "shipments" not in inspect(order).dict:
        gathering.active[active].add(order.id)  # one UPDATE for the whole block
        return
    for shipment in order.shipments:
        if shipment.active is not active:
            shipment.active = active


def _record(order, event):
    gathering = _gathered.get()
    if gathering is not None and order.id is not None:
        event.order_id = order.id
        gathering.rows.append(event)
    else:
        event.order = order
        db.session.add(event)


def announce(order, event):
    """Tell the receivers of ``status_changed`` about a new history row (now, or with its batch)."""
    gathering = _gathered.get()
    if gathering is not None:
        gathering.changes.append((order, event))
    else:
        status_changed.send(changes=[(order, event)])


def set_flags(order, *, at_pickup_point=None, problem=None, problem_note=None):
    """Set the carrier flags shown on the bar; bump the version only if something changed."""
    changed = False
    if at_pickup_point is not None and bool(at_pickup_point) != order.at_pickup_point:
        order.at_pickup_point = bool(at_pickup_point)
        changed = True
    if problem is not None and bool(problem) != order.problem:
        order.problem = bool(problem)
        order.problem_note = problem_note if problem else None
        changed = True
    if changed:
        touch(order)
    return changed


def touch(order):
    """Record that something a customer sees changed (a carrier event, a new expected date)."""
    order.version = (order.version or 0) + 1
