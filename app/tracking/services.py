"""What a customer sees of an order, and what a customer may do with it (who may see it:
``app.orders.access``).

``tracking_view(order)`` computes every label and flag of the progress bar and the news in
Python, so the one partial template that the customer page, the signed-link page and the widget
share holds no rules. ``etag_for`` is the polled partial's cheap check: it reads only the order's
version, never the history.
"""
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import inspect

from app import settings as app_settings
from app.admin.reasons import note_for_reader
from app.carriers import carrier_label, tracking_url
from app.carriers.eta import expected_delivery
from app.carriers.mapping import note_text
from app.errors import Refused
from app.i18n import gettext as _
from app.i18n import ngettext, select_locale, select_timezone
from app.orders import access, lifecycle, statuses
from app.tracking import presenters
from app.tracking.presenters import format_day, format_expected

CONFIRMABLE = frozenset({statuses.SHIPPED, statuses.IN_TRANSIT})


class ActionRefused(Refused):
    """A customer action that cannot be done now; ``str()`` is a translated message."""


# ---- the cheap check of the polled partial --------------------------------------------------

def etag_for(state, kind):
    """Everything the partial depends on: the order's version (``state`` is the order or its
    ``access.OrderState``), the viewer's language and time zone, the poll interval and the day
    (the expected date may depend on it). The language is its code (``select_locale``), not
    Flask-Babel's ``Locale`` parsed from it, which an unchanged poll would build only for this."""
    zone = select_timezone()
    today = datetime.now(ZoneInfo(zone)).date().isoformat()
    return (f"{kind}-{state.id}-v{state.version}-{select_locale()}-{zone}-p{app_settings.get('POLL_SECONDS')}"
            f"-{today}")


# ---- the view of one order ------------------------------------------------------------------

@dataclass
class Step:
    code: str
    label: str
    state: str  # done, current, upcoming, not_reached
    state_text: str
    number: int


@dataclass
class ShipmentView:
    carrier: str
    carrier_name: str
    tracking_number: str
    url: str
    #: The parcel's own status ("" before the carrier has said anything); shown when there are several
    status: str = ""
    status_label: str = ""


@dataclass
class TrackingView:
    order: object
    steps: list
    summary: str
    end_state: str
    end_state_label: str
    end_state_text: str
    end_state_note: str
    at_pickup_point: bool
    pickup_point: str
    problem: bool
    problem_note: str
    expected: object
    expected_text: str
    expected_source: str
    carrier_date: object
    carrier_date_text: str
    shipments: list
    #: "1 of 2 parcels delivered" for an order of several parcels, else ""
    parcels_summary: str
    #: "Free storage until Tue, 9 Dec" while waiting at the pickup point, where the carrier gives it
    storage_text: str
    poll: bool
    open_return: object = None
    can_confirm: bool = False
    #: the parcel's news in plain words, newest first (``presenters.news``)
    news: list = None
    #: the big line: "Arrives tomorrow", "Waiting for you at … until 9 December" (or None)
    arrival: object = None
    #: the places passed and the destination, for the route strip and the map (or None)
    route: object = None

    @property
    def latest(self):
        return self.news[0] if self.news else None


def _reached_index(order):
    """The last of the five steps an order reached before it was returned or cancelled."""
    for event in reversed(order.history):
        if event.status == order.status and event.previous_status in statuses.CHAIN:
            return statuses.CHAIN.index(event.previous_status)
    return 0


def _steps(order):
    current = statuses.step_index(order.status)
    reached = current if current is not None else _reached_index(order)
    end = current is None
    texts = {"done": _("completed"), "current": _("current step"), "upcoming": _("not yet"),
             "not_reached": _("not reached")}
    steps = []
    for index, code in enumerate(statuses.CHAIN):
        if end:
            state = "done" if index <= reached else "not_reached"
        elif index < reached:
            state = "done"
        elif index == reached:
            state = "current"
        else:
            state = "upcoming"
        steps.append(Step(code, str(statuses.label(code)), state, texts[state], index + 1))
    return steps, reached


def _summary(order, reached):
    total = len(statuses.CHAIN)
    if order.status == statuses.CANCELLED:
        return _("The order was cancelled at step %(step)s of %(total)s (%(label)s).", step=reached + 1,
                 total=total, label=statuses.label(statuses.CHAIN[reached]))
    if order.status == statuses.RETURNED:
        return _("The order was returned after step %(step)s of %(total)s (%(label)s).", step=reached + 1,
                 total=total, label=statuses.label(statuses.CHAIN[reached]))
    return _("Step %(step)s of %(total)s: %(label)s", step=reached + 1, total=total, label=order.status_label)


def open_return_requests(order):
    """The customer's return requests, open until staff record the return."""
    return [] if order.status == statuses.RETURNED else order.return_requests


def _shipments(order):
    several = len(order.shipments) > 1
    return [ShipmentView(shipment.carrier, carrier_label(shipment.carrier), shipment.tracking_number,
                         tracking_url(shipment.carrier, shipment.tracking_number) or "",
                         shipment.status or "" if several else "", str(shipment.status_label) if several else "")
            for shipment in order.shipments]


def _storage_text(order, storage_until):
    """"Free storage until …" while the order waits at the pickup point and storage is free, or ""."""
    if not storage_until or not presenters.waiting_at_pickup(order):
        return ""
    if storage_until < presenters.today():
        return ""  # free storage is over (the carrier's "storage is charged" says so)
    return _("Free storage until %(date)s", date=format_day(storage_until))


def parcels_summary(order):
    """"1 of 2 parcels delivered" (and how many came back) for an order of several parcels; else ""."""
    parcels = [s.status for s in order.shipments]
    if len(parcels) < 2:
        return ""
    delivered = parcels.count(statuses.DELIVERED)
    returned = parcels.count(statuses.RETURNED)
    text = ngettext("%(delivered)d of %(num)d parcel delivered", "%(delivered)d of %(num)d parcels delivered",
                    len(parcels), delivered=delivered)
    if returned:
        text += ", " + ngettext("%(num)d returned to the shop", "%(num)d returned to the shop", returned)
    return text


def _carrier_date(order):
    dates = [s.scheduled_delivery_date for s in order.shipments if s.scheduled_delivery_date]
    return max(dates) if dates and not order.is_terminal else None


def _tracking_loaded(order):
    if {"history", "shipments", "return_requests"} & inspect(order).unloaded:
        return False
    return all("events" not in inspect(shipment).unloaded for shipment in order.shipments)


def full_tracking_view(order):
    """``tracking_view`` with everything it reads of ``order`` loaded up front (``access.tracking_options``:
    two queries), unless the query that found the order loaded it already."""
    if not _tracking_loaded(order):
        access.order_with_tracking(order.id)
    return tracking_view(order)


def tracking_view(order):
    steps, reached = _steps(order)
    requests = open_return_requests(order)
    open_return = requests[-1] if requests else None
    end_state = order.status if order.status in statuses.FINAL else ""
    end_note = ""
    if end_state:
        last = next((e for e in reversed(order.history) if e.status == order.status), None)
        # a carrier's reason may be a code we tell in the reader's language (as its problem notes)
        end_note = ((note_text(last.note) if last.source == "carrier" else note_for_reader(last.note, last.reason_code))
                    or "") if last else ""
    expected = expected_delivery(order)
    carrier_date = _carrier_date(order)
    expected_text = format_expected(expected)
    expected_source = ((_("the carrier's date") if expected.source == "carrier" else _("our estimate"))
                       if expected else "")
    # the earliest free-storage deadline of the parcels still waiting
    storage_until = min((s.storage_until for s in order.shipments if s.storage_until and s.active), default=None)
    delivered_at = next((e.created_at for e in reversed(order.history) if e.status == statuses.DELIVERED), None)
    arrival = presenters.arrival(order, expected, pickup_point=presenters.pickup_place(order),
                                 storage_until=storage_until,
                                 expected_text=expected_text, expected_source=expected_source,
                                 delivered_at=delivered_at)
    return TrackingView(
        order=order, steps=steps, summary=_summary(order, reached),
        end_state=end_state, end_state_label=str(statuses.label(end_state)) if end_state else "",
        end_state_text=_end_text(end_state), end_state_note=end_note,
        at_pickup_point=presenters.waiting_at_pickup(order),
        pickup_point=order.delivery_pickup_point or "",
        problem=presenters.delayed(order), problem_note=note_text(order.problem_note),
        expected=expected, expected_text=expected_text, expected_source=expected_source,
        carrier_date=carrier_date, carrier_date_text=format_day(carrier_date) if carrier_date else "",
        shipments=_shipments(order), parcels_summary=parcels_summary(order), storage_text=_storage_text(order, storage_until),
        # a customer's own "received" may still be undone by staff: the page keeps following it
        poll=not order.is_terminal or lifecycle.customer_receipt(order) is not None,
        open_return=open_return, can_confirm=order.status in CONFIRMABLE,
        news=presenters.news(order, open_return), arrival=arrival, route=presenters.route(order))


def _end_text(end_state):
    if end_state == statuses.CANCELLED:
        return _("This order was cancelled. If you paid for it, the shop will refund the money.")
    if end_state == statuses.RETURNED:
        return _("The shop has recorded the return of this order.")
    return ""


@dataclass
class OrderSummary:
    order: object
    step: int
    total_steps: int
    items_text: str
    expected_text: str
    flag: str


def order_summaries(orders):
    rows = []
    for order in orders:
        index = statuses.step_index(order.status)
        names = [item.name for item in order.items]
        text = names[0] if names else ""
        if len(names) > 1:
            text = _("%(first)s and %(count)s more", first=names[0], count=len(names) - 1)
        flag = ""
        if presenters.delayed(order):
            flag = "problem"
        elif presenters.waiting_at_pickup(order):
            flag = "pickup"
        rows.append(OrderSummary(order, (index or 0) + 1, len(statuses.CHAIN), text,
                                 format_expected(expected_delivery(order)), flag))
    active = [r for r in rows if not r.order.is_terminal]
    finished = [r for r in rows if r.order.is_terminal]
    return active, finished


# ---- customer actions -----------------------------------------------------------------------

def confirm_receipt(order, user, confirmed=True):
    """The customer says the parcel is in their hands: the order becomes delivered.

    ``confirmed`` is the form's explicit second step (a tick), so one stray tap changes nothing."""
    if not confirmed:
        raise ActionRefused(_("Tick “I have the parcel in my hands” to confirm that you have received the order."))
    if order.status not in CONFIRMABLE:
        raise ActionRefused(_("This order cannot be confirmed as received now (it is “%(status)s”).",
                              status=order.status_label))
    try:
        return lifecycle.change_status(order, statuses.DELIVERED, source="customer", actor_user=user,
                                       actor=user.email)
    except lifecycle.LifecycleError as error:
        raise ActionRefused(str(error))

