"""Forgotten passwords: "Forgot your password?" e-mails a signed link that sets a new one.

Asking writes one outbox row (kind ``password_reset``) to the address typed, after one query,
whether or not an account has that address: the answer and its timing are the same either way (as
``authenticate`` does the same hashing work and ``/track`` the same comparison for a miss). The
dispatcher writes the e-mail when it sends the row (``mail_for``), in the person's language, or
skips the row when no active account has the address (a deactivated account gets nothing). The
link is in the e-mail only: the outbox's log keeps the text without it.

A link names the user, a fingerprint of their password hash and session version, and when it was
asked for. It stops working after ``PASSWORD_RESET_MINUTES``, once a password is set through it
(or changed any other way), and when the user logs out everywhere.
"""
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from app.audit import record
from app.auth.models import User
from app.auth.services import find_user, normalize_email, validate_password
from app.clock import utcnow
from app.extensions import db
from app.i18n import preferred_language
from app.orders.models import Customer

#: The outbox rows' kind
KIND = "password_reset"
SALT = "posylka-password-reset"


class InvalidResetLink(Exception):
    """The link is tampered, expired, already used, or its account is gone or deactivated."""


class NotSent(Exception):
    """The dispatcher skips this row; ``args[0]`` is the skip reason's code (``app.notify.skips``)."""


def lifetime():
    return timedelta(minutes=int(current_app.config["PASSWORD_RESET_MINUTES"]))


def request_link(email, *, language, now=None):
    """Queue the reset e-mail to ``email`` (the caller commits). The same query and the same one
    outbox row whether or not an account has the address; the dispatcher decides (``mail_for``)."""
    from app.notify.outbox import account_message

    email = normalize_email(email)
    # the customer record, so that the message is in the customer's export and goes with erasure
    customer_id = db.session.execute(db.select(Customer.id).join(User, Customer.user_id == User.id)
                                     .where(User.email == email)).scalars().first()
    account_message(KIND, email, customer_id=customer_id, payload=json.dumps({"language": language}),
                    now=now or utcnow())


def _fingerprint(user):
    """Changes with the password and with "log out everywhere": a used or outdated link dies."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{user.id}:{user.session_version}:{user.password_hash}".encode(),
                    hashlib.sha256).hexdigest()[:32]


def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _epoch(moment):
    return int(moment.replace(tzinfo=timezone.utc).timestamp())


def make_token(user, asked_at):
    return _serializer().dumps([user.id, _fingerprint(user), _epoch(asked_at)])


def user_for(token, now=None):
    """The user a reset link is for; ``InvalidResetLink`` if it is not (or no longer) good."""
    try:
        user_id, fingerprint, asked = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        raise InvalidResetLink()
    if not isinstance(user_id, int) or not isinstance(fingerprint, str) or not isinstance(asked, int):
        raise InvalidResetLink()
    asked_at = datetime.fromtimestamp(asked, timezone.utc).replace(tzinfo=None)
    if (now or utcnow()) - asked_at >= lifetime():
        raise InvalidResetLink()
    user = db.session.get(User, user_id)
    if user is None or not user.active or not hmac.compare_digest(fingerprint, _fingerprint(user)):
        raise InvalidResetLink()
    return user


def set_new_password(user, password):
    """A new password through a reset link: the same rule as on the account page (``AuthError``),
    every session of the user ends (``User.set_password``), and the audit log records it. The
    caller commits."""
    validate_password(password)
    user.set_password(password)
    record("user.reset_password_by_link", "user", user.id, actor=user)


@dataclass
class ResetMail:
    subject: str
    body: str
    link: str
    language: str
    name: str | None
    #: The e-mail's button
    button: str


def language_of(user, asked_in):
    """The account's language, else the customer's, else the one the request was made in."""
    return preferred_language(user.language, getattr(user.customer, "language", None), asked_in)


def mail_for(recipient, asked_at, payload, now=None):
    """The e-mail of an outbox row (link included), written at send time; ``NotSent`` when no
    active account has the address or the link would arrive expired."""
    from app.notify import skips

    user = find_user(recipient)
    if user is None or not user.active:
        raise NotSent(skips.NO_ACCOUNT)
    if (now or utcnow()) - asked_at >= lifetime():
        raise NotSent(skips.LINK_EXPIRED)
    try:
        asked_in = json.loads(payload or "{}").get("language")
    except (ValueError, AttributeError):
        asked_in = None
    language = language_of(user, asked_in)
    from app.notify.templates import shop_name

    shop = shop_name()
    minutes = int(current_app.config["PASSWORD_RESET_MINUTES"])
    with force_locale(language):
        link = url_for("auth.reset_password", token=make_token(user, asked_at), _external=True)
        subject = _("A new password for %(shop)s", shop=shop)
        body = "\n\n".join([
            _("Someone, hopefully you, asked to set a new password for your account at %(shop)s.", shop=shop),
            _("To choose a new password, open this link: %(link)s", link=link),  # the HTML's button
            _("The link works once, for %(minutes)d minutes. If you did not ask for it, ignore this e-mail: "
              "your password stays as it is.", minutes=minutes),
        ])
        button = _("Set a new password")
    return ResetMail(subject, body, link, language, user.name, button)
