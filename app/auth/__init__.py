"""Log-in for customers and staff, roles, and the decorators that guard pages."""
from contextlib import suppress
from functools import wraps
from urllib.parse import urlsplit, urlunsplit

from flask import abort, current_app, flash, g, make_response, redirect, request, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user, login_url
from sqlalchemy.exc import SQLAlchemyError

from app.auth import sessions
from app.auth.models import User
from app.extensions import db, limiter, login_manager
from app.htmx import hx_redirect, is_partial_request


def init_app(app):
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.unauthorized_handler
    def _to_the_login_page():
        """Flask-Login's answer (the message, then the log-in page with ``next``), except that an
        htmx request (a poll, the unread badge) gets ``HX-Redirect``: a plain redirect would be
        followed inside htmx's own request, and the log-in page swapped into the fragment."""
        if request.method == "GET":
            flash(str(login_manager.login_message), login_manager.login_message_category)
        else:  # a form sent after the log-in ended (another tab, idleness): it was not saved
            flash(_("Your log-in had ended, so what you sent was not saved. Log in and send it again."), "info")
        url = login_url(login_manager.login_view, next_url=_page_to_come_back_to())
        if is_partial_request():
            return hx_redirect(make_response("", 401), url)
        return redirect(url)

    @login_manager.user_loader
    def _load_user(identity):
        # "user id:session version", and for a remembered device ":its row's token"
        parts = identity.split(":")
        try:
            user_id, version = int(parts[0]), int(parts[1])
        except (ValueError, IndexError):
            return None
        token = parts[2] if len(parts) == 3 else None
        try:
            if not session.get(sessions.SID_KEY):
                # restoring a log-in from the remember-me cookie: only while its device's row lives
                if sessions.remembered_row(user_id, token) is None:
                    return None
                g.posylka_remembered_token = token
            user = db.session.get(User, user_id)
        except SQLAlchemyError:
            # The database is down: treat the visitor as anonymous so that the 503 page (and
            # its base template, which asks for current_user) still renders.
            g.database_unavailable = True
            with suppress(SQLAlchemyError):
                db.session.rollback()
            return None
        if user is None or user.session_version != version or not user.active:
            return None
        return user

    sessions.init_app(app)


def _page_to_come_back_to():
    """Where log-in leads back to: a page a browser can open. That is this request's own URL for a
    page; a form sent or an htmx request (a POST-only or fragment URL) leads back to the page it came
    from (htmx's ``HX-Current-URL``, else the Referer) when that is on this site, or the page above it
    (``web.page_at_or_above``: a refused form shown again at its own address); else nothing (``next``
    left out: the user's home page)."""
    if request.method == "GET" and not is_partial_request():
        return request.url
    from app.auth.views import safe_next  # the views import this package
    from app.web import page_at_or_above

    came_from = urlsplit(request.headers.get("HX-Current-URL") or request.referrer or "")
    # by host name: a proxy's ``Host $host`` leaves out a port the Referer names
    if came_from.hostname != urlsplit(request.host_url).hostname:
        return None
    target = safe_next(urlunsplit(("", "", came_from.path, came_from.query, "")))
    return page_at_or_above(target) if target else None


def _role_required(allowed):
    """A decorator: anonymous visitors get the log-in page, users ``allowed(user)`` refuses the 403 page."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not allowed(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


staff_required = _role_required(lambda user: user.is_staff)  # staff and admins
admin_required = _role_required(lambda user: user.is_admin)
customer_required = _role_required(lambda user: user.role == "customer")


def _password_check_key():
    return f"password-check:{current_user.get_id()}"


#: Wrong passwords of a logged-in user confirming an action (erasing the account, changing the
#: password), counted per user across both (``PASSWORD_CHECK_RATE_LIMIT``); a 400 is a wrong password.
password_check_limit = limiter.shared_limit(
    lambda: current_app.config["PASSWORD_CHECK_RATE_LIMIT"], scope="password-check", key_func=_password_check_key,
    deduct_when=lambda response: response.status_code == 400)
