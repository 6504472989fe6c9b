"""Writing notifications into the outbox, in the transaction of the change that causes them.

``on_status_changed`` is connected to ``lifecycle.status_changed``. It never raises: a problem
with notifications must not block the status change itself (it is logged instead).
"""
import logging
import uuid
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, update

from app.extensions import db
from app.notify import channels, preferences, rules
from app.notify.defaults import PICKUP_KINDS
from app.notify.models import QUEUED, SENT, SKIPPED, Notification, PickupWatch, WebhookEndpoint
from app.orders import statuses
from app.orders.models import CarrierEvent, Order, Shipment, utcnow

log = logging.getLogger(__name__)

#: Channels counted by the daily cap.
CAPPED_CHANNELS = ("email", "sms", "push")


def new_event_id():
    return f"evt_{uuid.uuid4().hex}"


def on_status_changed(order, event=None, **_kwargs):
    try:
        enqueue(order, kind="status", status=order.status,
                previous_status=getattr(event, "previous_status", None), at=getattr(event, "created_at", None))
    except Exception:
        log.exception("could not queue the notifications of order %s", getattr(order, "number", "?"))


def enqueue(order, *, kind, status, previous_status=None, at=None, now=None):
    """Queue what a change of ``order`` causes: in-app, customer channels and webhooks."""
    now = now or utcnow()
    event_id = new_event_id()
    created = []
    customer = order.customer
    if customer is not None:
        db.session.flush()  # the order and customer need ids
        created.append(_inapp(order, customer, kind, status, now))
        for name in ("email", "sms", "push"):
            channel = channels.get(name)
            if not channel.configured() or not channel.wants(kind if kind in PICKUP_KINDS else status):
                continue
            for recipient, skip_reason in channel.recipients(customer, order):
                created.append(_customer_message(order, customer, channel, recipient, skip_reason, kind, status,
                                                 event_id, now))
    endpoints = db.session.execute(db.select(WebhookEndpoint).filter_by(enabled=True)).scalars().all()
    if endpoints:
        from app.notify.channels.webhook import event_payload

        event_type = {"reminder": "order.pickup_reminder", "pickup": "order.at_pickup_point"}.get(
            kind, "order.status_changed")
        payload = event_payload(event_type, event_id, order, previous_status=previous_status, at=at or now)
        for endpoint in endpoints:
            row = Notification(event_id=event_id, order=order, customer_id=getattr(customer, "id", None),
                               endpoint_id=endpoint.id, channel="webhook", kind=kind, status=status,
                               previous_status=previous_status, recipient=endpoint.url, payload=payload,
                               state=QUEUED, max_attempts=rules.WEBHOOK_MAX_ATTEMPTS, next_attempt_at=now,
                               created_at=now, updated_at=now)
            db.session.add(row)
            created.append(row)
    return [row for row in created if row is not None]


def _inapp(order, customer, kind, status, now):
    window = timedelta(seconds=rules.setting_int("NOTIFY_MERGE_SECONDS", 120))
    if kind == "status":
        merged = db.session.execute(
            update(Notification).where(
                Notification.order_id == order.id, Notification.channel == "inapp", Notification.kind == "status",
                Notification.read_at.is_(None), Notification.created_at >= now - window)
            .values(status=status, merged_count=Notification.merged_count + 1, updated_at=now)
            .execution_options(synchronize_session=False))
        if merged.rowcount:
            return None
    row = Notification(event_id=new_event_id(), order=order, customer_id=customer.id, channel="inapp", kind=kind,
                       status=status, recipient=None, state=SENT, attempts=0, next_attempt_at=now, sent_at=now,
                       created_at=now, updated_at=now)
    db.session.add(row)
    return row


def _customer_message(order, customer, channel, recipient, skip_reason, kind, status, event_id, now):
    row = Notification(event_id=event_id, order=order, customer_id=customer.id, channel=channel.name, kind=kind,
                       status=status, recipient=(recipient or "")[:500], state=QUEUED,
                       max_attempts=rules.setting_int("NOTIFY_MAX_ATTEMPTS", 8), created_at=now, updated_at=now)
    if skip_reason is None and not preferences.enabled(customer.id, channel.name):
        skip_reason = _("The customer turned this channel off.")
    if skip_reason is None and kind == "status":
        window = rules.setting_int("NOTIFY_MERGE_SECONDS", 120)
        merged = db.session.execute(
            update(Notification).where(
                Notification.order_id == order.id, Notification.channel == channel.name,
                Notification.kind == "status", Notification.recipient == row.recipient,
                Notification.state == QUEUED, Notification.attempts == 0, Notification.next_attempt_at > now)
            .values(status=status, merged_count=Notification.merged_count + 1, updated_at=now)
            .execution_options(synchronize_session=False))
        if merged.rowcount:
            return None
        row.next_attempt_at = now + timedelta(seconds=window)
    else:
        row.next_attempt_at = now
    if skip_reason is None:
        cap = rules.setting_int("NOTIFY_DAILY_CAP", 10)
        if cap > 0 and _sent_today(customer.id, now) >= cap:
            skip_reason = _("The daily limit of messages for this customer was reached.")
    if skip_reason is not None:
        row.state, row.skip_reason = SKIPPED, str(skip_reason)[:255]
    elif channel.quiet_hours:
        row.next_attempt_at = rules.after_quiet_hours(row.next_attempt_at)
    db.session.add(row)
    return row


def _sent_today(customer_id, now):
    return db.session.execute(
        db.select(func.count(Notification.id)).where(
            Notification.customer_id == customer_id, Notification.channel.in_(CAPPED_CHANNELS),
            Notification.state != SKIPPED, Notification.created_at >= rules.start_of_local_day(now))).scalar_one()


# ---- the pickup reminder ---------------------------------------------------------------------

def pickup_reminders(now=None):
    """Tell customers their parcel reached the pickup point, and remind them once after N days.

    The flag is set by the carrier sync (``lifecycle.set_flags``), which sends no signal, so this
    job (run before every dispatch) notices it: on first sight it queues an "arrived" message, and
    after PICKUP_REMINDER_DAYS one reminder. The waiting starts at the carrier's first "at the
    pickup point" event when there is one, else when this job first saw the flag. Returns the
    number of orders reminded. The caller commits.
    """
    now = now or utcnow()
    days = rules.setting_int("PICKUP_REMINDER_DAYS", 3)
    waiting = db.session.execute(db.select(Order).where(
        Order.at_pickup_point.is_(True), Order.status == statuses.IN_TRANSIT)).scalars().all()
    reminded = 0
    for order in waiting:
        watch = db.session.get(PickupWatch, order.id)
        if watch is None:
            first = db.session.execute(
                db.select(func.min(CarrierEvent.occurred_at)).join(Shipment).where(
                    Shipment.order_id == order.id, CarrierEvent.at_pickup_point.is_(True))).scalar_one_or_none()
            watch = PickupWatch(order_id=order.id, since=min(first, now) if first else now)
            db.session.add(watch)
            if watch.since + timedelta(days=days) > now:  # older arrivals get the reminder instead
                enqueue(order, kind="pickup", status=order.status, now=now)
        if watch.reminded_at is None and watch.since + timedelta(days=days) <= now:
            enqueue(order, kind="reminder", status=order.status, now=now)
            watch.reminded_at = now
            reminded += 1
    return reminded


# ---- staff actions ---------------------------------------------------------------------------

class CannotResend(ValueError):
    pass


def resend(notification, *, now=None):
    """Put a failed (or sent/skipped) message back in the queue; webhooks keep their event id."""
    if notification.channel == "inapp":
        raise CannotResend(_("In-app notifications are not sent again."))
    if notification.state == QUEUED or notification.state == "sending":
        raise CannotResend(_("This message is already waiting to be sent."))
    if notification.channel == "webhook" and (notification.endpoint is None or not notification.endpoint.enabled):
        raise CannotResend(_("Enable the webhook endpoint first."))
    notification.state = QUEUED
    notification.next_attempt_at = now or utcnow()
    notification.max_attempts = notification.attempts + (
        rules.WEBHOOK_MAX_ATTEMPTS if notification.channel == "webhook" else rules.setting_int("NOTIFY_MAX_ATTEMPTS", 8))
    notification.skip_reason = None
    notification.claim_token = None
    notification.locked_until = None
    return notification
