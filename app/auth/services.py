"""Creating users and checking credentials."""
from flask_babel import gettext as _

from app.auth.models import ROLES, User
from app.clock import utcnow
from app.extensions import db
from app.orders.models import Customer

MIN_PASSWORD_LENGTH = 12


class AuthError(Exception):
    pass


def normalize_email(email):
    return (email or "").strip().lower()


def find_user(email):
    return db.session.execute(db.select(User).filter_by(email=normalize_email(email))).scalar_one_or_none()


def authenticate(email, password):
    """The active user with these credentials, or None. Takes as long for unknown e-mails."""
    user = find_user(email)
    if user is None:
        User(password_hash="$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$9sTbSlTio3Biev89thdrlKKiCaYsjjYVJxGAL3swxpg"
             ).check_password(password)
        return None
    if not user.active or not user.check_password(password):
        return None
    user.last_login_at = utcnow()
    return user


def validate_password(password):
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AuthError(_("The password must be at least %(n)d characters long.", n=MIN_PASSWORD_LENGTH))


def create_user(email, password, role, *, name=None, language=None, check_policy=True):
    """Create a user (and, for a customer, the linked customer profile)."""
    email = normalize_email(email)
    if role not in ROLES:
        raise AuthError(_("Unknown role “%(role)s”.", role=role))
    if not email or "@" not in email:
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
            customer = Customer(name=name or email.split("@")[0], email=email, language=language or "uk")
            db.session.add(customer)
        customer.user = user
    return user
