"""Managing API clients (list, create: the secret is returned once, revoke) and the shipments a client sees."""
import hashlib
import ipaddress
import secrets
from datetime import timedelta, timezone

from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from app.api.models import SCOPES, ApiClient, ApiToken, IdempotencyKey, digest, finished_tokens, new_secret
from app.audit import record
from app.carriers import normalize_tracking_number
from app.clock import utcnow
from app.errors import FieldRefused
from app.extensions import db
from app.orders import access
from app.orders.models import Order, Shipment
from app.orders.services import DuplicateTrackingNumber, OrderInputError, find_or_create_customer, new_parcel
from app.orders.services import create_order as create_shop_order

#: The id column's range: a larger id cannot exist (and PostgreSQL would refuse the query)
MAX_ID = 2**31 - 1


class ClientInputError(FieldRefused):
    pass


def parse_scopes(value):
    scopes = (value or "").replace(",", " ").split()
    unknown = [x for x in scopes if x not in SCOPES]
    if unknown or not scopes:
        raise ClientInputError("scope", _("Choose scopes from: %(scopes)s.", scopes=", ".join(SCOPES)))
    return " ".join(s for s in SCOPES if s in scopes)


def parse_allowed_ips(value):
    parts = (value or "").replace(",", " ").split()
    for part in parts:
        try:
            ipaddress.ip_network(part, strict=False)
        except ValueError:
            raise ClientInputError("allowed_ips", _("“%(value)s” is not an IP address or network.", value=part))
    return " ".join(parts) or None


def clients():
    """Every client, the working ones first, newest first."""
    return db.session.execute(db.select(ApiClient).order_by(ApiClient.revoked_at.is_not(None),
                                                            ApiClient.created_at.desc())).scalars().all()


def create_client(name, scope, *, allowed_ips=None, sandbox=False, actor=None):
    """Create a client; returns ``(client, secret)``. Only the secret's digest is stored."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ClientInputError("name", _("Enter a name of up to 100 characters."))
    secret = new_secret()
    client = ApiClient(name=name, client_id=secrets.token_urlsafe(18), secret_hash=digest(secret),
                       scope=parse_scopes(scope), allowed_ips=parse_allowed_ips(allowed_ips), sandbox=bool(sandbox))
    db.session.add(client)
    db.session.flush()
    record("api_client.create", "api_client", client.id, actor=actor, actor_label=None if actor else "cli",
           after={"name": client.name, "scope": client.scope, "allowed_ips": client.allowed_ips,
                  "sandbox": client.sandbox})
    return client, secret


def revoke_client(client, *, actor=None):
    """Revoke the client and, with it, every token it holds (they are checked against the client)."""
    if client.revoked_at is None:
        client.revoked_at = utcnow()
        for token in client.tokens.filter_by(revoked_at=None):
            token.revoked_at = client.revoked_at
        record("api_client.revoke", "api_client", client.id, actor=actor, before={"name": client.name})
    return client


# ---- OAuth2 (``app.api.oauth``: what Authlib asks of our tables) -------------------------------------

def active_client(client_id, remote_addr):
    """The working client with this id that may call from ``remote_addr``, else None."""
    client = db.session.execute(db.select(ApiClient).filter_by(client_id=str(client_id))).scalar_one_or_none()
    if client is None or not client.is_active or not client.ip_allowed(remote_addr):
        return None
    return client


def store_token(client, access_token, scope, seconds, refresh_token=None, refresh_days=None):
    """Keep the digests of tokens just issued to ``client`` (the tokens themselves are never stored)."""
    now = utcnow()
    client.last_used_at = now
    # Each grant adds a row; this client's rows of no more use for a day are not worth keeping.
    db.session.execute(db.delete(ApiToken).where(ApiToken.client_id == client.id,
                                                 finished_tokens(now - timedelta(days=1))))
    db.session.add(ApiToken(client=client, token_hash=digest(access_token), scope=scope, issued_at=now,
                            expires_at=now + timedelta(seconds=seconds),
                            refresh_token_hash=digest(refresh_token) if refresh_token else None,
                            refresh_expires_at=now + timedelta(days=refresh_days) if refresh_token else None))


def token_for_refresh(refresh_token):
    """The token row a refresh token was issued with, while it may still be used: not used or revoked,
    not expired, its client working and still holding every scope of it; else None."""
    if not refresh_token or len(refresh_token) > 200:
        return None
    row = db.session.execute(db.select(ApiToken).filter_by(refresh_token_hash=digest(refresh_token))
                             ).scalar_one_or_none()
    if row is None or row.revoked_at is not None or row.refresh_expires_at is None \
            or row.refresh_expires_at <= utcnow() or not row.client.is_active \
            or not set(row.scope.split()) <= set(row.client.scopes):
        return None
    return row


def token_for(bearer):
    """The stored token a bearer string stands for, or None."""
    if not bearer or len(bearer) > 200:
        return None
    return db.session.execute(db.select(ApiToken).filter_by(token_hash=digest(bearer))).scalar_one_or_none()


def _visible_shipments(client):
    # the joined order fills shipment.order too: a page of shipments is one query, not one per row
    # a parcel coming back to the shop (app.returns) is not one of the order's shipments to the customer
    return access.api_client_sees(db.select(Shipment).join(Shipment.order).options(contains_eager(Shipment.order))
                                  .where(Shipment.is_return.is_(False)), client)


def _visible_orders(client):
    return access.api_client_sees(db.select(Order), client)


def _order_filters(stmt, *, status=None, updated_since=None, order_number=None):
    """``stmt`` (of orders, or joined to them) narrowed by the filters the API's lists share."""
    if order_number:  # as a webhook names the order ("ps-100002" and "100002" too)
        stmt = stmt.where(Order.number.in_({order_number.strip(), access.normalise_order_number(order_number)}))
    if status:
        stmt = stmt.where(Order.status == status)
    if updated_since:
        if updated_since.tzinfo is not None:
            updated_since = updated_since.astimezone(timezone.utc).replace(tzinfo=None)
        stmt = stmt.where(Order.updated_at >= updated_since)
    return stmt


def _page(stmt, id_column, *, cursor, limit):
    """The API's pagination, for every list: ``stmt``'s rows newest first by ``id_column``, at most ``limit``,
    after ``cursor`` (the last id of the previous page): (rows, more to come)."""
    if cursor:
        stmt = stmt.where(id_column < min(int(cursor), MAX_ID))
    rows = db.session.execute(stmt.order_by(id_column.desc()).limit(limit + 1)).unique().scalars().all()
    return rows[:limit], len(rows) > limit


def client_shipment(client, shipment_id):
    """One of the shipments ``client`` sees, or None."""
    if shipment_id > MAX_ID:
        return None
    return db.session.execute(_visible_shipments(client).where(Shipment.id == shipment_id)).scalar_one_or_none()


def client_shipments(client, *, status=None, carrier=None, updated_since=None, order_number=None,
                     tracking_number=None, cursor=None, limit):
    """A page of the shipments ``client`` sees, newest first by id, after ``cursor``: (rows, more to come)."""
    stmt = _order_filters(_visible_shipments(client), status=status, updated_since=updated_since,
                          order_number=order_number)
    if tracking_number:
        stmt = stmt.where(Shipment.tracking_number == normalize_tracking_number(tracking_number))
    if carrier:
        stmt = stmt.where(Shipment.carrier == carrier)
    return _page(stmt, Shipment.id, cursor=cursor, limit=limit)


def client_order(client, number):
    """The order ``client`` sees with this number (as stored, else as people type it: "ps-100002"), or None."""
    number = (number or "").strip()
    if not number or len(number) > 40:  # no order has such a number
        return None
    for candidate in dict.fromkeys((number, access.normalise_order_number(number))):
        order = db.session.execute(_visible_orders(client).where(Order.number == candidate)).scalar_one_or_none()
        if order is not None:
            return order
    return None


def client_orders(client, *, status=None, updated_since=None, order_number=None, cursor=None, limit):
    """A page of the orders ``client`` sees, with or without shipments, newest first by id, after ``cursor``:
    (rows, more to come). What a list item shows is loaded with the page, not one query per order."""
    stmt = _order_filters(_visible_orders(client), status=status, updated_since=updated_since,
                          order_number=order_number)
    stmt = stmt.options(joinedload(Order.customer), selectinload(Order.items), selectinload(Order.shipments))
    return _page(stmt, Order.id, cursor=cursor, limit=limit)


def create_order(client, data):
    """The order a ``schemas.OrderIn`` body describes, with its customer and shipments; an
    ``OrderInputError`` names the body's field ("shipments[1].tracking_number")."""
    delivery = data.delivery.model_dump() if data.delivery else {}
    customer = find_or_create_customer(name=data.customer.name.strip(), email=data.customer.email,
                                       phone=data.customer.phone, country=delivery.get("country"),
                                       language=data.customer.language, sandbox=client.sandbox)
    # each parcel checked first, so that a refusal names its place in the body; then the order is created
    # with them, and its "new" event (webhooks) lists them
    parcels = []
    for index, shipment in enumerate(([data.shipment] if data.shipment else []) + list(data.shipments or [])):
        try:
            parcel = new_parcel(shipment.carrier, shipment.tracking_number, sandbox=client.sandbox)
            if parcel in parcels:  # the same parcel twice in one body
                raise DuplicateTrackingNumber()
        except OrderInputError as error:
            prefix = "shipment" if data.shipment and index == 0 else f"shipments[{index - bool(data.shipment)}]"
            error.field = f"{prefix}.{error.field}"
            raise
        parcels.append(parcel)
    order = create_shop_order(customer, [i.model_dump() for i in data.items], delivery=delivery, source="api",
                              actor=client.name, currency=data.currency, note=data.note, sandbox=client.sandbox,
                              cod_amount=data.cod_amount,
                              shipments=[{"carrier": carrier, "tracking_number": number} for carrier, number in parcels])
    db.session.flush()
    return order


#: How long an ``Idempotency-Key`` answers with the order it made (a day of a client's retries)
IDEMPOTENCY_HOURS = 24


class KeyReused(Exception):
    """An ``Idempotency-Key`` sent again with another body."""


def order_for_key(client, key, body):
    """The order an earlier ``POST /api/orders`` of ``client`` with this ``Idempotency-Key`` made, or None;
    ``KeyReused`` when that request had another body."""
    row = db.session.execute(db.select(IdempotencyKey).filter_by(client_id=client.id, key=key).where(
        IdempotencyKey.created_at > utcnow() - timedelta(hours=IDEMPOTENCY_HOURS))).scalar_one_or_none()
    if row is None:
        return None
    if row.body_hash != hashlib.sha256(body).hexdigest():
        raise KeyReused()
    return row.order


def remember_key(client, key, body, order):
    """Keep which order this key made (the caller commits; two requests with one key at once: the
    second's commit fails on the unique key, and it answers with the first's order)."""
    db.session.execute(db.delete(IdempotencyKey).where(
        IdempotencyKey.client_id == client.id, IdempotencyKey.created_at <= utcnow() - timedelta(hours=IDEMPOTENCY_HOURS)))
    db.session.add(IdempotencyKey(client_id=client.id, key=key, body_hash=hashlib.sha256(body).hexdigest(),
                                  order=order))
