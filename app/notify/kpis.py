"""Message KPIs: what happened to a message after it was sent, and how often customers look.

* **delivered**: the SMS gateway's delivery report (SMSAPI.pl calls back the ``notify_url`` sent with
  each message, with ``MsgId`` and ``status``/``status_name``, several reports comma-separated in
  one call; TurboSMS gives no callback, so ``poll_turbosms`` asks ``message/status.json`` for the
  recent messages without a report). Messenger receipts come from the bots' own delivery events
  where the API gives them (Viber's ``delivered`` callback); Web Push and e-mail give none.
* **opened**: e-mails carry a 1×1 image whose signed URL records the first open (``EMAIL_OPEN_PIXEL``).
  A click proves an open too, for mail clients that block images.
* **clicked**: the tracking link in a message is a signed redirect (``/m/c/<token>``) that records the
  first click and then sends the customer to the order's signed tracking page. The target is worked
  out at click time from the message's order, so the redirect can never point elsewhere.
* **tracking-page views**: one counter per order and day (``TrackingView``), no address or agent kept.

``MESSAGE_TRACKING`` off turns every one of these off (links are then the plain tracking links).
Rows go with the retention run: messages with the notification log, views after ``RETENTION_MONTHS``.
"""
import logging
import threading
from collections import Counter
from datetime import timedelta
from itertools import zip_longest

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import text, update

from app import settings
from app.clock import local_today, utcnow
from app.database import writing
from app.extensions import db
from app.notify.models import Notification

SALT = "posylka-message-kpi"
#: The 1×1 transparent GIF of the open pixel
PIXEL = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")
#: SMSAPI.pl report codes (``status``) and names (``status_name``) that mean "on the phone"
SMSAPI_DELIVERED = {"404", "DELIVERED"}
TURBOSMS_DELIVERED = {"delivered", "доставлено"}


def tracking_on():
    """MESSAGE_TRACKING: the one switch for every KPI this module records."""
    return settings.get_bool("MESSAGE_TRACKING", True)


def pixel_on():
    return tracking_on() and settings.get_bool("EMAIL_OPEN_PIXEL", True)


def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(*parts):
    return _serializer().dumps(list(parts))


def read_token(token):
    """The parts of a signed token, or None."""
    try:
        parts = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    return parts if isinstance(parts, list) else None


def click_url(notification_id, target="t", *, link_nonce=None):
    """The signed redirect that counts a click: ``target`` "t" (tracking page) or "f" (the question),
    with the order's ``link_nonce`` when the message was made, so that revoking the order's links
    reaches this one."""
    return url_for("kpis.click", token=make_token(notification_id, target, link_nonce), _external=True)


def open_pixel_url(notification_id):
    return url_for("kpis.pixel", token=make_token(notification_id, "o"), _external=True)


def report_url(provider):
    """The delivery-report callback URL given to an SMS gateway (its token names the provider)."""
    return url_for("kpis.report", provider=provider, token=make_token(provider, "r"), _external=True)


def _first(column, now, *where):
    """Set ``column`` once (the first time) on the messages ``where`` names, in a short write transaction of
    its own; how many were newly set."""
    db.session.commit()  # end this request's read snapshot first (SQLite)
    with writing():
        done = db.session.execute(update(Notification).where(getattr(Notification, column).is_(None), *where)
                                  .values({column: now}).execution_options(synchronize_session=False)).rowcount or 0
        db.session.commit()
    return done


def opened(token):
    """Count the first open of the message an open-pixel ``token`` names (when the pixel is on)."""
    parts = read_token(token)
    if parts and len(parts) == 2 and parts[1] == "o" and isinstance(parts[0], int) and pixel_on():
        _first("opened_at", utcnow(), Notification.id == parts[0])


def click_target(token):
    """Where a signed click ``token`` leads (the order's tracking page or its question after
    delivery), the first click counted; None for a token or a message that is not one, and for a
    link the message's own signed link would no longer open (``access.order_for_message_click``:
    revoked, expired after TRACKING_LINK_DAYS or for the question FEEDBACK_LINK_DAYS, erased; a
    click token from before the nonce was in it counts as revoked).

    Commits (a write of its own for the first click)."""
    from app.feedback import services as feedback
    from app.orders import access
    from app.orders.links import tracking_url

    parts = read_token(token) or []
    if len(parts) != 3 or not isinstance(parts[0], int) or parts[1] not in ("t", "f"):
        return None
    message = db.session.get(Notification, parts[0])
    if message is None:
        return None
    lifetime = feedback.link_lifetime() if parts[1] == "f" else None
    order = access.order_for_message_click(message.order, parts[2], message.created_at, lifetime=lifetime)
    if order is None:
        return None
    target = feedback.feedback_link(order.id) if parts[1] == "f" else tracking_url(order)
    db.session.commit()
    if tracking_on():  # the first click, and for an e-mail an open if the pixel was never loaded
        now = utcnow()
        _first("clicked_at", now, Notification.id == message.id)
        _first("opened_at", now, Notification.id == message.id, Notification.channel == "email")
    return target or None


def record_delivered(channel, provider_ids, now=None):
    """Mark the messages the provider reports delivered; returns how many were newly marked."""
    ids = [str(i) for i in provider_ids if i]
    if not ids or not tracking_on():
        return 0
    return _first("delivered_at", now or utcnow(), Notification.channel == channel, Notification.provider_id.in_(ids))


def smsapi_report(values):
    """Provider ids delivered in an SMSAPI.pl callback (``MsgId`` and ``status`` lists, comma-separated)."""
    ids, codes, names = ((values.get(key) or "").split(",") for key in ("MsgId", "status", "status_name"))
    return [msg_id.strip() for msg_id, code, name in zip_longest(ids, codes, names, fillvalue="")
            if msg_id and (code.strip() in SMSAPI_DELIVERED or name.strip().upper() in SMSAPI_DELIVERED)]


def poll_turbosms(now=None, days=3):
    """Ask TurboSMS about its messages of the last ``days`` without a report; returns how many were delivered."""
    from app.notify.channels.sms import TurboSMS

    if not tracking_on() or (settings.get("SMS_PROVIDER", "") or "") != "turbosms":
        return 0
    now = now or utcnow()
    waiting = db.session.execute(db.select(Notification.provider_id).where(
        Notification.channel == "sms", Notification.state == "sent", Notification.delivered_at.is_(None),
        Notification.provider_id.is_not(None), Notification.sent_at >= now - timedelta(days=days))
        .limit(500)).scalars().all()
    if not waiting:
        return 0
    base = settings.get("TURBOSMS_API_URL", "https://api.turbosms.ua").rstrip("/")
    _status, data = TurboSMS().post(f"{base}/message/status.json", settings.get("TURBOSMS_TOKEN", ""),
                                    settings.get_int("SMS_TIMEOUT_SECONDS", 15), json={"messages": waiting})
    delivered = [row.get("message_id") for row in data.get("response_result") or []
                 if str(row.get("status", "")).strip().lower() in TURBOSMS_DELIVERED]
    return record_delivered("sms", delivered, now)


def report_job(_app):
    """The scheduler's job: ask TurboSMS for the delivery reports it does not call back with."""
    try:
        poll_turbosms()
    except Exception:  # a gateway that is away: the next run asks again
        logging.getLogger(__name__).warning("TurboSMS delivery reports could not be read", exc_info=True)
        db.session.rollback()


#: At most this many order-days wait unwritten in one process (its scheduler off, the database away
#: for long): past it a view of an order not yet waiting is not counted
VIEWS_PENDING_MAX = 100_000
_views_lock = threading.Lock()


def record_view(order_id, today=None):
    """Count one view of an order's tracking page, in this process's memory only.

    A page load never waits for the database's write lock: on SQLite a carrier sync holds it while
    it commits each batch, and page loads waiting for it took every serving thread (bench/README.md,
    "Sale day, session 6"). The scheduler's ``tracking-views`` job writes the counts in every
    serving process (``flush_views``), and so does its shutdown; a killed process loses at most
    that job's interval of views."""
    if not tracking_on() or order_id is None:
        return
    key = (order_id, today or local_today())  # the shop's day, as the analytics' periods are
    with _views_lock:
        pending = current_app.extensions.setdefault("posylka_views", Counter())
        if key in pending or len(pending) < VIEWS_PENDING_MAX:
            pending[key] += 1


def flush_views(app):
    """Write the views counted since the last flush, in one transaction (a view of an order deleted
    meanwhile is dropped). If the write fails, the counts are kept for the next flush."""
    with _views_lock:
        pending = app.extensions.pop("posylka_views", None)
    if not pending:
        return
    try:
        db.session.execute(text(
            "INSERT INTO tracking_views (order_id, day, views) SELECT id, :day, :views FROM orders WHERE id = :order_id "
            "ON CONFLICT (order_id, day) DO UPDATE SET views = tracking_views.views + excluded.views"),
            [{"order_id": order_id, "day": day, "views": views} for (order_id, day), views in pending.items()])
        db.session.commit()
    except Exception:
        db.session.rollback()
        logging.getLogger(__name__).warning("%d tracking-page view counts wait for the next flush", len(pending),
                                            exc_info=True)
        with _views_lock:
            app.extensions.setdefault("posylka_views", Counter()).update(pending)


def _register_retention():
    from flask_babel import lazy_gettext as _l

    from app.privacy.registry import RetentionRule, count, months_before, register_rule
    from app.tracking.models import TrackingView

    def old(now):
        return TrackingView.day < months_before(now, settings.get_int("RETENTION_MONTHS")).date()

    def prune(now):
        done = db.session.execute(db.delete(TrackingView).where(old(now))
                                  .execution_options(synchronize_session=False)).rowcount or 0
        db.session.commit()
        return done

    register_rule(RetentionRule(
        "tracking_views", _l("Daily counts of tracking-page views are deleted"),
        preview=lambda now: count(db.select(TrackingView).where(old(now))),
        apply=prune))


_register_retention()
