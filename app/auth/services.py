"""Creating users and checking credentials."""
import secrets

from flask_babel import gettext as _

from app.audit import record
from app.auth.models import ROLES, User, _hasher
from app.clock import utcnow
from app.extensions import db
from app.i18n import preferred_language
from app.notify.channels.email import valid_address
from app.orders.models import Customer

MIN_PASSWORD_LENGTH = 12


class AuthError(Exception):
    pass


class WrongPassword(AuthError):
    """The password given to confirm who is asking is not the account's."""


def normalize_email(email):
    return (email or "").strip().lower()


def find_user(email):
    return db.session.execute(db.select(User).filter_by(email=normalize_email(email))).scalar_one_or_none()


def authenticate(email, password):
    """The active user with these credentials, or None. Takes as long for unknown e-mails and for
    deactivated accounts (the password is checked first: refusing those at once told they exist)."""
    user = find_user(email)
    if user is None:
        User(password_hash=_dummy_hash()).check_password(password)  # the same work as for a real account
        return None
    if not user.check_password(password) or not user.active:
        return None
    user.last_login_at = utcnow()
    return user


_dummy_hashes = {}


def _dummy_hash():
    """A hash made with the configured parameters (a fixed one with other parameters took a quarter
    of the time, which told which e-mails have an account)."""
    hasher = _hasher()
    key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = hasher.hash(secrets.token_urlsafe(16))
    return _dummy_hashes[key]


def validate_password(password):
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AuthError(_("The password must be at least %(n)d characters long.", n=MIN_PASSWORD_LENGTH))


def change_password(user, current, new):
    """The account page's change: ``current`` must be the password (``WrongPassword``), ``new`` follow the
    rule (``AuthError``); every session of the user ends (``User.set_password``) and the audit log records
    it. The caller commits."""
    if not user.check_password(current):
        raise WrongPassword(_("The password is not correct."))
    validate_password(new)
    user.set_password(new)
    record("user.change_password", "user", user.id, actor=user)


def choose_language(user, code):
    """A language the user picked by hand: their pages and, for a customer, their messages use it."""
    user.language = code
    if user.customer is not None:
        user.customer.language = code


def create_user(email, password, role, *, name=None, language=None, check_policy=True):
    """Create a user (and, for a customer, the linked customer profile)."""
    email = normalize_email(email)
    if role not in ROLES:
        raise AuthError(_("Unknown role “%(role)s”.", role=role))
    if not email or not valid_address(email):  # the one e-mail rule, as for customers (orders.services.parse_email)
        raise AuthError(_("Enter a valid e-mail address."))
    if find_user(email) is not None:
        raise AuthError(_("A user with this e-mail already exists."))
    if check_policy:
        validate_password(password)
    user = User(email=email, role=role, name=name, language=language)
    user.set_password(password)
    db.session.add(user)
    if role == "customer":
        customer = db.session.execute(
            db.select(Customer).filter_by(email=email, user_id=None, is_sandbox=False).order_by(Customer.id)).scalars().first()
        if customer is None:
            customer = Customer(name=name or email.split("@")[0], email=email, language=preferred_language(language))
            db.session.add(customer)
        customer.user = user
    return user
