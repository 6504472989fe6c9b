"""Alerts for the shop: admins are told once when something keeps failing, and once when it recovers.

A scheduler job (``check``) looks at what each domain exposes — a carrier's circuit breaker and its
run of failed calls, the dispatcher's recent attempts — and compares it with ``ShopAlert`` rows.
A change of state queues one message per admin through the outbox (e-mail to every active admin,
and the Telegram chat an admin connected for alerts), so the messages are retried and logged like
any other. Domains add their own checks with ``register``.
"""
import logging
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func

from app import settings
from app.extensions import db
from app.i18n import default_language
from app.notify import channels, messengers
from app.notify.models import DeliveryAttempt, Notification, ShopAlert
from app.notify.templates import shop_name
from app.orders.models import utcnow

log = logging.getLogger(__name__)

#: kind of the outbox rows (their text is written when queued, not from a template)
KIND = "alert"


@dataclass
class Condition:
    key: str
    label: str
    failing: bool
    detail: str = ""


_checks = []


def register(check):
    """``check(now)`` returns [Condition, ...]; registered once per process at import."""
    if check not in _checks:
        _checks.append(check)
    return check


@register
def carriers(now):
    """A carrier whose breaker is open, or whose calls failed ALERT_CARRIER_FAILURES times in a row."""
    from app.carriers import carrier_label, problems
    from app.carriers.models import CarrierState

    threshold = settings.get_int("ALERT_CARRIER_FAILURES", 5)
    found = []
    for state in db.session.execute(db.select(CarrierState).order_by(CarrierState.carrier)).scalars():
        failing = state.breaker_state in ("open", "half_open") or (state.consecutive_failures or 0) >= threshold
        with force_locale(default_language()):  # the admins' language, as the alert's own text
            label = carrier_label(state.carrier) or state.carrier
            error = problems.describe(state.last_error)
        found.append(Condition(f"carrier:{state.carrier}", label, failing, error[:500]))
    return found


@register
def dispatcher(now):
    """The dispatcher keeps failing: ALERT_DISPATCH_FAILURES failed attempts and none sent in 15 minutes."""
    since = now - timedelta(minutes=settings.get_int("ALERT_WINDOW_MINUTES", 15))
    counts = dict(db.session.execute(db.select(DeliveryAttempt.outcome, func.count(DeliveryAttempt.id)).join(
        Notification).where(DeliveryAttempt.started_at >= since, Notification.kind != KIND)
        .group_by(DeliveryAttempt.outcome)).all())
    failed, sent = counts.get("failed", 0), counts.get("sent", 0)
    failing = failed >= settings.get_int("ALERT_DISPATCH_FAILURES", 20) and sent == 0
    with force_locale(default_language()):
        label = _("Sending notifications")
    return [Condition("dispatcher", label, failing, f"{failed} failed attempts, {sent} sent" if failing else "")]


@register
def platforms(now):
    """A connected shop platform (Magento, PrestaShop) whose last order pull failed."""
    from app.integrations.pull import connection_alerts

    return connection_alerts(now)


def _recipients():
    """[(channel, address)]: every active admin's e-mail, and the Telegram chat connected for alerts."""
    from app.auth.models import User

    found = [("email", email) for email in db.session.execute(
        db.select(User.email).where(User.role == "admin", User.active.is_(True)).order_by(User.id)).scalars()]
    for channel in messengers.CHANNELS:
        chat = settings.get(messengers.alerts_chat_setting(channel), "")
        if chat and channels.get(channel).configured():
            found.append((channel, chat))
    return found


def _message(condition, recovered):
    shop = shop_name()
    with force_locale(default_language()):
        if recovered:
            subject = _("%(shop)s: %(what)s works again", shop=shop, what=condition.label)
            body = _("%(what)s works again. No further action is needed.", what=condition.label)
        else:
            subject = _("%(shop)s: %(what)s is failing", shop=shop, what=condition.label)
            body = _("%(what)s keeps failing. Customers may not see fresh statuses or get messages until it "
                     "recovers; you will get one more message then.", what=condition.label)
            if condition.detail:
                body += "\n\n" + _("Last error: %(error)s", error=condition.detail)
    return subject[:255], body


def check(now=None):
    """Compare every condition with what the admins were last told; queue the news. The caller commits."""
    from app.notify import outbox

    now = now or utcnow()
    conditions = [c for collect in _checks for c in collect(now)]
    known = {row.key: row for row in db.session.execute(db.select(ShopAlert)).scalars()}
    queued = 0
    for condition in conditions:
        row = known.get(condition.key)
        if row is None:
            row = ShopAlert(key=condition.key, failing=False, since=now)
            db.session.add(row)
        if condition.failing != row.failing:
            subject, body = _message(condition, recovered=not condition.failing)
            queued += outbox.staff_messages(KIND, _recipients(), subject, body, now=now)
            log.warning("alert: %s %s", condition.key, "failing" if condition.failing else "recovered")
            row.failing, row.since = condition.failing, now
        row.detail = condition.detail[:500] or None
    return queued


def job(app):
    """The scheduler job: check, and commit what it queued."""
    check()
    db.session.commit()
