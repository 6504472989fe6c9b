"""People who log in: customers, staff and admins (one table, a role each)."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_login import UserMixin

from app.clock import utcnow
from app.extensions import db

ROLES = ("customer", "staff", "admin")


def _hasher():
    cfg = current_app.config
    return PasswordHasher(time_cost=cfg["PASSWORD_HASH_TIME_COST"], memory_cost=cfg["PASSWORD_HASH_MEMORY_KIB"],
                          parallelism=cfg["PASSWORD_HASH_PARALLELISM"])


class User(UserMixin, db.Model):
    __tablename__ = "users"
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(254), nullable=False, unique=True, info={"personal": True})
    password_hash = db.Column(db.String(255), nullable=False)
    role = db.Column(db.String(10), nullable=False, default="customer")
    name = db.Column(db.String(200), info={"personal": True})
    language = db.Column(db.String(5))
    active = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    last_login_at = db.Column(db.DateTime)
    #: Changing it logs the user out everywhere (it is part of the session identity).
    session_version = db.Column(db.Integer, nullable=False, default=1)

    customer = db.relationship("Customer", back_populates="user", uselist=False)

    @property
    def is_active(self):
        return self.active

    @property
    def is_staff(self):
        return self.role in ("staff", "admin")

    @property
    def is_admin(self):
        return self.role == "admin"

    def get_id(self):
        return f"{self.id}:{self.session_version}"

    def set_password(self, password):
        """Set a new password; changing an existing one logs the user out everywhere."""
        if self.password_hash:
            from app.auth.sessions import end_all

            end_all(self)
        self.password_hash = _hasher().hash(password)

    def check_password(self, password):
        try:
            ok = _hasher().verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        if ok and _hasher().check_needs_rehash(self.password_hash):
            self.password_hash = _hasher().hash(password)
        return ok
