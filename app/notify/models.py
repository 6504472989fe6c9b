"""The notification outbox and what hangs off it.

``Notification`` rows are written in the same transaction as the status change that causes them
(see ``outbox``); the dispatcher claims due rows, sends them and records every attempt.
"""
from app import settings
from app.clock import utcnow
from app.extensions import db

#: Delivery states of an outbox row.
QUEUED, SENDING, SENT, FAILED, SKIPPED = "queued", "sending", "sent", "failed", "skipped"
STATES = (QUEUED, SENDING, SENT, FAILED, SKIPPED)


def max_attempts():
    """How often a customer's or staff message is tried (the NOTIFY_MAX_ATTEMPTS setting)."""
    return settings.get_int("NOTIFY_MAX_ATTEMPTS")


class Notification(db.Model):
    """One message to one recipient over one channel (or one event to one webhook endpoint)."""

    __tablename__ = "notifications"
    __table_args__ = (
        db.Index("ix_notifications_state_due", "state", "next_attempt_at"),
        db.Index("ix_notifications_customer_channel", "customer_id", "channel", "created_at"),
        # SMS delivery reports name the provider's message id
        db.Index("ix_notifications_provider_id", "provider_id"),
        # the message KPIs of a period, per channel
        db.Index("ix_notifications_channel_created", "channel", "created_at"),
    )
    id = db.Column(db.Integer, primary_key=True)
    #: Stable across retries and replays; the webhook ``webhook-id``.
    event_id = db.Column(db.String(40), nullable=False, index=True)
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    customer_id = db.Column(db.Integer, db.ForeignKey("customers.id", ondelete="CASCADE"))
    endpoint_id = db.Column(db.Integer, db.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True)
    channel = db.Column(db.String(16), nullable=False)
    #: "status" (a status change), "reminder" (parcel waiting at the pickup point) or "test"
    kind = db.Column(db.String(16), nullable=False, default="status")
    #: The order status the message tells about (the latest one after merging)
    status = db.Column(db.String(20))
    previous_status = db.Column(db.String(20))
    recipient = db.Column(db.String(500), info={"personal": True})
    state = db.Column(db.String(10), nullable=False, default=QUEUED)
    attempts = db.Column(db.Integer, nullable=False, default=0)
    max_attempts = db.Column(db.Integer, nullable=False, default=max_attempts)
    next_attempt_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    #: While ``sending``: the claim's lease; an expired lease puts the row back in the queue.
    locked_until = db.Column(db.DateTime)
    claim_token = db.Column(db.String(32), index=True)
    last_error = db.Column(db.Text, info={"personal": True})
    skip_reason = db.Column(db.String(255), info={"personal": True})
    #: What was sent (subject/title and body), kept for the log
    subject = db.Column(db.String(255), info={"personal": True})
    body = db.Column(db.Text, info={"personal": True})
    #: Extra data as JSON (the webhook payload, the in-app link)
    payload = db.Column(db.Text, info={"personal": True})
    provider_id = db.Column(db.String(120))
    merged_count = db.Column(db.Integer, nullable=False, default=0)
    read_at = db.Column(db.DateTime)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    sent_at = db.Column(db.DateTime)
    #: The A/B variant of the template it was written from ("a" or "b"; None: no test ran)
    variant = db.Column(db.String(1))
    #: The provider reported it delivered (an SMS delivery report, a messenger receipt)
    delivered_at = db.Column(db.DateTime)
    #: First opened (the e-mail's open pixel) and first click on its tracking link (``app.notify.kpis``)
    opened_at = db.Column(db.DateTime)
    clicked_at = db.Column(db.DateTime)

    order = db.relationship("Order")
    customer = db.relationship("Customer")
    endpoint = db.relationship("WebhookEndpoint")
    attempt_log = db.relationship("DeliveryAttempt", back_populates="notification", cascade="all, delete-orphan",
                                  order_by="DeliveryAttempt.id", passive_deletes=True)


class DeliveryAttempt(db.Model):
    """One try at sending a notification, successful or not."""

    __tablename__ = "notification_attempts"
    id = db.Column(db.Integer, primary_key=True)
    notification_id = db.Column(db.Integer, db.ForeignKey("notifications.id", ondelete="CASCADE"), nullable=False,
                                index=True)
    started_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    duration_ms = db.Column(db.Integer)
    outcome = db.Column(db.String(10), nullable=False)
    response_code = db.Column(db.Integer)
    error = db.Column(db.Text, info={"personal": True})

    notification = db.relationship("Notification", back_populates="attempt_log")


class NotificationPreference(db.Model):
    """A customer's channels (on/off with the time of consent). No row means the defaults."""

    __tablename__ = "notification_preferences"
    customer_id = db.Column(db.Integer, db.ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    email_enabled = db.Column(db.Boolean, nullable=False, default=True)
    email_consent_at = db.Column(db.DateTime)
    sms_enabled = db.Column(db.Boolean, nullable=False, default=True)
    sms_consent_at = db.Column(db.DateTime)
    push_enabled = db.Column(db.Boolean, nullable=False, default=True)
    push_consent_at = db.Column(db.DateTime)
    telegram_enabled = db.Column(db.Boolean, nullable=False, default=True)
    telegram_consent_at = db.Column(db.DateTime)
    viber_enabled = db.Column(db.Boolean, nullable=False, default=True)
    viber_consent_at = db.Column(db.DateTime)
    #: "Messenger, else SMS": no SMS while a messenger chat reaches the customer
    sms_only_without_messenger = db.Column(db.Boolean, nullable=False, default=False)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)


class PushSubscription(db.Model):
    """A browser's Web Push subscription (endpoint and keys) for a customer."""

    __tablename__ = "push_subscriptions"
    id = db.Column(db.Integer, primary_key=True)
    customer_id = db.Column(db.Integer, db.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False, index=True)
    endpoint = db.Column(db.String(1000), nullable=False, unique=True, info={"personal": True})
    p256dh = db.Column(db.String(200), nullable=False, info={"personal": True})
    auth = db.Column(db.String(100), nullable=False, info={"personal": True})
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class MessengerLink(db.Model):
    """A Telegram or Viber chat bound to a customer by a deep link, with the time of consent."""

    __tablename__ = "messenger_links"
    __table_args__ = (db.UniqueConstraint("channel", "chat_id", name="uq_messenger_links_chat"),)
    id = db.Column(db.Integer, primary_key=True)
    customer_id = db.Column(db.Integer, db.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False, index=True)
    #: Set for a chat connected from an order's signed link: it gets that order's news only
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    channel = db.Column(db.String(16), nullable=False)
    #: Telegram's chat id or Viber's user id
    chat_id = db.Column(db.String(100), nullable=False, info={"personal": True})
    consent_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    #: Set by /stop, an unsubscribe or a bot the customer blocked; the chat then gets nothing.
    stopped_at = db.Column(db.DateTime)
    stop_reason = db.Column(db.String(255))


class MessengerInvite(db.Model):
    """A one-time deep-link token (stored hashed) that binds the chat which sends it to a customer."""

    __tablename__ = "messenger_invites"
    token_hash = db.Column(db.String(64), primary_key=True)
    #: None for an admin's invite that makes the chat receive the shop's alerts
    customer_id = db.Column(db.Integer, db.ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    #: Set for an invite made from an order's signed link (the chat gets that order only)
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    channel = db.Column(db.String(16), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    expires_at = db.Column(db.DateTime, nullable=False)
    used_at = db.Column(db.DateTime)


class MessengerUpdate(db.Model):
    """An update already handled (Telegram's update_id, Viber's message token): replays change nothing."""

    __tablename__ = "messenger_updates"
    __table_args__ = (db.UniqueConstraint("channel", "update_id", name="uq_messenger_updates_update"),)
    id = db.Column(db.Integer, primary_key=True)
    channel = db.Column(db.String(16), nullable=False)
    update_id = db.Column(db.String(64), nullable=False)
    received_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class ShopAlert(db.Model):
    """One thing that can go wrong for the shop (a carrier, the dispatcher, a platform), and whether
    the admins were told: one message when it starts failing, one when it recovers."""

    __tablename__ = "shop_alerts"
    key = db.Column(db.String(100), primary_key=True)
    failing = db.Column(db.Boolean, nullable=False, default=False)
    since = db.Column(db.DateTime, nullable=False, default=utcnow)
    detail = db.Column(db.String(500))
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)


class WebhookEndpoint(db.Model):
    """A URL of the shop's own systems that receives signed order events."""

    __tablename__ = "webhook_endpoints"
    id = db.Column(db.Integer, primary_key=True)
    url = db.Column(db.String(500), nullable=False)
    description = db.Column(db.String(200))
    #: ``whsec_...``, stored encrypted (``app.settings.encrypt``)
    secret_encrypted = db.Column(db.Text, nullable=False)
    enabled = db.Column(db.Boolean, nullable=False, default=True)
    #: An admin's explicit permission to deliver to private or loopback addresses
    allow_private = db.Column(db.Boolean, nullable=False, default=False)
    disabled_reason = db.Column(db.String(255))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class NotificationTemplate(db.Model):
    """An admin's override of a shipped default template (status × channel × language)."""

    __tablename__ = "notification_templates"
    __table_args__ = (db.UniqueConstraint("status", "channel", "language", name="uq_notification_templates_key"),)
    id = db.Column(db.Integer, primary_key=True)
    status = db.Column(db.String(20), nullable=False)
    channel = db.Column(db.String(16), nullable=False)
    language = db.Column(db.String(5), nullable=False)
    subject = db.Column(db.String(255))
    body = db.Column(db.Text, nullable=False)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)


class MessageVariant(db.Model):
    """The second text (variant "b") of a kind × channel × language template, for an A/B test."""

    __tablename__ = "message_variants"
    __table_args__ = (db.UniqueConstraint("kind", "channel", "language", name="uq_message_variants_key"),)
    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(20), nullable=False)
    channel = db.Column(db.String(16), nullable=False)
    language = db.Column(db.String(5), nullable=False)
    subject = db.Column(db.String(255))
    body = db.Column(db.Text, nullable=False)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)


class MessageSplit(db.Model):
    """A running A/B test of a kind × channel template: the percentage of messages given variant "b"."""

    __tablename__ = "message_splits"
    kind = db.Column(db.String(20), primary_key=True)
    channel = db.Column(db.String(16), primary_key=True)
    share_b = db.Column(db.Integer, nullable=False)
    started_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class DevMail(db.Model):
    """Mail "sent" while no SMTP server is configured, for admins to read in the app."""

    __tablename__ = "dev_mailbox"
    id = db.Column(db.Integer, primary_key=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    recipient = db.Column(db.String(254), nullable=False, info={"personal": True})
    subject = db.Column(db.String(255), info={"personal": True})
    text_body = db.Column(db.Text, info={"personal": True})
    html_body = db.Column(db.Text, info={"personal": True})
    headers = db.Column(db.Text)


class PickupWatch(db.Model):
    """When an order was first seen waiting at the pickup point, and whether it was reminded."""

    __tablename__ = "pickup_watch"
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True)
    since = db.Column(db.DateTime, nullable=False)
    reminded_at = db.Column(db.DateTime)
