"""Customer pages: the notification centre, preferences, unsubscribe by link, web-push opt-in."""
import os

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import settings
from app.auth import customer_required
from app.etags import conditional
from app.extensions import csrf, db
from app.htmx import is_partial_request
from app.i18n import select_locale
from app.notify import inbox, messengers, preferences
from app.notify.forms import PreferencesForm

bp = Blueprint("notify", __name__, url_prefix="/notifications")
#: The service worker must be served from the root to control the whole site.
sw_bp = Blueprint("notify_sw", __name__)


def _customer():
    return getattr(current_user, "customer", None) or abort(404)


def unread_count_for_current_user():
    if not current_user.is_authenticated or getattr(current_user, "customer", None) is None:
        return 0
    return inbox.unread(current_user.customer.id)


@bp.route("")
@customer_required
def centre():
    entries = inbox.read_all(_customer(), select_locale())
    db.session.commit()
    return render_template("notify/centre.html", entries=entries)


@bp.route("/unread")
@customer_required
def unread():
    """The header badge, polled by htmx (``304`` while the count is unchanged); a plain request goes
    to the centre."""
    if not is_partial_request():
        return redirect(url_for("notify.centre"))
    count = inbox.unread(_customer().id)
    # the language code itself (select_locale), not Flask-Babel's Locale parsed from it: a 304 needs no Locale
    return conditional(f"unread-{count}-{select_locale()}-p{settings.get('POLL_SECONDS')}",
                       lambda: render_template("notify/_badge.html", notify_unread=count))


@bp.route("/settings", methods=["GET", "POST"])
@customer_required
def settings_page():
    customer = _customer()
    prefs = preferences.for_customer(customer.id)
    form = PreferencesForm()
    shown = tuple(name for name, _label in messengers.options())  # messengers whose bot is set up
    if not form.is_submitted():
        for channel in preferences.CUSTOMER_CHANNELS:
            getattr(form, channel).data = getattr(prefs, f"{channel}_enabled")
        form.sms_only_without_messenger.data = prefs.sms_only_without_messenger
        form.language.data = customer.language
    if form.validate_on_submit():
        inbox.save_choices(customer, {channel: form[channel].data for channel in ("email", "sms", "push") + shown},
                            sms_only_without_messenger=form.sms_only_without_messenger.data if shown else None,
                            language=form.language.data)
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
    try:
        inbox.subscribe_push(_customer(), request.get_json(silent=True) or {})
    except inbox.SubscriptionInvalid as refusal:
        return jsonify({"error": str(refusal)}), 400
    db.session.commit()
    return jsonify({"ok": True, "message": _("Browser notifications are on.")}), 201


@sw_bp.route("/notify-sw.js")
def service_worker():
    response = send_from_directory(os.path.join(current_app.static_folder, "js"), "notify-sw.js",
                                   mimetype="text/javascript", max_age=0)
    response.headers["Service-Worker-Allowed"] = "/"
    return response

