"""Browsers where an account has logged in before ("device cookies", as OWASP recommends against
lock-out attacks).

After a successful log-in the browser gets a signed cookie listing (as hashes) the accounts that
logged in there. The per-account log-in throttle does not count against a browser that knows the
account, so someone guessing passwords from elsewhere slows themselves down, not the owner.
"""
import hashlib

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.auth.services import normalize_email

COOKIE = "known_device"
#: Accounts one browser remembers (a shared family computer)
MAX_ACCOUNTS = 5


def _serializer():
    return URLSafeTimedSerializer(current_app.secret_key, salt="posylka-known-device")


def _max_age():
    return int(current_app.config["KNOWN_DEVICE_DAYS"]) * 86400


def _digest(email):
    return hashlib.sha256(normalize_email(email).encode()).hexdigest()[:32]


def _accounts(request):
    cookie = request.cookies.get(COOKIE)
    if not cookie:
        return []
    try:
        value = _serializer().loads(cookie, max_age=_max_age())
    except BadSignature:
        return []
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def knows(request, email):
    return bool(email) and _digest(email) in _accounts(request)


def remember(request, response, email):
    """Mark this browser as known to ``email``'s account (after a successful log-in); the response
    adds ``Secure`` as for every cookie (``app.security``)."""
    digest = _digest(email)
    accounts = [digest] + [item for item in _accounts(request) if item != digest][:MAX_ACCOUNTS - 1]
    response.set_cookie(COOKIE, _serializer().dumps(accounts), max_age=_max_age(), httponly=True, samesite="Lax")
