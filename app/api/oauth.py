"""OAuth2 for the API (Authlib): the client-credentials and refresh-token grants at ``POST /oauth/token``.

Access tokens live at most an hour (``API_TOKEN_SECONDS``; Authlib's own default for this grant
is ten days). Each comes with a refresh token (the product's contract offers both grants; RFC 6749
§4.4.3 only advises against it for this grant), which gets a new pair once, for
``API_REFRESH_TOKEN_DAYS``: using it revokes the pair it came with. A client may as well ask with its
credentials again. Errors keep OAuth2's ``error`` and ``error_description`` members inside a
problem+json body.
"""
import json

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import InvalidScopeError, grants
from authlib.oauth2.rfc6750 import BearerTokenGenerator, BearerTokenValidator
from flask import Blueprint, current_app, request
from flask_babel import gettext as _

from app.api import services
from app.api.models import SCOPES, new_secret
from app.clock import utcnow
from app.errors import PROBLEM_CODES, problem
from app.extensions import csrf, db

MAX_TOKEN_SECONDS = 3600


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    # RFC 6749 §2.3.1 allows the secret in the body too, though Basic is preferred.
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def validate_token_request(self):
        super().validate_token_request()
        asked = set((self.request.payload.scope or "").split())
        if not asked <= set(self.request.client.scopes):
            raise InvalidScopeError()

    def create_token_response(self):
        # as Authlib's, with a refresh token (``include_refresh_token=False`` there)
        token = self.generate_token(scope=self.request.payload.scope, include_refresh_token=True)
        self.save_token(token)
        return 200, token, self.TOKEN_RESPONSE_HEADER


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
    INCLUDE_NEW_REFRESH_TOKEN = True  # each refresh token works once: the new pair has its own

    def authenticate_refresh_token(self, refresh_token):
        return services.token_for_refresh(refresh_token)

    def authenticate_user(self, credential):
        return credential.client  # no resource owner in these grants: the client acts for itself

    def revoke_old_credential(self, credential):
        credential.revoked_at = utcnow()  # the access token it came with too
        db.session.commit()


def token_seconds():
    return max(60, min(int(current_app.config.get("API_TOKEN_SECONDS", MAX_TOKEN_SECONDS)), MAX_TOKEN_SECONDS))


def _query_client(client_id):
    return services.active_client(client_id, request.remote_addr)


def refresh_days():
    return max(1, int(current_app.config.get("API_REFRESH_TOKEN_DAYS", 30)))


def _save_token(token, oauth_request):
    services.store_token(oauth_request.client, token["access_token"], token.get("scope", ""), int(token["expires_in"]),
                         token.get("refresh_token"), refresh_days())
    db.session.commit()


class HashedBearerTokenValidator(BearerTokenValidator):
    def authenticate_token(self, token_string):
        return services.token_for(token_string)


authorization = AuthorizationServer()
require_oauth = ResourceProtector()
require_oauth.register_token_validator(HashedBearerTokenValidator())

bp = Blueprint("oauth", __name__, url_prefix="/oauth")
csrf.exempt(bp)


@bp.route("/token", methods=["POST"])
def token():
    response = authorization.create_token_response()
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    if response.status_code < 400:
        return response
    try:
        body = json.loads(response.get_data(as_text=True) or "{}")
    except ValueError:
        body = {}
    error = body.get("error", "invalid_request")
    result = problem(response.status_code, _("The token request was refused."), _token_error_detail(error),
                     code=error if error in PROBLEM_CODES else "invalid_request",  # the OAuth2 error is the code
                     error=error, error_description=body.get("error_description", ""))
    for name in ("WWW-Authenticate", "Cache-Control", "Pragma"):
        if name in response.headers:
            result.headers[name] = response.headers[name]
    return result


def _token_error_detail(error):
    return {
        "invalid_client": _("Unknown or revoked client, wrong secret, or a request from an address the client "
                            "may not use."),
        "unsupported_grant_type": _("Use grant_type=client_credentials, or grant_type=refresh_token with the "
                                    "refresh token of your last token."),
        "invalid_grant": _("The refresh token is unknown, used already, revoked or expired: ask for a new token "
                           "with grant_type=client_credentials."),
        "invalid_scope": _("Ask for read:shipments and/or write:shipments."),
        "unauthorized_client": _("This client may not use this grant."),
    }.get(error, _("Send grant_type=client_credentials with the client id and secret (HTTP Basic)."))


def init_app(app):
    app.config.setdefault("OAUTH2_SCOPES_SUPPORTED", list(SCOPES))
    authorization.init_app(app, query_client=_query_client, save_token=_save_token)
    authorization.register_token_generator(
        "default", BearerTokenGenerator(lambda **_kw: new_secret(), refresh_token_generator=lambda **_kw: new_secret(),
                                        expires_generator=lambda *_a: token_seconds()))
    authorization.register_grant(ClientCredentialsGrant)
    authorization.register_grant(RefreshTokenGrant)
