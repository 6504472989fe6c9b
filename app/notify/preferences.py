"""Customers' channel choices with the time of consent, and unsubscribing without a log-in."""
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from app.clock import utcnow
from app.extensions import db
from app.notify.models import NotificationPreference
from app.orders.models import Customer

#: Channels a customer can turn on and off (in-app is always on: it is their own account).
CUSTOMER_CHANNELS = ("email", "sms", "push", "telegram", "viber")
#: Chat channels: a customer is reached there once a deep link bound a chat (``messengers``).
MESSENGER_CHANNELS = ("telegram", "viber")
_SALT = "posylka-unsubscribe"


def for_customer(customer_id):
    """The customer's preferences row, or an unsaved one with the defaults."""
    row = db.session.get(NotificationPreference, customer_id)
    if row is None:
        row = NotificationPreference(customer_id=customer_id, email_enabled=True, sms_enabled=True,
                                     push_enabled=True, telegram_enabled=True, viber_enabled=True,
                                     sms_only_without_messenger=False)
    return row


def allows(row, channel):
    """Whether a customer's preferences ``row`` (None: the defaults) lets a message reach them on ``channel``."""
    return row is None or channel not in CUSTOMER_CHANNELS or bool(getattr(row, f"{channel}_enabled"))


def _stored_row(customer_id):
    """The customer's preferences row, added to the session with the defaults when there is none."""
    row = for_customer(customer_id)
    db.session.add(row)  # a stored row is in the session already: nothing changes
    return row


def set_channel(customer_id, channel, on, *, now=None):
    """Turn one channel on or off; turning it on records the time of consent."""
    if channel not in CUSTOMER_CHANNELS:
        raise ValueError(channel)
    row = _stored_row(customer_id)
    was_on = bool(getattr(row, f"{channel}_enabled"))
    setattr(row, f"{channel}_enabled", bool(on))
    if on and (not was_on or getattr(row, f"{channel}_consent_at") is None):
        setattr(row, f"{channel}_consent_at", now or utcnow())
    if not on:
        setattr(row, f"{channel}_consent_at", None)
    return row


def set_sms_only_without_messenger(customer_id, on):
    """"Messenger, else SMS": no SMS while a Telegram or Viber chat reaches the customer."""
    row = _stored_row(customer_id)
    row.sms_only_without_messenger = bool(on)
    return row


def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def unsubscribe_token(customer_id, channel="email"):
    return _serializer().dumps([customer_id, channel])


def customer_for_token(token):
    """(customer, channel) for a valid unsubscribe token, else (None, None)."""
    try:
        customer_id, channel = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None, None
    if channel not in CUSTOMER_CHANNELS or not isinstance(customer_id, int):
        return None, None
    customer = db.session.get(Customer, customer_id)
    return (customer, channel) if customer is not None else (None, None)
