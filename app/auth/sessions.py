"""Server-side records of log-in sessions, so that logging out really ends one.

Flask keeps its session in a signed cookie, and a copy of that cookie would stay valid after
log-out. So each log-in gets a random id (kept in the cookie, stored here only as a hash) and
a row: log-out deletes the row; "log out everywhere" deletes them all and bumps
``User.session_version``; a row idle for ``SESSION_IDLE_MINUTES`` or older than
``SESSION_ABSOLUTE_HOURS`` no longer counts. Retention purges dead rows.

"Keep me logged in" is a row too, one per device: the remember-me cookie names its row (the
cookie holds the row's random id), so log-out, "log out this device" on the account page and the
row's end after ``REMEMBER_COOKIE_DAYS`` end it wherever a copy of the cookie is. A remembered
row is not ended by idleness (that is what remembering means).

Every request checks its row before the view runs (one query, which also loads the user for
Flask-Login's user loader), so no request gets a logged-in user whose row is dead.
"""
import functools
import hashlib
import secrets
from datetime import timedelta

from flask import current_app, g, request, session
from flask_login import current_user, user_logged_in, user_logged_out
from flask_login.signals import user_loaded_from_cookie
from sqlalchemy.orm import joinedload

from app.auth import user_agents
from app.auth.models import User
from app.clock import utcnow
from app.database import wants_write, writing
from app.extensions import db

SID_KEY = "_sid"
#: Flask-Login's session key: the user's id, or "<id>:<token>" for a remembered log-in (``start``)
USER_KEY = "_user_id"
LOGIN_KEYS = (USER_KEY, "_fresh", "_id", SID_KEY)
#: last_seen_at is written at most this often, so polling pages do not write on every request.
TOUCH_EVERY = timedelta(minutes=1)


class UserSession(db.Model):
    __tablename__ = "user_sessions"
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    last_seen_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    expires_at = db.Column(db.DateTime, nullable=False, index=True)
    remembered = db.Column(db.Boolean, nullable=False, default=False)
    ip = db.Column(db.String(64), info={"personal": True})
    user_agent = db.Column(db.String(255), info={"personal": True})

    user = db.relationship("User", lazy="joined", innerjoin=True)

    @property
    def device_name(self):
        """The browser and system, readable ("Firefox 121 · Windows"); None when the browser sent none."""
        return user_agents.describe(self.user_agent)


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def idle_limit():
    return timedelta(minutes=int(current_app.config["SESSION_IDLE_MINUTES"]))


def _lifetime(remembered):
    if remembered:
        return timedelta(days=int(current_app.config["REMEMBER_COOKIE_DAYS"]))
    return timedelta(hours=int(current_app.config["SESSION_ABSOLUTE_HOURS"]))


def start(user, *, remembered=False, now=None):
    """Record a new log-in of ``user`` in this browser (the caller's transaction)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(
        user_id=user.id, token_hash=_hash(token), created_at=now, last_seen_at=now,
        expires_at=now + _lifetime(remembered), remembered=remembered, ip=(request.remote_addr or "")[:64] or None,
        user_agent=(request.user_agent.string or "")[:255] or None))
    session[SID_KEY] = token
    if remembered:
        # Flask-Login writes the remember-me cookie from this value: it names this device's row
        session[USER_KEY] = f"{user.get_id()}:{token}"


def has_login():
    """True when this browser's session holds a log-in, without loading the user (Flask-Login's
    ``current_user`` would): an anonymous request asks nothing more."""
    return USER_KEY in session


def token_hash():
    """The hash of this browser's session id (what its row stores), else None."""
    token = session.get(SID_KEY)
    return _hash(token) if token else None


def remembered_row(user_id, token, now=None):
    """The live remembered row a remember-me cookie names (``user_id`` must match), else None."""
    if not token:
        return None
    row = db.session.execute(db.select(UserSession).filter_by(token_hash=_hash(token))).scalar_one_or_none()
    if row is None or row.user_id != user_id or not row.remembered or row.expires_at <= (now or utcnow()):
        return None
    return row


def devices(user, now=None):
    """The live log-ins of ``user``, newest activity first (the account page's list)."""
    now = now or utcnow()
    rows = db.session.execute(db.select(UserSession).filter_by(user_id=user.id)
                              .order_by(UserSession.last_seen_at.desc())).scalars().all()
    return [row for row in rows if is_alive(row, now)]


def end_device(user, session_id):
    """End one log-in of ``user`` (its remember-me cookie with it); False if there is none."""
    return db.session.execute(db.delete(UserSession).where(
        UserSession.id == session_id, UserSession.user_id == user.id)).rowcount > 0


@functools.cache
def _current_row_statement():
    """The read of every logged-in request, built once with a bind parameter (building it with its
    loader options cost more than running it); on first use, when every model is mapped."""
    return db.select(UserSession).where(UserSession.token_hash == db.bindparam("token_hash")) \
        .options(joinedload(UserSession.user).joinedload(User.customer))


def current_row():
    """This browser's session row, with its user and the user's customer record loaded in the same
    query (so Flask-Login's user loader then finds the user in the identity map, and the header's
    customer links need no query of their own: one query per request, not three)."""
    token = session.get(SID_KEY)
    if not token:
        return None
    return db.session.execute(_current_row_statement(), {"token_hash": _hash(token)}).scalar_one_or_none()


def is_alive(row, now):
    return row.expires_at > now and (row.remembered or row.last_seen_at > now - idle_limit())


def end_all(user):
    """Log ``user`` out on every device (password change, "log out everywhere", erasure)."""
    user.session_version = (user.session_version or 0) + 1
    db.session.execute(db.delete(UserSession).where(UserSession.user_id == user.id))


def drop_login():
    """Forget the log-in in this browser's cookie (the remember-me cookie is left alone)."""
    for key in LOGIN_KEYS:
        session.pop(key, None)
    g.pop("_login_user", None)


def check_request(now=None):
    """Before each request: a log-in without a live session row is dropped."""
    user_id = session.get(USER_KEY)
    if not user_id:
        return
    now = now or utcnow()
    row = current_row()
    # Held for the request: the identity map is weak, and the user loaded with the row must
    # still be there when Flask-Login's user loader asks for it.
    g.posylka_session_row = row
    if row is None or str(row.user_id) != str(user_id).split(":", 1)[0] or not is_alive(row, now):
        drop_login()
        return
    if now - row.last_seen_at >= TOUCH_EVERY:
        _write_now(lambda: setattr(row, "last_seen_at", now))


def _write_now(change):
    """Make ``change`` to session rows and commit it now. On a GET (a touch, a log-in restored from
    its remember-me cookie) the request has only read so far: that read transaction ends first,
    and the write begins one that takes SQLite's write lock up front (``app.database``)."""
    if not wants_write():
        db.session.commit()
    with writing():
        change()
        db.session.commit()


def expired_rows(now):
    """Rows that no longer let anyone in (for retention)."""
    return db.select(UserSession).where((UserSession.expires_at <= now) | (
        UserSession.remembered.is_(False) & (UserSession.last_seen_at <= now - idle_limit())))


def init_app(app):
    @app.before_request
    def _check_session():
        if request.endpoint in ("static", "web.healthz"):
            return
        check_request()
        if not has_login() and request.cookies.get(app.config.get("REMEMBER_COOKIE_NAME",
                                                                             "remember_token")):
            current_user._get_current_object()  # restore from remember-me now, not mid-render

    @user_logged_in.connect_via(app)
    def _logged_in(sender, user, **extra):
        _write_now(lambda: start(user, remembered=bool(session.get("_remember") == "set")))

    @user_loaded_from_cookie.connect_via(app)
    def _loaded_from_cookie(sender, user, **extra):
        # the user loader accepted the cookie's row (``g.posylka_remembered_token``): resume it
        token = g.pop("posylka_remembered_token", None)
        session[SID_KEY] = token
        _write_now(lambda: db.session.execute(db.update(UserSession).where(UserSession.token_hash == _hash(token))
                                              .values(last_seen_at=utcnow())))

    @user_logged_out.connect_via(app)
    def _logged_out(sender, user, **extra):
        token = session.pop(SID_KEY, None)
        if token:
            _write_now(lambda: db.session.execute(db.delete(UserSession).where(UserSession.token_hash == _hash(token))))
