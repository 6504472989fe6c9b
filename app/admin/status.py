"""Staff status changes: one order, many orders at once, and admin corrections.

Everything goes through ``lifecycle.change_status``; this module adds the return reason list
and the per-order outcome of a bulk change.
"""
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import gettext as _

from app.admin.reasons import RETURN_REASONS
from app.extensions import db
from app.i18n import default_language
from app.orders import lifecycle, statuses
from app.orders.models import Order
from app.orders.services import add_shipment
from app.returns import services as returns


class ReturnReasonMissing(lifecycle.LifecycleError):
    def __str__(self):
        return _("Choose the reason for the return (or “Other reason” and describe it).")


class ParcelMissing(lifecycle.LifecycleError):
    def __str__(self):
        return _("Enter the parcel's tracking number, or tick “Ship without a tracking number”.")

    def in_bulk(self):
        """The same refusal where a bulk change has no tracking number field to fill."""
        return _("No parcel yet: add its tracking number (or ship it without one) on the order's page.")


def ship_parcel(order, tracking_number=None, carrier=None, without_tracking=False):
    """Before "shipped" (or further) by staff: the order's parcel, added now, or an explicit choice to ship
    without one (the customer is then told there is no tracking number)."""
    if order.shipments:
        return
    if (tracking_number or "").strip():
        add_shipment(order, carrier or None, tracking_number)
    elif not without_tracking:
        raise ParcelMissing()


def compose_note(target, note, reason):
    """The history note: the chosen reason (in the shop's language) followed by the free text."""
    note = (note or "").strip()
    if target != statuses.RETURNED:
        return note
    if reason not in RETURN_REASONS or (reason == "other" and not note):
        raise ReturnReasonMissing()
    if reason == "other":
        return note
    with force_locale(default_language()):
        label = str(RETURN_REASONS[reason])
    return f"{label}. {note}" if note else label


def change(order, target, *, user, note=None, reason=None, expected_version=None, correction=False, at=None,
           tracking_number=None, carrier=None, without_tracking=False):
    """Change one order's status as ``user``; returns the history row (None for a repeat).

    Sending an order off without a parcel (to shipped, or straight to in transit or delivered) needs
    its tracking number (``tracking_number``, ``carrier``) or ``without_tracking``; a bulk change
    gives neither, so it skips such orders. ``at`` is when it happened (default now), for back-dated records such
    as tests' fixed data."""
    if target not in statuses.ALL:
        raise lifecycle.UnknownStatus(target)
    if not correction and statuses.puts_on_the_way(order.status, target):
        ship_parcel(order, tracking_number, carrier, without_tracking)
    # A correction's note is the admin's written reason for it (lifecycle requires one).
    full_note = (note or "").strip() if correction else compose_note(target, note, reason)
    reason_code = reason if target == statuses.RETURNED and reason in RETURN_REASONS else None
    event = lifecycle.change_status(order, target, source="staff", actor_user=user, note=full_note, at=at,
                                    expected_version=expected_version, correction=correction, reason_code=reason_code)
    if event is not None and reason_code == returns.REFUSED_AT_PICKUP:
        returns.refused_by_staff(order, at=event.created_at, note=full_note)
    return event


@dataclass
class BulkResult:
    order_id: int
    number: str
    ok: bool
    message: str


def bulk_change(order_ids, target, *, user, note=None, reason=None):
    """Change each order on its own: each is committed or rolled back by itself, so one
    refused order does not block the others. Returns one ``BulkResult`` per id, in order."""
    results = []
    for order_id in dict.fromkeys(order_ids):
        order = db.session.get(Order, order_id)
        if order is None:
            results.append(BulkResult(order_id, str(order_id), False, _("No such order.")))
            continue
        number = order.number
        try:
            event = change(order, target, user=user, note=note, reason=reason)
        except lifecycle.LifecycleError as error:
            db.session.rollback()
            message = error.in_bulk() if isinstance(error, ParcelMissing) else str(error)
            results.append(BulkResult(order_id, number, False, message))
            continue
        db.session.commit()
        message = (_("Already “%(status)s”; nothing changed.", status=statuses.label(target)) if event is None
                   else _("Changed to “%(status)s”.", status=statuses.label(target)))
        results.append(BulkResult(order_id, number, True, message))
    return results
