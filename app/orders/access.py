"""Who may see an order, decided here and nowhere else.

- **its customer**: a logged-in user whose customer record owns the order (Flask-Login loads the
  user, after ``auth.sessions`` checked this browser's session row);
- **a signed link** (``orders.links``): the token names the order and its current link nonce, and
  the order still has its personal data: once an erasure or retention removed it, the links given
  out for it (messages, the shop's widget, a forwarded link) open nothing and change nothing;
- **a message's counted click** (``notify.kpis``): as the signed link the message was sent with
  (its nonce, the links' lifetime from the message's time), so that revoking and expiry reach it;
  a click to the question after delivery too, with the question links' lifetime;
- **the public look-up**: the order number with the customer's phone number or e-mail;
- **an API client** whose Bearer token holds the resource's scope (``api.core.resource``) sees the
  orders of its world: a sandbox client only sandbox orders, a live client only live ones
  (``api_client_sees``);
- **staff** see every order (``auth.staff_required``).

A stranger gets None (or ``InvalidLink``), never a reason: an answer must not tell whether an
order exists. Each way comes twice: the order itself, and its ``OrderState`` (id, version and
status in one small indexed read), which is all a polled partial needs to answer ``304``.
"""
import functools
import re
import secrets
from typing import NamedTuple

import phonenumbers
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import immediateload, joinedload, selectinload

from app.carriers import detect_carriers, normalize_tracking_number
from app.clock import utcnow
from app.extensions import db
from app.orders import links
from app.orders.models import Customer, Order, Shipment


class OrderState(NamedTuple):
    id: int
    version: int
    status: str


_orders, _customers = Order.__table__, Customer.__table__
# The polled partials' reads, built once with bind parameters: SQLAlchemy then reuses their
# compiled form straight away, where building the statement on every poll cost more than running it
# (and columns of the table, not of the entity, skip the ORM's result set-up).
_STATE_BY_ID = sa.select(_orders.c.id, _orders.c.version, _orders.c.status, _orders.c.link_nonce,
                         _orders.c.anonymised_at) \
    .where(_orders.c.id == sa.bindparam("order_id"))


def _owned(select, user_id):
    """``select`` (of orders) narrowed to the orders of the customer who is user ``user_id`` (a value,
    or a bind parameter in a statement built once): the one place the ownership rule is written."""
    return select.join(_customers, _customers.c.id == _orders.c.customer_id).where(_customers.c.user_id == user_id)


_CUSTOMER_STATE = _owned(sa.select(_orders.c.id, _orders.c.version, _orders.c.status), sa.bindparam("user_id")) \
    .where(_orders.c.number == sa.bindparam("number"))


def tracking_options():
    """What the tracking block reads of one order, in two queries: the parcels, their carrier events
    and the return requests joined to the order's own row (a handful of rows each), the history in a
    second SELECT by the order's id. ``selectinload`` built, keyed and ran one ``IN`` query per
    collection: about 0.7 ms of CPU each, three times this (bench/README.md, "Seventh round").
    A result that holds these joined collections needs ``.unique()``."""
    return (joinedload(Order.shipments).joinedload(Shipment.events), joinedload(Order.return_requests),
            immediateload(Order.history))


# ---- its customer ---------------------------------------------------------------------------

def customer_order(user, number, *, for_page=False, with_tracking=False):
    """``user``'s order with this number, else None.

    ``for_page`` also loads what the order page's side panel shows (recipient and items);
    ``with_tracking`` what its tracking block shows.
    """
    return db.session.execute(_customer_order_select(for_page, with_tracking),
                              {"user_id": user.id, "number": number}).unique().scalar_one_or_none()


def order_with_tracking(order_id):
    """The order with what its tracking block shows, or None (for a caller that has decided access)."""
    return db.session.execute(_order_with_tracking_select(), {"order_id": order_id}).unique().scalar_one_or_none()


@functools.cache
def _order_with_tracking_select():
    return sa.select(Order).where(Order.id == sa.bindparam("order_id")).options(*tracking_options())


@functools.cache
def _customer_order_select(for_page, with_tracking):
    """Built once per kind (SQLAlchemy then keeps its cache key; with loader options, keying a
    new statement cost about as much as running it), on first use (the relationships exist by then)."""
    select = _owned(db.select(Order), sa.bindparam("user_id")).where(Order.number == sa.bindparam("number"))
    if for_page:
        select = select.options(joinedload(Order.customer), immediateload(Order.items))
    if with_tracking:
        select = select.options(*tracking_options())
    return select


def customer_order_state(user, number):
    row = db.session.execute(_CUSTOMER_STATE, {"user_id": user.id, "number": number}).first()
    return OrderState(*row) if row is not None else None


def customer_orders(user):
    """The customer's orders, newest first, with what the list shows loaded up front."""
    return db.session.execute(
        _owned(db.select(Order), user.id).options(selectinload(Order.items), selectinload(Order.shipments))
        .order_by(Order.created_at.desc(), Order.id.desc())).scalars().all()


# ---- an API client ---------------------------------------------------------------------------

def api_client_sees(select, client):
    """``select`` (of orders, or joined to them) narrowed to what API ``client`` may see."""
    return select.where(Order.is_sandbox.is_(bool(client.sandbox)))


# ---- a signed link --------------------------------------------------------------------------

def order_for_token(token, *, with_tracking=False):
    """The order a signed link names; ``InvalidLink`` if tampered, expired or revoked.

    ``with_tracking`` also loads what its tracking block shows (in the query that finds it).
    """
    order_id, nonce = links.read_token(token)
    order = order_with_tracking(order_id) if with_tracking else db.session.get(Order, order_id)
    if order is None or not _link_open(order, nonce):
        raise links.InvalidLink()
    return order


def customer_of(user, token=None):
    """Who acts, and on what: (the logged-in customer, None) for all their orders; else (that order's
    customer, the order) for a valid signed link ``token``, which opens that one order only (a
    messenger connected from its page gets that order's news); else (None, None)."""
    customer = getattr(user, "customer", None) if user.is_authenticated else None
    if customer is None and token:
        try:
            order = order_for_token(token)
        except links.InvalidLink:
            return None, None
        return order.customer, order
    return customer, None


def order_state_for_token(token):
    """The ``OrderState`` a signed link names; ``InvalidLink`` as ``order_for_token``.

    One Core read on a connection of its own, not through the ORM session: most of these polls
    answer ``304`` and touch the database for nothing else, and the session's set-up and
    tear-down around this one statement cost more than the statement (an order rendered after
    a change is read through the session as usual)."""
    order_id, nonce = links.read_token(token)
    with db.engine.connect() as connection:
        row = connection.execute(_STATE_BY_ID, {"order_id": order_id}).first()
    if row is None or not _link_open(row, nonce):
        raise links.InvalidLink()
    return OrderState(*row[:3])


def order_for_message_click(order, nonce, sent_at, now=None, lifetime=None):
    """``order`` if a message sent at ``sent_at`` with its link ``nonce`` may still open it, else None.
    ``lifetime``: that of the link the message held (default the tracking links', ``TRACKING_LINK_DAYS``;
    the question after delivery's is ``FEEDBACK_LINK_DAYS``)."""
    lifetime = links.lifetime() if lifetime is None else lifetime
    if order is None or sent_at is None or not _link_open(order, nonce) or sent_at <= (now or utcnow()) - lifetime:
        return None
    return order


def _link_open(order, given_nonce):
    """Whether a link with ``given_nonce`` still opens ``order`` (an order or its state row)."""
    return order.anonymised_at is None and bool(order.link_nonce) \
        and secrets.compare_digest(order.link_nonce, str(given_nonce))


# ---- the public look-up ---------------------------------------------------------------------

def order_number_prefix():
    """What the shop's order numbers start with ("PS-" in PS-100001)."""
    return current_app.config["ORDER_NUMBER_PREFIX"]


def looks_like_waybill(raw):
    """A carrier's number format fits, and it is not the shop's own order number (PS-100001 fits Meest's)."""
    return bool(detect_carriers(raw)) and not raw.strip().upper().startswith(order_number_prefix().upper())


def normalise_order_number(raw):
    """An order number as people type it: ``ps-100001``, ``PS 100001``, ``PS100001``, ``№100001``."""
    number = re.sub(r"\s+", "", raw or "").lstrip("#№").upper()
    prefix = order_number_prefix()
    bare = prefix.upper().rstrip("-_./")
    generated = re.fullmatch(re.escape(bare) + r"[-_./]?(\d+)", number) if bare else None
    if number.isdigit() or generated:
        number = prefix + (generated.group(1) if generated else number)
    return number[:32]


def order_by_number(raw):
    """Any order by its number as typed (staff see every order), else None."""
    if not (raw or "").strip():
        return None
    return db.session.execute(db.select(Order).where(Order.number == normalise_order_number(raw))).scalar_one_or_none()


def phone_keys(raw):
    """Every E.164 reading of a phone number as people write it (+380…, 380…, 0…, 00…)."""
    text = re.sub(r"[^\d+]", "", raw or "")
    if len(re.sub(r"\D", "", text)) < 6:
        return set()
    attempts = []
    if text.startswith("+"):
        attempts.append((text, None))
    elif text.startswith("00"):
        attempts.append(("+" + text[2:], None))
    else:
        attempts.append(("+" + text, None))
        attempts.extend((text, region) for region in current_app.config.get("PHONE_REGIONS", ("UA", "PL")))
    keys = set()
    for candidate, region in attempts:
        try:
            parsed = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(parsed):
            keys.add(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
    return keys


def contact_matches(customer, contact):
    contact = (contact or "").strip()
    if not contact or customer is None:
        return False
    if "@" in contact:
        return bool(customer.email) and secrets.compare_digest(contact.lower().encode(), customer.email.lower().encode())
    return bool(phone_keys(contact) & phone_keys(customer.phone))


def parcel_for_tracking_number(number):
    """The parcel with this tracking number, for the look-up by tracking number alone (status and
    route only, no personal data), or None: unknown, ambiguous (two carriers share the number),
    a sandbox parcel, or one whose order's personal data was removed."""
    number = normalize_tracking_number(number)
    if len(number) < 6:
        return None
    rows = db.session.execute(
        db.select(Shipment).join(Order, Order.id == Shipment.order_id)
        .options(selectinload(Shipment.events))
        .where(Shipment.tracking_number == number, Order.is_sandbox.is_(False), Order.anonymised_at.is_(None))
        .limit(2)).scalars().all()
    return rows[0] if len(rows) == 1 else None


def order_for_lookup(number, contact):
    """The order if ``contact`` (its phone or e-mail) belongs to it; None for a wrong pair or no order.

    Both failures take the same path so that the answer does not tell whether the number exists.
    """
    order = db.session.execute(db.select(Order).options(joinedload(Order.customer))
                               .where(Order.number == normalise_order_number(number))).scalar_one_or_none()
    # no order: the contact is still compared, with a stand-in that matches nobody (reading a phone
    # number takes about a millisecond: skipping it told which order numbers exist)
    customer = order.customer if order is not None else _NOBODY
    return order if contact_matches(customer, contact) and order is not None else None


class _Contact(NamedTuple):
    email: str
    phone: str


#: What a missing order's contact is compared with (an unused +380 00… number, a reserved domain).
_NOBODY = _Contact(email="nobody@posylka.invalid", phone="+380000000000")
