"""Log-in for customers and staff, roles, and the decorators that guard pages."""
from functools import wraps

from flask import abort, g, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import lazy_gettext
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db, login_manager


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with its serializer built once per set of keys rather than
    twice per request (building one runs a trial serialisation): every poll opens the session."""

    def get_signing_serializer(self, app):
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        cached = app.extensions.get("posylka_session_serializer")
        if cached is None or cached[0] != keys:
            cached = (keys, super().get_signing_serializer(app))
            app.extensions["posylka_session_serializer"] = cached
        return cached[1]


def init_app(app):
    app.session_interface = SessionInterface()
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

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
