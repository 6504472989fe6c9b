"""What the staff's notification pages read and change: the delivery log and the webhook endpoints.

The caller commits. Templates are ``app.notify.templates``; sending again is ``outbox.resend``.
"""
from sqlalchemy import or_

from app import settings
from app.audit import record
from app.extensions import db
from app.notify.channels.webhook import new_secret
from app.notify.models import STATES, DevMail, Notification, WebhookEndpoint
from app.orders.models import Order

LOG_PAGE = 100


def visible_rows(user):
    """The outbox rows ``user`` may see: webhook deliveries (their URLs often carry a secret) are
    for admins only, like the webhooks page itself."""
    query = db.select(Notification)
    if not user.is_admin:
        query = query.where(Notification.channel != "webhook")
    return query


def visible_row(user, notification_id):
    return db.session.execute(visible_rows(user).where(Notification.id == notification_id)).scalar_one_or_none()


def log_page(user, *, channel="", state="", q="", page=1):
    """(rows, has_next) of one page of the delivery log, newest first. ``channel`` and ``state``
    narrow it when they are known ones; ``q`` is an order number, part of a recipient or an event id."""
    from app.notify import channels

    query = visible_rows(user).where(Notification.channel != "inapp")
    if channel in channels.LABELS:
        query = query.where(Notification.channel == channel)
    if state in STATES:
        query = query.where(Notification.state == state)
    if q:
        query = query.outerjoin(Order, Notification.order_id == Order.id).where(
            or_(Order.number == q, Notification.recipient.ilike(f"%{q}%"), Notification.event_id == q))
    rows = db.session.execute(query.order_by(Notification.id.desc()).offset((page - 1) * LOG_PAGE)
                              .limit(LOG_PAGE + 1)).scalars().all()
    return rows[:LOG_PAGE], len(rows) > LOG_PAGE


def order_rows(user, order):
    return db.session.execute(visible_rows(user).where(Notification.order_id == order.id)
                              .order_by(Notification.id.desc())).scalars().all()


# ---- webhook endpoints -------------------------------------------------------------------------

def endpoints():
    return db.session.execute(db.select(WebhookEndpoint).order_by(WebhookEndpoint.id)).scalars().all()


def add_endpoint(url, description, *, allow_private):
    """A new enabled endpoint with a fresh signing secret; audited."""
    endpoint = WebhookEndpoint(url=url.strip(), description=description or None, enabled=True,
                               allow_private=allow_private, secret_encrypted=settings.encrypt(new_secret()))
    db.session.add(endpoint)
    db.session.flush()
    record("webhook.create", "webhook_endpoint", endpoint.id, after={"url": endpoint.url})
    return endpoint


def update_endpoint(endpoint, *, url, description, enabled, allow_private):
    """Change an endpoint; enabling it again clears why it was switched off. Audited."""
    endpoint.url, endpoint.description = url.strip(), description or None
    if enabled and not endpoint.enabled:
        endpoint.disabled_reason = None
    endpoint.enabled, endpoint.allow_private = enabled, allow_private
    record("webhook.update", "webhook_endpoint", endpoint.id,
           after={"url": endpoint.url, "enabled": endpoint.enabled, "allow_private": endpoint.allow_private})


def deliveries(endpoint):
    return db.session.execute(db.select(Notification).filter_by(endpoint_id=endpoint.id)
                              .order_by(Notification.id.desc()).limit(LOG_PAGE)).scalars().all()


def dev_mails():
    return db.session.execute(db.select(DevMail).order_by(DevMail.id.desc()).limit(LOG_PAGE)).scalars().all()
