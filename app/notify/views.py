"""Customer pages: the notification centre, preferences, unsubscribe by link, web-push opt-in."""
import os

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, send_from_directory, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, update

from app import settings
from app.auth import customer_required
from app.clock import utcnow
from app.etags import conditional
from app.extensions import csrf, db
from app.htmx import is_partial_request
from app.notify import preferences
from app.notify import templates as tpl
from app.notify.defaults import NOTICE_KINDS
from app.notify.forms import PreferencesForm
from app.notify.messenger_views import options as messenger_options
from app.notify.models import Notification

bp = Blueprint("notify", __name__, url_prefix="/notifications")
#: The service worker must be served from the root to control the whole site.
sw_bp = Blueprint("notify_sw", __name__)

PAGE_SIZE = 50


def _customer():
    customer = getattr(current_user, "customer", None)
    if customer is None:
        abort(404)
    return customer


def unread_count_for_current_user():
    if not current_user.is_authenticated or getattr(current_user, "customer", None) is None:
        return 0
    return _unread(current_user.customer.id)


_notifications = Notification.__table__
#: The badge's poll, built once with a bind parameter (building it cost more than running it)
_UNREAD = db.select(func.count(_notifications.c.id)).where(
    _notifications.c.customer_id == db.bindparam("customer_id"), _notifications.c.channel == "inapp",
    _notifications.c.read_at.is_(None))


def _unread(customer_id):
    return db.session.execute(_UNREAD, {"customer_id": customer_id}).scalar_one()


def _entries(customer, language):
    rows = db.session.execute(
        db.select(Notification).where(Notification.customer_id == customer.id, Notification.channel == "inapp")
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(PAGE_SIZE)).scalars().all()
    entries = []
    for row in rows:
        if row.order is None:
            continue
        link = url_for("orders.detail", number=row.order.number) if "orders.detail" in current_app.view_functions \
            else url_for("orders.my_orders")
        with force_locale(language):
            context = tpl.order_context(row.order, language, link)
            if row.status:
                from app.orders import statuses

                context["status"] = str(statuses.label(row.status))
            kind = row.kind if row.kind in NOTICE_KINDS else row.status
            message = tpl.render(kind, "inapp", language, context)
        entries.append({"id": row.id, "title": message.subject, "body": message.body, "link": link,
                        # when it was sent (not when it was last touched: reading it updates the row)
                        "sent_at": row.sent_at or row.created_at, "unread": row.read_at is None})
    return entries


@bp.route("")
@customer_required
def centre():
    customer = _customer()
    from app.i18n import select_locale

    entries = _entries(customer, select_locale())
    db.session.execute(update(Notification).where(
        Notification.customer_id == customer.id, Notification.channel == "inapp", Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False))
    db.session.commit()
    return render_template("notify/centre.html", entries=entries)


@bp.route("/unread")
@customer_required
def unread():
    """The header badge, polled by htmx (``304`` while the count is unchanged); a plain request goes
    to the centre."""
    if not is_partial_request():
        return redirect(url_for("notify.centre"))
    count = _unread(_customer().id)
    return conditional(f"unread-{count}-{get_locale()}-p{settings.get('POLL_SECONDS')}",
                       lambda: render_template("notify/_badge.html", notify_unread=count))


@bp.route("/settings", methods=["GET", "POST"])
@customer_required
def settings_page():
    customer = _customer()
    prefs = preferences.for_customer(customer.id)
    form = PreferencesForm()
    shown = tuple(name for name, _label in messenger_options())  # messengers whose bot is set up
    if not form.is_submitted():
        for channel in preferences.CUSTOMER_CHANNELS:
            getattr(form, channel).data = getattr(prefs, f"{channel}_enabled")
        form.sms_only_without_messenger.data = prefs.sms_only_without_messenger
        form.language.data = customer.language
    if form.validate_on_submit():
        for channel in ("email", "sms", "push") + shown:
            preferences.set_channel(customer.id, channel, getattr(form, channel).data)
        if shown:
            preferences.set_sms_only_without_messenger(customer.id, form.sms_only_without_messenger.data)
        customer.language = form.language.data
        db.session.commit()
        flash(_("Your notification settings are saved."), "success")
        return redirect(url_for("notify.settings_page"))
    return render_template("notify/settings.html", form=form, prefs=prefs, messenger_channels=shown)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the credential; mail clients POST here for one-click unsubscribe
def unsubscribe(token):
    customer, channel = preferences.customer_for_token(token)
    if customer is None:
        return render_template("notify/unsubscribe.html", invalid=True), 404
    if request.method == "POST":
        preferences.set_channel(customer.id, channel, False)
        db.session.commit()
        return render_template("notify/unsubscribe.html", done=True, channel=channel)
    return render_template("notify/unsubscribe.html", token=token, channel=channel)


@bp.route("/push/key")
@customer_required
def push_key():
    from app.notify.channels.push import vapid_public_key

    key = vapid_public_key()
    db.session.commit()
    return jsonify({"publicKey": key})


@bp.route("/push/subscribe", methods=["POST"])
@customer_required
def push_subscribe():
    from app.notify.channels.push import subscribe

    data = request.get_json(silent=True) or {}
    endpoint = str(data.get("endpoint") or "")
    keys = data.get("keys") or {}
    p256dh, auth = str(keys.get("p256dh") or ""), str(keys.get("auth") or "")
    secure = endpoint.startswith("https://") or (current_app.config.get("TESTING") and endpoint.startswith("http://"))
    if not secure or not p256dh or not auth or len(endpoint) > 1000 or len(p256dh) > 200 or len(auth) > 100:
        return jsonify({"error": _("This browser subscription is not valid.")}), 400
    customer = _customer()
    subscribe(customer, endpoint, p256dh, auth)
    preferences.set_channel(customer.id, "push", True)
    db.session.commit()
    return jsonify({"ok": True, "message": _("Browser notifications are on.")}), 201


@sw_bp.route("/notify-sw.js")
def service_worker():
    response = send_from_directory(os.path.join(current_app.static_folder, "js"), "notify-sw.js",
                                   mimetype="text/javascript", max_age=0)
    response.headers["Service-Worker-Allowed"] = "/"
    return response

