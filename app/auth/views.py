from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app import settings
from app.auth import known_devices, sessions
from app.auth.forms import LoginForm
from app.auth.services import authenticate, normalize_email
from app.extensions import db, limiter
from app.i18n import LANG_COOKIE, remember_language, supported

bp = Blueprint("auth", __name__)


def safe_next(target):
    """Only same-site relative paths are followed after log-in."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def home_for(user):
    return url_for("admin.orders") if user.is_staff else url_for("orders.my_orders")


def _login_failed(response):
    """Only failed log-ins count towards the throttles (a success redirects)."""
    return response.status_code != 302


def _login_account_key():
    return "login-account:" + normalize_email(request.form.get("email"))[:254]


def _from_a_known_device():
    return known_devices.knows(request, request.form.get("email"))


# Soft throttling: per address and per account, in windows that reset by themselves. The
# per-account limit does not apply in a browser where this account logged in before (a signed
# "known device" cookie): failures from anywhere else cannot lock the owner out.
@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], deduct_when=_login_failed)
@limiter.limit(lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"], methods=["POST"],
               key_func=_login_account_key, deduct_when=_login_failed, exempt_when=_from_a_known_device)
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            db.session.rollback()
            flash(_("Wrong e-mail or password."), "error")
        else:
            db.session.commit()
            login_user(user, remember=form.remember.data)
            # a new CSRF token for the logged-in session: one planted before log-in is worth nothing
            session.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
            g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
            response = redirect(safe_next(request.args.get("next")) or home_for(user))
            known_devices.remember(request, response, user.email)
            # the pages after log-in speak the language the log-in page was read in (the browser's,
            # or one picked there), not the profile's default: no switch half-way
            shown_in = supported(request.form.get("lang", ""))
            if shown_in and LANG_COOKIE not in request.cookies:
                remember_language(response, shown_in)
            return response
    demo = settings.get("demo_loaded") == "1"
    return render_template("auth/login.html", form=form, demo=demo)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("web.home"))


@bp.route("/account/devices")
@login_required
def devices():
    return render_template("auth/devices.html", devices=sessions.devices(current_user),
                           current_hash=sessions.token_hash())


@bp.route("/account/devices/<int:session_id>/logout", methods=["POST"])
@login_required
def logout_device(session_id):
    """End one log-in (its "keep me logged in" cookie with it), here or on another device."""
    if not sessions.end_device(current_user, session_id):
        abort(404)
    db.session.commit()
    if sessions.current_row() is None:  # this very device
        logout_user()
        return redirect(url_for("auth.login"))
    flash(_("That device is logged out."), "info")
    return redirect(url_for("auth.devices"))


@bp.route("/logout/everywhere", methods=["POST"])
@login_required
def logout_everywhere():
    """End every session of this user, on every device (remember-me cookies included)."""
    sessions.end_all(current_user)
    db.session.commit()
    logout_user()
    flash(_("You have logged out on all devices."), "info")
    return redirect(url_for("web.home"))
