"""Telegram and Viber chats: binding a chat to a customer by a one-time deep link, and the commands.

The customer asks for a link (order page, tracking page, e-mail); the link carries a one-time
token (stored hashed, valid ``MESSENGER_INVITE_HOURS``) that the messenger hands back to the bot
when the chat starts (Telegram ``/start <token>``, Viber's ``context``). Binding the chat records
the customer's consent; ``/stop`` (or blocking the bot) ends it. Both channels share everything
here, down to the plain request to a bot API (``bot_api``); each API's own calls and answers live in
``channels/telegram.py`` and ``channels/viber.py``.
"""
import hashlib
import logging
import secrets
from datetime import timedelta

import requests
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError

from app import settings
from app.audit import record
from app.extensions import db
from app.i18n import preferred_language
from app.notify import preferences, skips
from app.notify.channels import Channel
from app.notify.models import SKIPPED, MessengerInvite, MessengerLink, MessengerUpdate, Notification
from app.orders import statuses
from app.orders.models import Customer, Order, utcnow
from app.outbound import admin_request

log = logging.getLogger(__name__)


def bot_api(url, body, *, timeout, error, headers=None):
    """POST ``body`` as JSON to a bot API through the outgoing-request guard: the response and its JSON
    (None when it is not JSON). Unreachable raises ``error(None, "unreachable (…)")``."""
    try:
        response = admin_request("POST", url, json=body, headers=headers, timeout=timeout)
    except requests.RequestException as exc:
        raise error(None, f"unreachable ({exc.__class__.__name__})")
    try:
        return response, response.json()
    except ValueError:
        return response, None

CHANNELS = preferences.MESSENGER_CHANNELS
#: Telegram's deep-link parameter allows 64 characters of [A-Za-z0-9_-]; 32 random ones fit both.
TOKEN_BYTES = 24


class InviteRefused(Exception):
    """A deep-link token that is unknown, used already or expired; ``reason`` is one of those words."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def deep_link(channel, token):
    """The messenger's link that opens the shop's bot with ``token`` (None while the bot has no name)."""
    from app.notify.channels import telegram, viber

    return {"telegram": telegram.deep_link, "viber": viber.deep_link}[channel](token)


def options():
    """[(channel, label)] of the messengers a customer can connect now (the bot is set up)."""
    from app.notify import channels

    return [(name, channels.LABELS[name]) for name in CHANNELS
            if name in channels.names() and channels.get(name).configured() and deep_link(name, "x")]


def _hash(token):
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def create_invite(customer, channel, *, order=None, now=None):
    """A new one-time token for ``customer`` (None: the chat that uses it gets the shop's alerts).

    ``order``: asked for from that order's signed link, which opens that order only: the chat will
    get its news only, not the customer's other orders'. The caller commits.
    """
    if channel not in CHANNELS:
        raise ValueError(channel)
    now = now or utcnow()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    hours = settings.get_int("MESSENGER_INVITE_HOURS", 24)
    db.session.add(MessengerInvite(token_hash=_hash(token), customer_id=getattr(customer, "id", None),
                                   order_id=getattr(order, "id", None), channel=channel, created_at=now,
                                   expires_at=now + timedelta(hours=hours)))
    return token


def alerts_chat_setting(channel):
    """The setting that holds the chat receiving the shop's alerts on ``channel``."""
    return f"ALERTS_{channel.upper()}_CHAT"


def bind(channel, chat_id, token, *, now=None):
    """Bind ``chat_id`` to the customer whose invite ``token`` is (None for an alerts invite); raise InviteRefused.

    The invite is spent in the same transaction; the caller commits once (a refused token is
    recorded in the admin log by ``refuse``, nothing else changes).
    """
    now = now or utcnow()
    chat_id = str(chat_id)[:100]
    invite = db.session.get(MessengerInvite, _hash(token or "")) if token else None
    if invite is None or invite.channel != channel:
        raise InviteRefused("unknown")
    if invite.used_at is not None:
        raise InviteRefused("used")
    if invite.expires_at <= now:
        raise InviteRefused("expired")
    invite.used_at = now
    if invite.customer_id is None:  # an admin's invite: this chat receives the shop's alerts
        settings.put(alerts_chat_setting(channel), chat_id)
        record("alerts.chat_connected", "settings", channel, after={"channel": channel})
        return None
    link = db.session.execute(db.select(MessengerLink).filter_by(channel=channel, chat_id=chat_id)
                              ).scalar_one_or_none()
    if link is None:
        link = MessengerLink(channel=channel, chat_id=chat_id, customer_id=invite.customer_id, consent_at=now)
        db.session.add(link)
    link.customer_id, link.order_id, link.consent_at = invite.customer_id, invite.order_id, now
    link.stopped_at = link.stop_reason = None
    preferences.set_channel(invite.customer_id, channel, True, now=now)
    record("messenger.connected", "customer", invite.customer_id, after={"channel": channel})
    return link


def refuse(channel, reason):
    """Record in the admin log that an update or a token was refused (the caller commits)."""
    log.warning("%s: refused (%s)", channel, reason)
    record("messenger.refused", "messenger", channel, after={"channel": channel, "reason": reason}, actor_label=channel)


def refused_webhook(channel, reason, status, answer):
    """A webhook request refused: recorded (``refuse``) and committed; (HTTP status, JSON answer)."""
    refuse(channel, reason)
    db.session.commit()
    return status, answer


def link_for_chat(channel, chat_id):
    return db.session.execute(db.select(MessengerLink).filter_by(channel=channel, chat_id=str(chat_id)[:100],
                                                                 stopped_at=None)).scalar_one_or_none()


def stop(channel, chat_id, reason, *, now=None):
    """The chat gets nothing more; the customer's consent for the channel ends with its last chat."""
    now = now or utcnow()
    link = link_for_chat(channel, chat_id)
    if link is None:
        return None
    link.stopped_at, link.stop_reason = now, str(reason)[:255]
    others = db.session.execute(db.select(MessengerLink.id).filter_by(
        channel=channel, customer_id=link.customer_id, stopped_at=None).where(MessengerLink.id != link.id)).first()
    if others is None:
        preferences.set_channel(link.customer_id, channel, False, now=now)
    record("messenger.stopped", "customer", link.customer_id, after={"channel": channel, "reason": link.stop_reason})
    return link


def stop_order_chats(order, reason="links revoked", *, now=None):
    """Stop the chats connected from ``order``'s signed link (its links were revoked), and expire the
    connect links asked for there and not used yet (they would connect a chat afterwards); how many chats."""
    now = now or utcnow()
    db.session.execute(update(MessengerInvite).where(
        MessengerInvite.order_id == order.id, MessengerInvite.used_at.is_(None), MessengerInvite.expires_at > now)
        .values(expires_at=now).execution_options(synchronize_session=False))
    chats = db.session.execute(db.select(MessengerLink.channel, MessengerLink.chat_id).filter_by(
        order_id=order.id, stopped_at=None)).all()
    for channel, chat_id in chats:
        stop(channel, chat_id, reason, now=now)
    return len(chats)


def live_chats(channel, customer_ids):
    """{customer id: [(chat id, order id), ...]} of the chats that still receive messages (the order id
    of a chat that gets one order's news only, else None)."""
    chats = {}
    if not customer_ids:
        return chats
    for customer_id, chat_id, order_id in db.session.execute(
            db.select(MessengerLink.customer_id, MessengerLink.chat_id, MessengerLink.order_id).where(
                MessengerLink.channel == channel, MessengerLink.stopped_at.is_(None),
                MessengerLink.customer_id.in_(list(customer_ids))).order_by(MessengerLink.id)):
        chats.setdefault(customer_id, []).append((chat_id, order_id))
    return chats


def first_time(channel, update_id, *, now=None):
    """True the first time an update id is seen; a replay answers False and changes nothing."""
    try:
        with db.session.begin_nested():
            db.session.add(MessengerUpdate(channel=channel, update_id=str(update_id)[:64], received_at=now or utcnow()))
    except IntegrityError:
        return False
    return True


class MessengerChannel(Channel):
    """What Telegram and Viber share: chats bound by deep link, quiet hours, stopping a lost chat."""

    quiet_hours = True
    #: The setting that holds the bot's token (the channel is configured once it is set)
    token_setting = ""

    def configured(self):
        return bool(self.setting(self.token_setting))

    def prefetch(self, customers):
        self._chats = live_chats(self.name, [c.id for c in customers])

    def recipients(self, customer, order):
        chats = self.__dict__.get("_chats")
        if chats is None:
            chats = live_chats(self.name, [customer.id])
        return [(chat_id, None) for chat_id, only in chats.get(customer.id, []) if only in (None, order.id)]

    def recipient_gone(self, job, reason):
        """The chat cannot be reached (blocked, unknown): stop it, and send the SMS held back for this message."""
        from app.database import writing

        with writing():
            stop(self.name, job.recipient, reason)
            db.session.execute(update(Notification).where(
                Notification.event_id == job.event_id, Notification.channel == "sms", Notification.state == SKIPPED,
                Notification.skip_reason == skips.MESSENGER_FIRST)
                .values(state="queued", skip_reason=None, next_attempt_at=utcnow())
                .execution_options(synchronize_session=False))
            db.session.commit()

    @staticmethod
    def button_label(context):
        with force_locale(context.get("language")):
            return _("Track the order")


# ---- what the bot answers ----------------------------------------------------------------------

def parse_command(text):
    """("start", "token") for "/start token"; ("status", None) for "/status@shop_bot"; (None, None) otherwise."""
    text = (text or "").strip()
    if not text.startswith("/"):
        return None, None
    head, _sep, rest = text.partition(" ")
    command = head[1:].split("@", 1)[0].lower()
    return command[:32], (rest.strip()[:64] or None)


def reply_language(customer, hint=None):
    """The customer's language, else the messenger's ``hint`` (whatever the update carried), else the default."""
    return preferred_language(customer.language if customer is not None else None,
                              hint[:2].lower() if isinstance(hint, str) else None)


def open_orders_text(link):
    """/status: the open orders the chat ``link`` gets the news of (one, for a chat connected from a signed link)."""
    select = db.select(Order).where(Order.customer_id == link.customer_id, Order.status.not_in(statuses.TERMINAL))
    if link.order_id is not None:
        select = select.where(Order.id == link.order_id)
    rows = db.session.execute(select.order_by(Order.created_at.desc()).limit(10)).scalars().all()
    if not rows:
        return _("You have no orders on the way.")
    lines = [_("Your orders on the way:")]
    lines += [f"• {order.number} — {statuses.label(order.status)}" for order in rows]
    return "\n".join(lines)


def answer(channel, chat_id, command, argument=None, *, language_hint=None, now=None):
    """The bot's reply to a command from ``chat_id`` (``start``, ``status``, ``stop`` or anything else).

    Changes are made in the caller's transaction; it commits once, then sends the reply.
    """
    link = link_for_chat(channel, chat_id)
    customer = db.session.get(Customer, link.customer_id) if link is not None else None
    if command == "start" and argument:
        try:
            link = bind(channel, chat_id, argument, now=now)
        except InviteRefused as refused:
            refuse(channel, refused.reason)
            with force_locale(reply_language(customer, language_hint)):
                return _("This link has expired or was already used. Open your order page and connect again.")
        customer = db.session.get(Customer, link.customer_id) if link is not None else None
        with force_locale(reply_language(customer, language_hint)):
            if customer is None:
                return _("Done: this chat will receive the shop's alerts (a carrier or a platform failing, "
                         "and its recovery).")
            if link.order_id is not None:
                return _("Done: you will get updates about order %(number)s here. /status shows it, "
                         "/stop turns the messages off.", number=db.session.get(Order, link.order_id).number)
            return _("Done: you will get updates about your orders here. /status shows your orders, "
                     "/stop turns the messages off.")
    with force_locale(reply_language(customer, language_hint)):
        if customer is None:
            return _("To get updates about your orders, open your order page in the shop and connect this "
                     "messenger from there.")
        if command == "stop":
            stop(channel, chat_id, "stop", now=now)
            return _("You will get no more messages here. To turn them on again, connect from your order page.")
        if command == "status":
            return open_orders_text(link)
        return _("/status shows your orders, /stop turns the messages off.")


# ---- retention -------------------------------------------------------------------------------

#: Handled updates are kept this long (a replay older than that is refused by its age or token)
KEEP_DAYS = 7


def _old_updates(now):
    newest = db.select(func.max(MessengerUpdate.id)).group_by(MessengerUpdate.channel)
    return db.select(MessengerUpdate.id).where(MessengerUpdate.received_at < now - timedelta(days=KEEP_DAYS),
                                               MessengerUpdate.id.not_in(newest))  # Telegram's offset stays


def _old_invites(now):
    return db.select(MessengerInvite.token_hash).where(MessengerInvite.expires_at < now - timedelta(days=KEEP_DAYS))


def _prune(now):
    done = db.session.execute(db.delete(MessengerUpdate).where(MessengerUpdate.id.in_(_old_updates(now)))
                              .execution_options(synchronize_session=False)).rowcount or 0
    done += db.session.execute(db.delete(MessengerInvite).where(MessengerInvite.token_hash.in_(_old_invites(now)))
                               .execution_options(synchronize_session=False)).rowcount or 0
    db.session.commit()
    return done


def _register_retention():
    from app.privacy.registry import RetentionRule, count, register_rule

    register_rule(RetentionRule(
        "messengers", _l("Handled Telegram and Viber updates and expired connect links older than a week are deleted"),
        preview=lambda now: count(_old_updates(now)) + count(_old_invites(now)), apply=_prune))


_register_retention()
