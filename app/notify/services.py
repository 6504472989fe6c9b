"""What the staff's notification pages read and change: the delivery log, the webhook endpoints,
the A/B tests, the gateway settings and the messenger bots.

The caller commits. Templates are ``app.notify.templates``; sending again is ``outbox.resend``.
"""
import json
from email.header import decode_header, make_header
from email.utils import parsedate_to_datetime

from flask_babel import format_datetime, lazy_pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_

from app import settings
from app.audit import record
from app.errors import Refused
from app.extensions import db
from app.notify import templates as tpl
from app.notify import variants
from app.notify.channels.webhook import new_secret
from app.notify.messengers import alerts_chat_setting
from app.notify.models import STATES, DevMail, MessageSplit, Notification, WebhookEndpoint
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


def resend(row, *, outdated_ok=False):
    """Queue a message again; audited. Raises ``outbox.CannotResend`` (``outbox.OutdatedMessage``
    for a message about a status the order has left, unless ``outdated_ok``)."""
    from app.notify import outbox

    outbox.resend(row, outdated_ok=outdated_ok)
    record("notification.resend", "notification", row.id, after={"channel": row.channel, "event_id": row.event_id})


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


#: The headers of a message people read, named in their language; the others (Message-ID, X-Posylka-…,
#: List-Unsubscribe) keep their own names
_HEADER_LABELS = {"Subject": _l("Subject"), "From": lazy_pgettext("mail header", "From"),
                  "To": lazy_pgettext("mail header", "To"), "Reply-To": lazy_pgettext("mail header", "Reply to"),
                  "Date": _l("Date")}


def _readable_value(name, value):
    """A header's value decoded; the date as the mailbox list shows it (the shop's time zone, the reader's
    language), not "Mon, 07 Dec 2026 23:28:53 -0000"."""
    if name == "Date":
        try:
            return format_datetime(parsedate_to_datetime(value), "short")
        except (TypeError, ValueError):
            return value
    return str(make_header(decode_header(value)))


def readable_headers(mail):
    """[(name, value)] of a dev-mailbox message as a person reads them: "Льон і Ко <shop@…>", not the
    RFC 2047 form the message carries ("=?utf-8?b?…?= <shop@…>")."""
    headers = json.loads(mail.headers or "{}")
    return [(str(_HEADER_LABELS.get(name, name)), _readable_value(name, value)) for name, value in headers.items()]


# ---- A/B tests ---------------------------------------------------------------------------------

def ab_tests():
    """The (kind, channel) templates with a running A/B test."""
    return {(row.kind, row.channel) for row in db.session.execute(db.select(MessageSplit)).scalars()}


class VariantsInvalid(Refused):
    """Variant texts that do not compile; ``errors`` lists them per language."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__("; ".join(errors))


def save_ab_test(kind, channel, share_b, texts):
    """Check each language's variant "b" (``texts`` {language: (subject, body)}) and set the test;
    share 0 stops it. Raises VariantsInvalid; audited."""
    errors = []
    for language, (subject, body) in texts.items():
        if body.strip():
            try:
                tpl.validate(subject, body, language)
            except tpl.TemplateInvalid as exc:
                errors.append(f"{language}: {exc}")
    if errors:
        raise VariantsInvalid(errors)
    variants.save(kind, channel, share_b, texts)
    record("notification.ab_test", "notification_template", f"{kind}/{channel}",
           after={"share_b": share_b, "languages": sorted(k for k, v in texts.items() if v[1].strip())})


# ---- gateway settings and messenger bots -------------------------------------------------------

def save_settings(form):
    """Store the notification settings of a validated ``form``; audited."""
    values = settings.form_values(form)
    # "-" keeps "no quiet hours" distinct from "use the default"
    values["NOTIFY_QUIET_HOURS"] = (values["NOTIFY_QUIET_HOURS"] or "").strip() or "-"
    settings.save(values, action="notification.settings", secret=form.SECRET_FIELDS, shown=form.settings_shown.data)


def bots():
    """The messenger bots as the settings page shows them: token set, name, how updates arrive."""
    from app.notify.channels import telegram

    username = settings.get("TELEGRAM_BOT_USERNAME", "")
    found = [{"channel": "telegram", "label": "Telegram", "token_set": bool(settings.get("TELEGRAM_BOT_TOKEN")),
              "username": "@" + username if username else "",
              "mode": _("webhook") if telegram.webhook_active() else _("long polling")},
             {"channel": "viber", "label": "Viber", "token_set": bool(settings.get("VIBER_BOT_TOKEN")),
              "username": settings.get("VIBER_BOT_URI", ""), "mode": _("webhook")}]
    for bot in found:
        bot["alerts_chat"] = bool(settings.get(alerts_chat_setting(bot["channel"]), ""))
    return found


def alerts_invite(channel):
    """A one-time token whose chat will receive the shop's alerts; audited."""
    from app.notify import messengers

    token = messengers.create_invite(None, channel)
    record("alerts.invite", "settings", channel)
    return token


class BotNotConnected(Refused):
    """The messenger refused the bot's token or could not be reached."""


def connect_bot(channel, webhook_url):
    """Check the bot's token and choose how its updates arrive (webhook over HTTPS, else long
    polling). Returns the bot's name; raises BotNotConnected. Audited."""
    from app.notify.channels import telegram, viber

    module, error_class = {"telegram": (telegram, telegram.TelegramError), "viber": (viber, viber.ViberError)}[channel]
    try:
        username = module.connect(settings.get("PUBLIC_URL", "") or "", webhook_url)
    except error_class as error:
        raise BotNotConnected(_("The bot could not be connected: %(error)s", error=str(error))) from error
    record("notification.messenger_connect", "settings", channel, after={"bot": username})
    return username
