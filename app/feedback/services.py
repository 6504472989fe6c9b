"""Asking the question after delivery, reading the signed link, keeping the answer."""
from datetime import timedelta

from flask import current_app, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from app import settings
from app.clock import utcnow
from app.extensions import db
from app.feedback.models import CustomerFeedback
from app.orders import statuses
from app.orders.models import Order

SALT = "posylka-feedback"
#: A rating at or below this is a problem for the Attention page.
LOW_SCORE = 2
RATINGS = (1, 2, 3, 4, 5)
#: The channels a question may go out on, in the order tried when the customer's own is unknown.
ASK_CHANNELS = ("email", "telegram", "viber", "push", "sms")


class FeedbackError(ValueError):
    """An answer that cannot be kept; ``str()`` says why (translated)."""


def enabled():
    return settings.get_bool("FEEDBACK_ENABLED", True)


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(feedback):
    return _serializer().dumps(feedback.id)


def feedback_url(feedback):
    return url_for("feedback.answer", token=make_token(feedback), _external=True)


def feedback_link(order_id):
    """The signed link to an order's question ("" when it was never asked)."""
    feedback = for_order(order_id)
    return feedback_url(feedback) if feedback is not None else ""


def link_lifetime():
    """How long a link to the question works after it was made (``FEEDBACK_LINK_DAYS``)."""
    return timedelta(days=settings.get_int("FEEDBACK_LINK_DAYS", 30))


def read_token(token):
    """The question a signed link names, or None (tampered, expired, gone, or its order anonymised)."""
    try:
        feedback_id = _serializer().loads(token, max_age=link_lifetime().total_seconds())
    except (BadSignature, SignatureExpired, ValueError, TypeError):
        return None
    feedback = db.session.get(CustomerFeedback, feedback_id) if isinstance(feedback_id, int) else None
    if feedback is None or feedback.order.anonymised_at is not None:
        return None
    return feedback


def for_order(order_id):
    return db.session.execute(select(CustomerFeedback).where(CustomerFeedback.order_id == order_id)).scalar_one_or_none()


def preferred_channels(order):
    """The channel the customer already reads (their latest message sent about any order) first, then the rest."""
    from app.notify.models import SENT, Notification

    latest = db.session.execute(
        select(Notification.channel).where(Notification.customer_id == order.customer_id,
                                           Notification.channel.in_(ASK_CHANNELS), Notification.state == SENT)
        .order_by(Notification.sent_at.desc(), Notification.id.desc()).limit(1)).scalar_one_or_none()
    return ((latest,) if latest else ()) + tuple(c for c in ASK_CHANNELS if c != latest)


def due(now):
    """Delivered orders to ask about now: delivered at least FEEDBACK_DELAY_HOURS ago (and not
    longer than FEEDBACK_ASK_DAYS), never asked."""
    delay = timedelta(hours=settings.get_int("FEEDBACK_DELAY_HOURS", 24))
    window = timedelta(days=settings.get_int("FEEDBACK_ASK_DAYS", 7))
    asked = select(CustomerFeedback.id).where(CustomerFeedback.order_id == Order.id)
    return db.session.execute(select(Order).where(
        Order.status == statuses.DELIVERED, Order.status_changed_at <= now - delay,
        Order.status_changed_at > now - delay - window, ~Order.is_sandbox, ~asked.exists())
        .order_by(Order.id).limit(500)).scalars().all()


def ask(order, now=None):
    """Ask one order's customer, once, on one channel (through the outbox). The caller commits."""
    from app.notify.models import Notification
    from app.notify.outbox import enqueue

    now = now or utcnow()
    feedback = CustomerFeedback(order_id=order.id, asked_at=now)
    db.session.add(feedback)
    db.session.flush()
    order_channels = preferred_channels(order)
    enqueue(order, kind="feedback", status=order.status, now=now, channels=order_channels)
    feedback.channel = db.session.execute(
        select(Notification.channel).where(Notification.order_id == order.id, Notification.kind == "feedback",
                                           Notification.channel != "inapp", Notification.state != "skipped")
        .limit(1)).scalar_one_or_none()
    return feedback


def ask_due(now=None):
    """The scheduled job's work: ask every order that is due. Returns how many were asked."""
    if not enabled():
        return 0
    now = now or utcnow()
    orders = due(now)
    for order in orders:
        ask(order, now)
    return len(orders)


def answer(feedback, rating, comment, now=None):
    """Keep the customer's answer (once); a low score opens an Attention problem. The caller commits."""
    if feedback.answered_at is not None:
        raise FeedbackError(_("Thank you, your answer is already saved."))
    if rating not in RATINGS:
        raise FeedbackError(_("Choose a rating from 1 to 5."))
    now = now or utcnow()
    feedback.rating, feedback.comment, feedback.answered_at = rating, (comment or "").strip()[:2000] or None, now
    if rating <= LOW_SCORE:
        from app.attention.models import DeliveryException

        open_row = db.session.execute(select(DeliveryException.id).where(
            DeliveryException.order_id == feedback.order_id, DeliveryException.rule == "low_score",
            DeliveryException.cleared_at.is_(None))).first()
        if open_row is None:
            db.session.add(DeliveryException(order_id=feedback.order_id, rule="low_score", found_at=now))
    return feedback


def scheduled_job(_app):
    ask_due()
    db.session.commit()
