from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app import settings
from app.auth import known_devices, password_check_limit, password_reset, services, sessions
from app.auth.forms import ForgotPasswordForm, LoginForm, NewPasswordForm, PasswordChangeForm
from app.auth.services import AuthError, WrongPassword, authenticate, normalize_email
from app.extensions import db, limiter
from app.i18n import LANG_COOKIE, remember_language, select_locale, supported

bp = Blueprint("auth", __name__)


def safe_next(target):
    """Only same-site relative paths are followed after log-in. A backslash is refused anywhere:
    browsers read "/\\evil.example" as "//evil.example", another site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
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
def devices(password_form=None):
    return render_template("auth/devices.html", devices=sessions.devices(current_user),
                           current_hash=sessions.token_hash(), password_form=password_form or PasswordChangeForm())


@bp.route("/account/password", methods=["POST"])
@login_required
@password_check_limit
def change_password():
    """A new password, with the current one; every device (this one too) is logged out."""
    form = PasswordChangeForm()
    code = 422
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.new.data)
        except WrongPassword as error:
            form.current.errors.append(str(error))
            code = 400  # counted against PASSWORD_CHECK_RATE_LIMIT
        except AuthError as error:
            form.new.errors.append(str(error))
    if form.errors:
        flash(_("Check the highlighted fields."), "error")  # the form is at the foot of the page
        return devices(form), code
    db.session.commit()
    logout_user()
    flash(_("Your password is changed and every device is logged out. Log in with the new password."), "success")
    return redirect(url_for("auth.login"))


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


# ---- a forgotten password -------------------------------------------------------------------

def _reset_account_key():
    return "password-reset-account:" + normalize_email(request.form.get("email"))[:254]


# Every request counts, per address and per e-mail typed, whether or not an account has it.
@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_RATE_LIMIT"], methods=["POST"])
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_EMAIL_RATE_LIMIT"], methods=["POST"],
               key_func=_reset_account_key)
def forgot_password():
    """Ask for a link that sets a new password; the same answer whether or not the account exists."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        password_reset.request_link(form.email.data, language=select_locale())
        db.session.commit()
        return render_template("auth/forgot_sent.html", minutes=current_app.config["PASSWORD_RESET_MINUTES"])
    return render_template("auth/forgot.html", form=form), 422 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    """The e-mailed link: a new password, twice; then every device of the account is logged out."""
    try:
        user = password_reset.user_for(token)
    except password_reset.InvalidResetLink:
        return render_template("auth/reset_invalid.html"), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            password_reset.set_new_password(user, form.new.data)
        except AuthError as error:
            form.new.errors.append(str(error))
    if not form.is_submitted() or form.errors:
        db.session.rollback()
        return render_template("auth/reset.html", form=form), 422 if form.errors else 200
    db.session.commit()
    logout_user()  # whoever was logged in in this browser: the account's sessions have just ended
    flash(_("Your new password is set and every device is logged out. Log in with the new password."), "success")
    return redirect(url_for("auth.login"))


@bp.after_request
def _protect_reset_links(response):
    """The reset link is a key: no referrer carries it away, no robot indexes it, no cache keeps it."""
    if request.endpoint == "auth.reset_password":
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
        response.headers["Cache-Control"] = "no-store"
    return response
