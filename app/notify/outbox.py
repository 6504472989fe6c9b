"""Writing notifications into the outbox, in the transaction of the change that causes them.

``on_status_changed`` is connected to ``lifecycle.status_changed``. It never raises: a problem
with notifications must not block the status change itself (it is logged instead).
"""
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, insert, update

from app import settings
from app.clock import utcnow
from app.extensions import db
from app.notify import channels, preferences, rules, skips
from app.notify.defaults import NOTICE_KINDS
from app.notify.models import QUEUED, SENT, SKIPPED, Notification, PickupWatch, WebhookEndpoint, max_attempts
from app.orders import statuses
from app.orders.models import CarrierEvent, Order, Shipment

log = logging.getLogger(__name__)

#: Channels counted by the daily cap.
CAPPED_CHANNELS = ("email", "sms", "push") + preferences.MESSENGER_CHANNELS
#: Customer channels in the order they are planned: messengers before SMS (see ``sms_held_back``).
CUSTOMER_CHANNELS = ("email", "push") + preferences.MESSENGER_CHANNELS + ("sms",)


def new_event_id():
    return f"evt_{uuid.uuid4().hex}"


def on_status_changed(_sender=None, *, changes, **_kwargs):
    """Receiver of ``lifecycle.status_changed``: ``changes`` is [(order, StatusEvent), ...]."""
    try:
        enqueue_many([Change(order, "status", event.status, event.previous_status, event.created_at,
                             event.actor if event.source == "import" else None)
                      for order, event in changes])
    except Exception:
        log.exception("could not queue the notifications of %d status changes", len(changes))


@dataclass
class Change:
    """Something a customer (and the shop's webhooks) should hear about."""

    order: Order
    kind: str
    status: str
    previous_status: str = None
    at: datetime = None
    #: The shop platform whose import caused the change (it is not told back its own news)
    platform: str = None
    #: One message only, on the first of these channels that reaches the customer (None: every channel)
    channels: tuple = None


def enqueue(order, *, kind, status, previous_status=None, at=None, now=None, channels=None):
    """Queue what one change of ``order`` causes; returns the number of rows written.

    ``channels``: send once, on the first of these (in this order) that reaches the customer."""
    return enqueue_many([Change(order, kind, status, previous_status, at, channels=channels)], now=now)


def enqueue_many(changes, *, now=None):
    """Queue what ``changes`` cause: in-app, customer channels and webhooks.

    The work is done for the whole set at once (a few queries whatever its size), so a carrier
    sync moving hundreds of orders costs about as much as moving one. Messages about the same
    order merge as they would one by one. Sandbox orders (a sandbox API client's test data) reach
    no channel at all. Returns the number of rows written.
    """
    changes = [change for change in changes if not change.order.is_sandbox]
    if not changes:
        return 0
    now = now or utcnow()
    db.session.flush()  # the orders and customers need ids
    plan = _Plan(changes, now)
    for change in changes:
        event_id = new_event_id()
        customer = change.order.customer
        if customer is not None:
            plan.inapp(change, customer)
            messenger = None  # the messenger that reaches the customer with this change, if any
            for channel in plan.channels_for(change):
                if not plan.wants(channel, change.kind if change.kind in NOTICE_KINDS else change.status):
                    continue
                queued = False
                for recipient, skip_reason in channel.recipients(customer, change.order):
                    if channel.name == "sms" and skip_reason is None and messenger and plan.sms_held_back(customer):
                        skip_reason = skips.MESSENGER_FIRST
                    if plan.customer_message(change, customer, channel, recipient, skip_reason, event_id):
                        queued = True
                        if channel.name in preferences.MESSENGER_CHANNELS:
                            messenger = messenger or channel.name
                        if change.channels is not None:
                            break
                if queued and change.channels is not None:
                    break  # asked once, on one channel
            plan.followers_of(change, customer, event_id)
        plan.webhooks(change, customer, event_id)
        plan.platform(change, event_id)
    return plan.write()


class _Plan:
    """What one ``enqueue_many`` reads once and then writes in one go."""

    def __init__(self, changes, now):
        from app.notify.models import NotificationPreference

        self.now = now
        self.rows, self.updates = [], {}
        order_ids = {c.order.id for c in changes}
        customers = {c.order.customer.id: c.order.customer for c in changes if c.order.customer is not None}
        self.channels = []
        registered = channels.names()
        for name in (n for n in CUSTOMER_CHANNELS if n in registered):
            channel = channels.get(name)
            if channel.configured():
                channel.prefetch(list(customers.values()))
                self.channels.append(channel)
        self._wants = {}
        from app.tracking.follow import active_followers

        self.followers = active_followers(order_ids) if self.channels else {}
        self.window = timedelta(seconds=settings.get_int("NOTIFY_MERGE_SECONDS", 120))
        self.max_attempts = max_attempts()
        self.cap = settings.get_int("NOTIFY_DAILY_CAP", 10)
        self.cap_exempt = rules.cap_exempt()
        self.endpoints = db.session.execute(db.select(WebhookEndpoint).filter_by(enabled=True)).scalars().all()
        from app.api.models import PlatformOrder

        self.platform_links = {link.order_id: link for link in db.session.execute(
            db.select(PlatformOrder).where(PlatformOrder.order_id.in_(order_ids))).scalars()}
        self.preferences = {row.customer_id: row for row in db.session.execute(
            db.select(NotificationPreference).where(NotificationPreference.customer_id.in_(customers))).scalars()}
        # rows a new message merges into: (order id, channel, recipient) → row (a dict to update or insert)
        self.open = {}
        for row in db.session.execute(
                db.select(Notification.id, Notification.order_id, Notification.channel, Notification.recipient,
                          Notification.merged_count).where(
                    Notification.order_id.in_(order_ids), Notification.channel == "inapp",
                    Notification.kind == "status", Notification.read_at.is_(None),
                    Notification.created_at >= now - self.window)):
            self.open[(row.order_id, "inapp", None)] = {"id": row.id, "merged_count": row.merged_count}
        if self.channels:
            for row in db.session.execute(
                    db.select(Notification.id, Notification.order_id, Notification.channel, Notification.recipient,
                              Notification.merged_count).where(
                        Notification.order_id.in_(order_ids),
                        Notification.channel.in_([c.name for c in self.channels]),
                        Notification.kind == "status", Notification.state == QUEUED, Notification.attempts == 0,
                        Notification.next_attempt_at > now)):
                self.open[(row.order_id, row.channel, row.recipient)] = {"id": row.id,
                                                                         "merged_count": row.merged_count}
        self.sent_today = {}
        if self.cap > 0 and self.channels:
            self.sent_today = dict(db.session.execute(
                db.select(Notification.customer_id, func.count(Notification.id)).where(
                    Notification.customer_id.in_(customers), Notification.channel.in_(CAPPED_CHANNELS),
                    Notification.state != SKIPPED, Notification.created_at >= rules.start_of_local_day(now),
                    # exempt messages are never held back, and do not use up the day's allowance
                    Notification.status.not_in(self.cap_exempt) | Notification.kind.in_(
                        [k for k in NOTICE_KINDS if k not in self.cap_exempt]))
                .group_by(Notification.customer_id)).all())

    def channels_for(self, change):
        """The channels to plan for ``change``: all, or those it names in its order."""
        if change.channels is None:
            return self.channels
        configured = {channel.name: channel for channel in self.channels}
        return [configured[name] for name in change.channels if name in configured]

    def wants(self, channel, kind):
        key = (channel.name, kind)
        if key not in self._wants:
            self._wants[key] = channel.wants(kind)
        return self._wants[key]

    def _merge(self, key, status):
        """Fold a new status message into an open one for the same order; True if it did."""
        row = self.open.get(key)
        if row is None:
            return False
        row["status"], row["merged_count"], row["updated_at"] = status, row["merged_count"] + 1, self.now
        if "id" in row:
            self.updates[row["id"]] = row
        return True

    def _new(self, change, **values):
        row = dict(order_id=change.order.id, kind=change.kind, status=change.status, attempts=0, merged_count=0,
                   created_at=self.now, updated_at=self.now, **values)
        self.rows.append(row)
        return row

    def inapp(self, change, customer):
        key = (change.order.id, "inapp", None)
        if change.kind == "status" and self._merge(key, change.status):
            return
        row = self._new(change, event_id=new_event_id(), customer_id=customer.id, channel="inapp", recipient=None,
                        state=SENT, max_attempts=self.max_attempts, next_attempt_at=self.now, sent_at=self.now)
        if change.kind == "status":
            self.open[key] = row

    def customer_message(self, change, customer, channel, recipient, skip_reason, event_id, follower=False):
        recipient = (recipient or "")[:500]
        # a follower agreed for this order on its own: the customer's channel choices are not theirs
        if skip_reason is None and not follower and not preferences.allows(self.preferences.get(customer.id),
                                                                           channel.name):
            skip_reason = skips.CHANNEL_OFF
        key = (change.order.id, channel.name, recipient)
        if skip_reason is None and change.kind == "status":
            if self._merge(key, change.status):
                return True
            next_attempt_at = self.now + self.window
        else:
            next_attempt_at = self.now
        exempt = (change.kind if change.kind in NOTICE_KINDS else change.status) in self.cap_exempt
        if skip_reason is None and not exempt and self.cap > 0 and self.sent_today.get(customer.id, 0) >= self.cap:
            skip_reason = skips.DAILY_CAP
        if skip_reason is not None:
            state = SKIPPED
        else:
            state = QUEUED
            next_attempt_at = channel.earliest(next_attempt_at)
            if channel.name in CAPPED_CHANNELS and not exempt:
                self.sent_today[customer.id] = self.sent_today.get(customer.id, 0) + 1
        row = self._new(change, event_id=event_id, customer_id=customer.id, channel=channel.name,
                        recipient=recipient, state=state, max_attempts=self.max_attempts,
                        next_attempt_at=next_attempt_at,
                        skip_reason=skip_reason)
        if state == QUEUED and change.kind == "status":
            self.open[key] = row
        return state == QUEUED

    def followers_of(self, change, customer, event_id):
        """What the customer gets on e-mail or SMS, also to the people following this one order
        without an account (``app.tracking.follow``); an address the customer has is not sent twice."""
        for follower in self.followers.get(change.order.id, ()):
            channel = next((c for c in self.channels_for(change) if c.name == follower.channel), None)
            if channel is None or not self.wants(channel, change.kind if change.kind in NOTICE_KINDS else change.status):
                continue
            if follower.address in {recipient for recipient, _skip in channel.recipients(customer, change.order)}:
                continue
            self.customer_message(change, customer, channel, follower.address, None, event_id, follower=True)

    def sms_held_back(self, customer):
        """The customer chose "messenger, else SMS"."""
        row = self.preferences.get(customer.id)
        return row is not None and bool(row.sms_only_without_messenger)

    def webhooks(self, change, customer, event_id):
        if not self.endpoints:
            return
        from app.notify.channels.webhook import event_payload

        event_type = {"reminder": "order.pickup_reminder", "pickup": "order.at_pickup_point",
                      "delay": "order.delay_notice", "problem": "order.problem_notice",
                      "return": "order.return_update"}.get(
            change.kind, "order.status_changed")
        payload = event_payload(event_type, event_id, change.order, status=change.status,
                                previous_status=change.previous_status, at=change.at or self.now)
        for endpoint in self.endpoints:
            self._new(change, event_id=event_id, customer_id=getattr(customer, "id", None), endpoint_id=endpoint.id,
                      channel="webhook", previous_status=change.previous_status, recipient=endpoint.url,
                      payload=payload, state=QUEUED, max_attempts=rules.WEBHOOK_MAX_ATTEMPTS,
                      next_attempt_at=self.now)

    def platform(self, change, event_id):
        """The status for the shop platform the order came from, when it listens (``integrations.push``)."""
        link = self.platform_links.get(change.order.id) if change.kind == "status" else None
        if link is None or link.platform == change.platform:
            return
        from app.integrations import push

        if not push.connected(link.platform) or change.status not in push.mapping(link.platform):
            return
        self._new(change, event_id=event_id, channel="platform", previous_status=change.previous_status,
                  recipient=f"{link.platform}:{link.external_id}"[:500], state=QUEUED,
                  payload=push.payload(link.platform, link.external_id, change.order, change.status),
                  max_attempts=self.max_attempts, next_attempt_at=self.now)

    def write(self):
        if self.rows:
            # Core executemany: one statement for all rows (same keys in every row)
            keys = set().union(*self.rows)
            db.session.execute(insert(Notification.__table__), [{key: row.get(key) for key in keys}
                                                                  for row in self.rows])
        if self.updates:
            db.session.execute(update(Notification), [
                {"id": row["id"], "status": row["status"], "merged_count": row["merged_count"],
                 "updated_at": row["updated_at"]} for row in self.updates.values()])
        return len(self.rows)


# ---- the pickup reminder ---------------------------------------------------------------------

def pickup_reminders(now=None):
    """Tell customers their parcel reached the pickup point, and remind them once after N days.

    The flag is set by the carrier sync (``lifecycle.set_flags``), which sends no signal, so this
    job (run before every dispatch) notices it: on first sight it queues an "arrived" message, and
    one reminder before free storage ends: at the start (local midnight) of the day before the
    last free day the carrier gives (``Shipment.storage_until``), or, for a carrier that gives
    none, after PICKUP_REMINDER_DAYS. The waiting starts at the carrier's first "at the pickup
    point" event when there is one, else when this job first saw the flag. Returns the number of
    orders reminded. The caller commits.
    """
    now = now or utcnow()
    days = settings.get_int("PICKUP_REMINDER_DAYS", 3)
    waiting = db.session.execute(db.select(Order).where(
        Order.at_pickup_point.is_(True), Order.status == statuses.IN_TRANSIT)).scalars().all()
    reminded = 0
    deadlines = dict(db.session.execute(
        db.select(Shipment.order_id, func.min(Shipment.storage_until))
        .where(Shipment.order_id.in_([o.id for o in waiting]), Shipment.active.is_(True),
               Shipment.storage_until.is_not(None)).group_by(Shipment.order_id)).all()) if waiting else {}
    for order in waiting:
        watch = db.session.get(PickupWatch, order.id)
        if watch is None:
            first = db.session.execute(
                db.select(func.min(CarrierEvent.occurred_at)).join(Shipment).where(
                    Shipment.order_id == order.id, CarrierEvent.at_pickup_point.is_(True))).scalar_one_or_none()
            watch = PickupWatch(order_id=order.id, since=min(first, now) if first else now)
            db.session.add(watch)
            if reminder_due(watch.since, deadlines.get(order.id), days) > now:  # older arrivals: the reminder
                enqueue(order, kind="pickup", status=order.status, now=now)
        if watch.reminded_at is None and reminder_due(watch.since, deadlines.get(order.id), days) <= now:
            enqueue(order, kind="reminder", status=order.status, now=now)
            watch.reminded_at = now
            reminded += 1
    return reminded


def reminder_due(since, storage_until, days):
    """When a parcel waiting at the pickup point since ``since`` is reminded about (naive UTC)."""
    if storage_until is None:
        return since + timedelta(days=days)
    from app.admin.orderlist import local_day_start

    return local_day_start(storage_until - timedelta(days=1))


# ---- staff actions ---------------------------------------------------------------------------

def staff_messages(kind, recipients, subject, body, *, now):
    """Queue one message to each of ``recipients`` ([(channel, address)]) of the shop's own staff
    (alerts: no order, no customer, no preferences). Returns how many were queued."""
    event_id = new_event_id()
    rows = [dict(event_id=event_id, channel=channel, kind=kind, recipient=address[:500], state=QUEUED,
                 attempts=0, max_attempts=max_attempts(), next_attempt_at=now,
                 subject=subject, body=body, merged_count=0, created_at=now, updated_at=now)
            for channel, address in recipients]
    if rows:
        db.session.execute(insert(Notification.__table__), rows)
    return len(rows)


def account_message(kind, recipient, *, customer_id, payload, now):
    """Queue one e-mail about a person's own account (``kind``: a password reset), to the address
    they typed. No order; its text is written when it is sent (the kind's ``mail_for``), and no
    customer channel setting or daily cap holds back a message the person asked for."""
    event_id = new_event_id()
    db.session.execute(insert(Notification.__table__), [dict(
        event_id=event_id, channel="email", kind=kind, recipient=recipient[:500], customer_id=customer_id,
        payload=payload, state=QUEUED, attempts=0, max_attempts=max_attempts(), next_attempt_at=now,
        merged_count=0, created_at=now, updated_at=now)])
    return event_id


def webhook_ping(endpoint):
    """Queue a test event for one webhook endpoint, tried once."""
    event_id = new_event_id()
    payload = json.dumps({"type": "ping", "id": event_id, "data": {}}, sort_keys=True)
    notification = Notification(event_id=event_id, endpoint_id=endpoint.id, channel="webhook", kind="test",
                                recipient=endpoint.url, payload=payload, max_attempts=1)
    db.session.add(notification)
    return notification


class CannotResend(ValueError):
    pass


class OutdatedMessage(CannotResend):
    """The message tells the customer a status their order has left since: sent again, it would
    tell them old news as new. Staff may still send it, once they have seen that."""


def outdated_warning(notification):
    """What staff read before sending ``notification`` again when it tells its customer about a
    status the order has left since, else None (webhooks are left out: their receivers order
    events by ``occurred_at``)."""
    order = notification.order
    if (notification.kind != "status" or notification.channel == "webhook" or order is None
            or notification.status is None or order.status == notification.status):
        return None
    return _("This message tells the customer “%(told)s”, and the order is now “%(now)s”. "
             "Sent again, it would bring them old news.",
             told=statuses.label(notification.status), now=statuses.label(order.status))


def resend(notification, *, now=None, outdated_ok=False):
    """Put a failed (or sent/skipped) message back in the queue; webhooks keep their event id.
    A message about a status the order has left needs ``outdated_ok`` (``OutdatedMessage``)."""
    if notification.channel == "inapp":
        raise CannotResend(_("In-app notifications are not sent again."))
    if notification.state == QUEUED or notification.state == "sending":
        raise CannotResend(_("This message is already waiting to be sent."))
    if notification.channel == "webhook" and (notification.endpoint is None or not notification.endpoint.enabled):
        raise CannotResend(_("Enable the webhook endpoint first."))
    warning = None if outdated_ok else outdated_warning(notification)
    if warning:
        raise OutdatedMessage(warning)
    notification.state = QUEUED
    notification.next_attempt_at = now or utcnow()
    notification.max_attempts = notification.attempts + (
        rules.WEBHOOK_MAX_ATTEMPTS if notification.channel == "webhook" else max_attempts())
    notification.skip_reason = None
    notification.claim_token = None
    notification.locked_until = None
    return notification
