"""Log-in for customers and staff, roles, and the decorators that guard pages."""
import threading
import time
from collections import OrderedDict
from functools import wraps

from flask import abort, flash, g, make_response, redirect, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import lazy_gettext
from flask_login import current_user, login_url
from itsdangerous import BadSignature
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db, login_manager
from app.htmx import hx_redirect, is_partial_request


class _VerifiedCookies:
    """Session cookies whose signature was checked, with their values and signing time (LRU)."""

    SIZE = 4096
    PLAIN = (str, int, float, bool, type(None))

    def __init__(self):
        self.entries = OrderedDict()
        self.lock = threading.Lock()

    def get(self, cookie, max_age):
        with self.lock:
            found = self.entries.get(cookie)
            if found is not None:
                self.entries.move_to_end(cookie)
        if found is None or not 0 <= time.time() - found[1] <= max_age:
            return None  # unknown, or too old by now: checked again (and refused) the usual way
        return found[0]

    def put(self, cookie, values, signed_at):
        if not all(type(value) in self.PLAIN for value in values.values()):
            return  # a list or dict could be changed in place by one request: never shared
        with self.lock:
            self.entries[cookie] = (dict(values), signed_at)
            while len(self.entries) > self.SIZE:
                self.entries.popitem(last=False)


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, made cheap for a page that polls.

    The serializer is built once per set of keys rather than twice per request (building one runs
    a trial serialisation). And a cookie once verified is remembered with its values: a poll sends
    the same cookie again and again, and the same string signed with the same keys always gives
    the same values, so it is not verified and decoded anew while its age is within the session's
    lifetime. A change of keys starts an empty memory; only cookies whose values are all plain
    (text, numbers) are kept, and each request gets its own copy.
    """

    def _signing(self, app):
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        cached = app.extensions.get("posylka_session_serializer")
        if cached is None or cached[0] != keys:
            serializer = super().get_signing_serializer(app)
            cached = (keys, serializer, _VerifiedCookies() if serializer is not None else None)
            app.extensions["posylka_session_serializer"] = cached
        return cached[1], cached[2]

    def get_signing_serializer(self, app):
        return self._signing(app)[0]

    def open_session(self, app, request):
        serializer, verified = self._signing(app)
        if serializer is None:
            return None
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        values = verified.get(cookie, max_age)
        if values is not None:
            return self.session_class(values)
        try:
            values, signed_at = serializer.loads(cookie, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        verified.put(cookie, values, signed_at.timestamp())
        return self.session_class(values)


def init_app(app):
    app.session_interface = SessionInterface()
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
        flash(str(login_manager.login_message), login_manager.login_message_category)
        if is_partial_request():
            page = request.headers.get("HX-Current-URL") or request.url
            return hx_redirect(make_response("", 401), login_url(login_manager.login_view, next_url=page))
        return redirect(login_url(login_manager.login_view, next_url=request.url))

    @login_manager.user_loader
    def _load_user(identity):
        from app.auth import sessions
        from app.auth.models import User

        try:
            user_id, version = (int(part) for part in identity.split(":", 1))
        except ValueError:
            return None
        logged_in = "_user_id" in session
        try:
            # a view that checks the session row itself (sessions.checked_by_view) may not have
            # yet, nor does a request without a route: nobody is logged in on a dead row
            sessions.ensure_checked(restore_remembered=False)
            if logged_in and "_user_id" not in session:
                return None
            user = db.session.get(User, user_id)
        except SQLAlchemyError:
            # The database is down: treat the visitor as anonymous so that the 503 page (and
            # its base template, which asks for current_user) still renders.
            g.database_unavailable = True
            try:
                db.session.rollback()
            except SQLAlchemyError:
                pass
            return None
        if user is None or user.session_version != version or not user.active:
            return None
        return user

    from app.auth import sessions

    sessions.init_app(app)


def staff_required(view):
    """Staff and admins only; customers get the 403 page, anonymous users the log-in page."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_staff:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def admin_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def customer_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role != "customer":
            abort(403)
        return view(*args, **kwargs)

    return wrapper
