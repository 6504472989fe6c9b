"""Signed tracking links: open one order's tracking view without a log-in.

A token names the order and its current ``link_nonce``; revoking an order's links is giving it a
new nonce. Tokens carry their signing time and expire after ``TRACKING_LINK_DAYS``.
"""
import secrets
from datetime import timedelta

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.audit import record

SALT = "posylka-tracking-link"


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def new_nonce():
    """A fresh link nonce: set once when an order is created, replaced to revoke its links."""
    return secrets.token_urlsafe(9)


def make_token(order):
    if not order.link_nonce:
        order.link_nonce = new_nonce()
    return _serializer().dumps([order.id, order.link_nonce])


def tracking_url(order, *, external=True):
    """The signed tracking page URL for ``order`` (for notifications and the widget)."""
    return url_for("tracking.signed", token=make_token(order), _external=external)


def widget_url(order, *, external=True):
    """The embeddable widget URL for ``order`` (the iframe of a shop's own order page)."""
    return url_for("tracking.widget", token=make_token(order), _external=external)


class InvalidLink(Exception):
    """The token is tampered, expired or revoked."""


def lifetime():
    """How long a link works after it was made (``TRACKING_LINK_DAYS``)."""
    return timedelta(days=int(current_app.config.get("TRACKING_LINK_DAYS", 90)))


def read_token(token):
    """(order id, nonce) named by a signed token; ``InvalidLink`` if tampered or expired. Whether the
    nonce is still the order's is ``app.orders.access``'s to decide."""
    try:
        order_id, nonce = _serializer().loads(token, max_age=lifetime().total_seconds())
    except (BadSignature, SignatureExpired, ValueError, TypeError):
        raise InvalidLink()
    if not isinstance(order_id, int):
        raise InvalidLink()
    return order_id, nonce


def revoke_links(order):
    """Every link given out for ``order`` stops working (new ones work), and so do the follows and
    messenger chats asked for through them (their messages would carry new links); audited. Returns
    how many follows and chats ended."""
    from app.notify.messengers import stop_order_chats
    from app.tracking.follow import stop_all

    order.link_nonce = new_nonce()
    record("order.revoke_links", "order", order.id)
    return stop_all(order) + stop_order_chats(order)
