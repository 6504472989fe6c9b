"""Settings an admin edits in the app; they win over the environment.

Values marked secret (API keys, passwords, webhook secrets) are stored encrypted with a key
derived from the instance secret, and are never shown back in full.
"""
import base64
import logging

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from app.extensions import db
from app.logs import redact_value
from app.orders.models import utcnow

log = logging.getLogger(__name__)


class Setting(db.Model):
    __tablename__ = "settings"
    key = db.Column(db.String(100), primary_key=True)
    value = db.Column(db.Text)
    secret = db.Column(db.Boolean, nullable=False, default=False)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)


def _fernet():
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"posylka-settings",
               info=b"settings-encryption").derive(current_app.config["SECRET_KEY"].encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(plain):
    return _fernet().encrypt(plain.encode()).decode("ascii")


def decrypt(token):
    try:
        return _fernet().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        return None


def get(key, default=None):
    """The admin's value for ``key`` if set, else the app config's, else ``default``."""
    row = db.session.get(Setting, key)
    if row is not None and row.value not in (None, ""):
        if row.secret:
            value = decrypt(row.value)
            if value is None:
                # Encrypted under another SECRET_KEY: say so (never the value) and fall back.
                log.warning("secret setting %s cannot be decrypted (was SECRET_KEY changed?); "
                            "enter it again on the settings page", key)
                return current_app.config.get(key, default)
            redact_value(value)
            return value
        return row.value
    return current_app.config.get(key, default)


def put(key, value, *, secret=False):
    """Store a setting in the current transaction; ``None`` or "" removes the override."""
    row = db.session.get(Setting, key)
    if value in (None, ""):
        if row is not None:
            db.session.delete(row)
        return
    if secret:
        redact_value(str(value))
    stored = encrypt(str(value)) if secret else str(value)
    if row is None:
        db.session.add(Setting(key=key, value=stored, secret=secret))
    else:
        row.value, row.secret = stored, secret
