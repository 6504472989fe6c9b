"""Managing API clients: list, create (the secret is returned once), revoke."""
import ipaddress
import secrets

from flask_babel import gettext as _

from app.api.models import SCOPES, ApiClient, digest, new_secret
from app.audit import record
from app.clock import utcnow
from app.extensions import db


class ClientInputError(ValueError):
    def __init__(self, field, message):
        self.field, self.message = field, message
        super().__init__(field, message)

    def __str__(self):
        return str(self.message)


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
