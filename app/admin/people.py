"""Admins manage who can log in: create staff and customers, deactivate, reset passwords."""
import secrets

from flask_babel import gettext as _

from app.audit import record
from app.auth.models import ROLES, User
from app.auth.services import AuthError, create_user
from app.extensions import db


def list_users(role=None, q=None):
    select = db.select(User).order_by(User.role, User.email)
    if role in ROLES:
        select = select.where(User.role == role)
    if q:
        select = select.where(User.email.contains(q.strip().lower(), autoescape=True))
    return db.session.execute(select.limit(500)).scalars().all()


def add_user(email, password, role, *, name=None, actor):
    user = create_user(email, password, role, name=name or None)
    db.session.flush()
    record("user.create", "user", user.id, after={"email": user.email, "role": role, "name": user.name}, actor=actor)
    return user


def set_active(user, active, *, actor):
    """Deactivating also ends the user's sessions everywhere. An admin cannot lock themselves out."""
    if user.id == actor.id and not active:
        raise AuthError(_("You cannot deactivate your own account."))
    if user.active == active:
        return False
    user.active = active
    user.session_version = (user.session_version or 1) + 1
    record("user.activate" if active else "user.deactivate", "user", user.id,
           before={"active": not active}, after={"active": active}, actor=actor)
    return True


def reset_password(user, *, actor):
    """Give the user a new random password (shown once to the admin) and end their sessions."""
    password = "-".join(secrets.token_urlsafe(6) for _ in range(3))
    user.set_password(password)  # which logs the user out everywhere
    record("user.reset_password", "user", user.id, after={"email": user.email}, actor=actor)
    return password

