"""API clients (OAuth2 client credentials), their access tokens and platform webhook deliveries.

Secrets and tokens are stored only as SHA-256 digests. Both are 256-bit random values made by
``secrets.token_urlsafe(32)``, so a fast hash is enough: nobody can guess or brute-force such a
value from its digest, and a digest lets a token be looked up in one indexed query on every request
(a salted, slow hash such as Argon2 is for low-entropy passwords, and would cost ~50 ms per call).
"""
import hashlib
import hmac
import ipaddress
import secrets

from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin

from app.clock import utcnow
from app.extensions import db

SCOPES = ("read:shipments", "write:shipments")


def digest(value):
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def new_secret():
    return secrets.token_urlsafe(32)


class ApiClient(db.Model, ClientMixin):
    __tablename__ = "api_clients"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(100), nullable=False)
    client_id = db.Column(db.String(48), nullable=False, unique=True)
    secret_hash = db.Column(db.String(64), nullable=False)
    #: Space-separated OAuth2 scopes the client may ask for.
    scope = db.Column(db.String(255), nullable=False, default="")
    #: Space- or comma-separated addresses or networks; empty means any address.
    allowed_ips = db.Column(db.String(500))
    #: A sandbox client sees and changes only sandbox orders.
    sandbox = db.Column(db.Boolean, nullable=False, default=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    revoked_at = db.Column(db.DateTime)
    last_used_at = db.Column(db.DateTime)

    tokens = db.relationship("ApiToken", back_populates="client", cascade="all, delete-orphan",
                             lazy="dynamic")

    @property
    def is_active(self):
        return self.revoked_at is None

    @property
    def scopes(self):
        return self.scope.split()

    def ip_allowed(self, address):
        # stored as ``services.parse_allowed_ips`` checked them: networks separated by spaces
        networks = [ipaddress.ip_network(part, strict=False) for part in (self.allowed_ips or "").split()]
        if not networks:
            return True
        try:
            ip = ipaddress.ip_address(address or "")
        except ValueError:
            return False
        return any(ip in network for network in networks)

    # --- Authlib ClientMixin -------------------------------------------------------------------
    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return None

    def get_allowed_scope(self, scope):
        """Least privilege: the requested scopes this client holds; all of them when none asked."""
        allowed = self.scopes
        if not scope:
            return " ".join(allowed)
        return " ".join(s for s in scope.split() if s in allowed)

    def check_redirect_uri(self, redirect_uri):
        return False

    def check_client_secret(self, client_secret):
        return hmac.compare_digest(self.secret_hash, digest(client_secret or ""))

    def check_endpoint_auth_method(self, method, endpoint):
        return endpoint == "token" and method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type):
        return False

    def check_grant_type(self, grant_type):
        return grant_type in ("client_credentials", "refresh_token")


class ApiToken(db.Model, TokenMixin):
    __tablename__ = "api_tokens"
    id = db.Column(db.Integer, primary_key=True)
    client_id = db.Column(db.Integer, db.ForeignKey("api_clients.id", ondelete="CASCADE"), nullable=False,
                          index=True)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    scope = db.Column(db.String(255), nullable=False, default="")
    issued_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    expires_at = db.Column(db.DateTime, nullable=False, index=True)
    revoked_at = db.Column(db.DateTime)
    #: The refresh token issued with this access token (its digest): it gets a new pair once, until
    #: ``refresh_expires_at``; using it revokes this row (``app.api.oauth.RefreshTokenGrant``)
    refresh_token_hash = db.Column(db.String(64), unique=True, index=True)
    refresh_expires_at = db.Column(db.DateTime)

    client = db.relationship("ApiClient", back_populates="tokens")

    # --- Authlib TokenMixin --------------------------------------------------------------------
    def check_client(self, client):
        return self.client_id == client.id

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return max(0, int((self.expires_at - self.issued_at).total_seconds()))

    def is_expired(self):
        return utcnow() >= self.expires_at

    def is_revoked(self):
        return self.revoked_at is not None or not self.client.is_active


class IdempotencyKey(db.Model):
    """A client's ``Idempotency-Key`` on ``POST /api/orders`` and the order it made: the same key again
    (the answer was lost, the client retries) answers with that order instead of making a second one.
    Kept ``IDEMPOTENCY_HOURS``."""

    __tablename__ = "api_idempotency_keys"
    __table_args__ = (db.UniqueConstraint("client_id", "key", name="uq_api_idempotency_client_key"),)
    id = db.Column(db.Integer, primary_key=True)
    client_id = db.Column(db.Integer, db.ForeignKey("api_clients.id", ondelete="CASCADE"), nullable=False)
    key = db.Column(db.String(100), nullable=False)
    #: the request body's SHA-256: the same key with another body is a client's mistake, refused
    body_hash = db.Column(db.String(64), nullable=False)
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id", ondelete="CASCADE"), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    order = db.relationship("Order")


class PlatformDelivery(db.Model):
    """A webhook body already processed, so that a replay changes nothing.

    Keyed by what the body says, not by the platform's delivery id: WooCommerce derives that
    id from the webhook id and the current second, so two orders placed in the same second
    arrive with the same one. ``content_key`` is the resource id and a hash of the body.
    """

    __tablename__ = "platform_deliveries"
    __table_args__ = (db.UniqueConstraint("platform", "content_key", name="uq_platform_deliveries_content"),)
    id = db.Column(db.Integer, primary_key=True)
    platform = db.Column(db.String(20), nullable=False)
    content_key = db.Column(db.String(100), nullable=False)
    #: The platform's own delivery id, kept for the log (not unique)
    delivery_id = db.Column(db.String(100))
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id", ondelete="SET NULL"))
    received_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class PlatformCustomer(db.Model):
    """Which customer a shop platform's customer account is (WooCommerce ``customer_id``, Shopify
    ``customer.id``), so that a returning buyer's orders stay together whatever e-mail they give."""

    __tablename__ = "platform_customers"
    __table_args__ = (db.UniqueConstraint("platform", "external_id", name="uq_platform_customers_platform"),)
    id = db.Column(db.Integer, primary_key=True)
    platform = db.Column(db.String(20), nullable=False)
    external_id = db.Column(db.String(64), nullable=False)
    customer_id = db.Column(db.Integer, db.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False,
                            index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    customer = db.relationship("Customer")


class PlatformOrder(db.Model):
    """Which order a shop platform's order became (WooCommerce or Shopify order id)."""

    __tablename__ = "platform_orders"
    __table_args__ = (db.UniqueConstraint("platform", "external_id", name="uq_platform_orders_platform"),)
    id = db.Column(db.Integer, primary_key=True)
    platform = db.Column(db.String(20), nullable=False)
    external_id = db.Column(db.String(64), nullable=False)
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, unique=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    #: When the platform last changed the order, as the newest body applied says (UTC): an older body,
    #: delivered late (platforms do not keep webhooks in order), changes nothing
    modified_at = db.Column(db.DateTime)
    #: What the newest body applied says the store did to the order: "cancelled", "refunded" (in full),
    #: or None. Before the parcel leaves, either cancels the order here; once it is with the carrier,
    #: the order keeps its status and the Attention page lists it (rule "cancelled_in_store").
    withdrawn = db.Column(db.String(10))
    #: When a body first said so (UTC); None while it does not
    withdrawn_at = db.Column(db.DateTime)

    order = db.relationship("Order")


def finished_tokens(now):
    """The condition of the token rows no longer of any use at ``now``: revoked, or both the access
    token and its refresh token expired."""
    return (ApiToken.revoked_at.is_not(None)) | ((ApiToken.expires_at <= now) & (
        ApiToken.refresh_expires_at.is_(None) | (ApiToken.refresh_expires_at <= now)))
