"""The customer's notification centre: the in-app messages, the header badge's unread count,
marking them read, the channel choices and the browser's push subscription. The caller commits."""
from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, update

from app.clock import utcnow
from app.errors import Refused
from app.extensions import db
from app.notify import preferences
from app.notify import templates as tpl
from app.notify.defaults import NOTICE_KINDS
from app.notify.models import Notification
from app.orders import statuses

PAGE_SIZE = 50

_notifications = Notification.__table__
#: The badge's poll, built once with a bind parameter (building it cost more than running it)
_UNREAD = db.select(func.count(_notifications.c.id)).where(
    _notifications.c.customer_id == db.bindparam("customer_id"), _notifications.c.channel == "inapp",
    _notifications.c.read_at.is_(None))


def unread(customer_id):
    return db.session.execute(_UNREAD, {"customer_id": customer_id}).scalar_one()


def read_all(customer, language):
    """The customer's latest in-app messages rendered in ``language``, newest first; every one is
    marked read (the page shows which were unread)."""
    rows = db.session.execute(
        db.select(Notification).where(Notification.customer_id == customer.id, Notification.channel == "inapp")
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(PAGE_SIZE)).scalars().all()
    entries = []
    for row in rows:
        if row.order is None:
            continue
        link = url_for("orders.detail", number=row.order.number)
        with force_locale(language):
            context = tpl.order_context(row.order, language, link)
            if row.status:
                context["status"] = str(statuses.label(row.status))
            kind = row.kind if row.kind in NOTICE_KINDS else row.status
            message = tpl.render(kind, "inapp", language, context)
        entries.append({"id": row.id, "title": message.subject, "body": message.body, "link": link,
                        # when it was sent (not when it was last touched: reading it updates the row)
                        "sent_at": row.sent_at or row.created_at, "unread": row.read_at is None})
    db.session.execute(update(Notification).where(
        Notification.customer_id == customer.id, Notification.channel == "inapp", Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False))
    return entries


def save_choices(customer, channels, *, sms_only_without_messenger=None, language):
    """The customer's choices: ``channels`` {channel: on}; the "messenger, else SMS" rule when the
    page offered it (not None); the language of their messages."""
    for channel, on in channels.items():
        preferences.set_channel(customer.id, channel, on)
    if sms_only_without_messenger is not None:
        preferences.set_sms_only_without_messenger(customer.id, sms_only_without_messenger)
    customer.language = language


class SubscriptionInvalid(Refused):
    """A browser push subscription that cannot be used."""


def subscribe_push(customer, data):
    """Store the browser's push subscription (its JSON ``data``) and turn push on. Raises SubscriptionInvalid."""
    from app.notify.channels.push import EndpointTaken, subscribe

    endpoint = str(data.get("endpoint") or "")
    keys = data.get("keys") or {}
    p256dh, auth = str(keys.get("p256dh") or ""), str(keys.get("auth") or "")
    secure = endpoint.startswith("https://") or (current_app.config.get("TESTING") and endpoint.startswith("http://"))
    if not secure or not p256dh or not auth or len(endpoint) > 1000 or len(p256dh) > 200 or len(auth) > 100:
        raise SubscriptionInvalid(_("This browser subscription is not valid."))
    try:
        subscribe(customer, endpoint, p256dh, auth)
    except EndpointTaken:  # someone else's browser: the same answer as any unusable subscription
        raise SubscriptionInvalid(_("This browser subscription is not valid.")) from None
    preferences.set_channel(customer.id, "push", True)
