"""Follow one order without an account: e-mail or SMS updates for that order only, asked for on its
signed-link page (the look-up leads there), with the consent recorded and a one-click unsubscribe.

The outbox (``app.notify.outbox``) sends a follower what it would send the order's customer on
that channel; the follower's own link ends the follow, and nothing else.
"""
import secrets

from flask import current_app
from flask_babel import gettext as _

from app.audit import record
from app.clock import utcnow
from app.errors import Refused
from app.extensions import db
from app.tracking.models import OrderFollower

CHANNELS = ("email", "sms")


class FollowRefused(Refused):
    """A request to follow an order that cannot be recorded."""


def consent_statement():
    """The words shown next to the consent box (stored with the consent, in the reader's language)."""
    return _("I agree to get messages about this order's delivery until it arrives. Each message has a link "
             "to stop them.")


def offered_channels():
    """The channels a follower may choose: e-mail always (without a mail server it lands in the dev
    mailbox), SMS only when an SMS gateway is set up and some status is sent by SMS."""
    from app.notify import channels

    sms = channels.get("sms")
    return CHANNELS if sms.configured() and sms.setting("NOTIFY_SMS_STATUSES") else ("email",)


def _channel_of(chosen, raw, order):
    """The channel the address itself names: the one field takes "e-mail address or phone number",
    and a phone typed while "E-mail" is still ticked (the default) is meant for SMS."""
    from app.notify.channels.sms import normalise_phone

    raw = (raw or "").strip()
    if chosen == "email" and "@" not in raw and normalise_phone(raw, order.delivery_country or "UA"):
        return "sms"
    return "email" if chosen == "sms" and "@" in raw else chosen


def _address(channel, raw, order):
    raw = (raw or "").strip()
    if channel == "email":
        from app.notify.channels.email import valid_address

        if not valid_address(raw):
            raise FollowRefused(_("Enter an e-mail address such as name@example.com."))
        return raw.lower()
    from app.notify.channels.sms import normalise_phone

    phone = normalise_phone(raw, order.delivery_country or "UA")
    if phone is None:
        raise FollowRefused(_("Enter a phone number such as +380 67 123 45 67."))
    return phone


def _own_phone(customer, order):
    from app.notify.channels.sms import normalise_phone

    return normalise_phone(customer.phone or "", order.delivery_country or "UA") if customer and customer.phone else None


def follow(order, channel, raw_address, *, consent, language):
    """Start (or restart) updates for ``order`` to one address; the caller commits."""
    if order.is_terminal:  # a page opened before the order finished (the offer is gone since)
        raise FollowRefused(_("This order is finished: there will be no more news about it."))
    if channel not in CHANNELS:
        raise FollowRefused(_("Choose e-mail or SMS."))
    channel = _channel_of(channel, raw_address, order)
    if channel not in offered_channels():
        raise FollowRefused(_("This shop sends the news by e-mail only: enter an e-mail address."))
    if not consent:
        raise FollowRefused(_("Tick the box to agree to the updates: we send nothing without it."))
    address = _address(channel, raw_address, order)
    customer = order.customer
    own = (customer.email or "").strip().lower() if channel == "email" else _own_phone(customer, order)
    if customer is not None and address == own:
        raise FollowRefused(_("This address already gets the news about this order."))
    row = db.session.execute(db.select(OrderFollower).filter_by(order_id=order.id, channel=channel,
                                                                address=address)).scalar_one_or_none()
    if row is None or row.unsubscribed_at is not None:
        # whoever holds the link may add addresses: a few, not an SMS bill (nor the customer's daily cap)
        most = current_app.config["ORDER_FOLLOWERS_MAX"]
        if len(active_followers([order.id]).get(order.id, [])) >= most:
            raise FollowRefused(_("This order's news already goes to the most addresses it may (%(count)d).",
                                  count=most))
    if row is None:
        row = OrderFollower(order=order, channel=channel, address=address, token=secrets.token_urlsafe(32))
        db.session.add(row)
    row.language, row.consent_at, row.unsubscribed_at = language, utcnow(), None
    row.consent_text = consent_statement()[:500]
    record("order.follow", "order", order.id, after={"channel": channel})
    return row


def follower_for_token(token):
    if not token or len(token) > 64:
        return None
    return db.session.execute(db.select(OrderFollower).filter_by(token=token)).scalar_one_or_none()


def unfollow(row):
    if row.unsubscribed_at is None:
        row.unsubscribed_at = utcnow()
        record("order.unfollow", "order", row.order_id, after={"channel": row.channel})


def stop_all(order):
    """End every active follow of ``order`` (its links were revoked); how many ended."""
    rows = active_followers([order.id]).get(order.id, [])
    for row in rows:
        unfollow(row)
    return len(rows)


def active_followers(order_ids):
    """{order id: [OrderFollower]} of the orders' active followers (one query)."""
    found = {}
    if not order_ids:
        return found
    for row in db.session.execute(db.select(OrderFollower).where(
            OrderFollower.order_id.in_(order_ids), OrderFollower.unsubscribed_at.is_(None))).scalars():
        found.setdefault(row.order_id, []).append(row)
    return found


def follower_of(order_id, channel, address):
    """The follow a queued message goes to (active or ended), or None when it goes to the customer."""
    return db.session.execute(db.select(OrderFollower).filter_by(
        order_id=order_id, channel=channel, address=address)).scalars().first()
