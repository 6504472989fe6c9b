"""The API's plumbing: one decorator declares a resource (path, scope, request and response
models) and does the Bearer-token check, the per-client rate limit and the input validation.

The same declarations feed the OpenAPI document, so what is documented is what is enforced.
"""
import math
import re
import time
from dataclasses import dataclass
from functools import wraps

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import MissingAuthorizationError
from authlib.oauth2.rfc6750 import InsufficientScopeError
from flask import Blueprint, current_app, g, request
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from pydantic import BaseModel, ValidationError

from app.api.oauth import require_oauth
from app.clock import utcnow
from app.errors import problem
from app.extensions import csrf, db, limiter

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)


@dataclass
class Route:
    rule: str
    method: str
    endpoint: str
    summary: str
    description: str
    tag: str
    scope: str | None
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    errors: tuple = ()
    headers: tuple = ()
    raw_body: bool = False


ROUTES: list[Route] = []


class ApiError(Exception):
    """A problem+json answer raised from a view or service adapter."""

    def __init__(self, status, title, detail=None, headers=None, code=None, **extra):
        """``code``: its machine code (``app.errors.PROBLEM_CODES``), when not the usual one of ``status``."""
        self.status, self.title, self.detail, self.headers, self.extra = status, title, detail, headers or {}, extra
        self.code = code
        super().__init__(status, title)

    def response(self):
        result = problem(self.status, self.title, self.detail, code=self.code, **self.extra)
        result.headers.update(self.headers)
        return result


def field_path(loc):
    """("items", 0, "price") → "items[0].price"."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += ("." if path else "") + str(part)
    return path or "body"


def _error_detail(error):
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("Unknown field.")
    if kind in ("literal_error", "enum"):
        # pydantic joins the last two with an English "or": a comma reads right in every language
        return _("Choose one of: %(choices)s.", choices=ctx.get("expected", "").replace("' or '", "', '"))
    if kind in ("string_too_long", "too_long"):
        return _("Too long: at most %(n)s.", n=ctx.get("max_length", ""))
    if kind in ("string_too_short", "too_short"):
        return _("Too short: at least %(n)s.", n=ctx.get("min_length", ""))
    if kind == "string_pattern_mismatch":
        return _("The value has the wrong format.")
    if kind in ("greater_than_equal", "greater_than", "less_than", "less_than_equal"):
        return _("The number is out of range.")
    if kind.endswith("_type") or kind.endswith("_parsing") or kind == "union_tag_invalid":
        return _("Wrong type or format for this field.")
    return _("This value is not valid.")


# How pydantic names the branch of a union inside an error's location ("constrained-str",
# "constrained-float", "function-after[...]", "literal[...]", "str"): not a field of the body.
_UNION_BRANCH = re.compile(r"^(?:constrained-[a-z]+|[a-z-]+\[.*\]|str|int|float|bool|none)$",
                           re.DOTALL)


def _most_telling(errors):
    """Of one field's errors (one per branch of a union), the one that says what is wrong: a price of
    -5 is "out of range" for the number branch, not "wrong type" for the text branch."""
    return next((e for e in errors if not e.get("type", "").endswith("_type")), errors[0])


def validation_problem(errors):
    """One entry per invalid field, however many union branches rejected it."""
    by_field = {}
    for error in errors:
        loc = list(error.get("loc", ()))
        unknown = loc[-1:] if error.get("type") == "extra_forbidden" else []  # a field the client sent, as sent
        path = field_path([p for p in loc[:len(loc) - len(unknown)]
                           if not (isinstance(p, str) and _UNION_BRANCH.match(p))] + unknown)
        by_field.setdefault(path, []).append(error)
    items = [{"field": path, "detail": str(_error_detail(_most_telling(group)))} for path, group in by_field.items()]
    return ApiError(422, _("The request has invalid fields."),
                    _("Fix the fields listed in errors and send the request again."), errors=items)


def parse_body(model):
    """Validate the JSON body against ``model``; bad JSON is 400, bad fields 422."""
    if not request.mimetype or request.mimetype.split(";")[0] not in ("application/json",) \
            and not request.mimetype.endswith("+json"):
        raise ApiError(415, _("Send the body as JSON."), _("Use the header Content-Type: application/json."))
    raw = request.get_data(cache=True)
    try:
        return model.model_validate_json(raw or b"")
    except ValidationError as error:
        errors = error.errors(include_url=False)
        if any(e.get("type") == "json_invalid" for e in errors) or not raw:
            raise ApiError(400, _("The body is not valid JSON."), _("Send one JSON object encoded in UTF-8."),
                           code="invalid_json")
        if errors and errors[0].get("type") == "model_type" and not errors[0].get("loc"):
            raise ApiError(400, _("The body is not a JSON object."), _("Send one JSON object encoded in UTF-8."),
                           code="invalid_json")
        raise validation_problem(errors)


#: Query parameters every endpoint with a query takes besides its own, and ignores: ``access_token``
#: (RFC 6750 §2.3; some client libraries add it next to the Authorization header, which alone
#: authenticates here) and ``_`` (the cache-buster jQuery and others append).
IGNORED_QUERY_PARAMS = frozenset({"access_token", "_"})


def parse_query(model):
    """The query string as ``model``: a parameter it does not know is 400 ``unknown_parameter`` (a typo
    such as ``staus`` answered everything), a value it cannot use 400 ``invalid_query``."""
    unknown = [name for name in dict.fromkeys(request.args)
               if name not in model.model_fields and name not in IGNORED_QUERY_PARAMS]
    if unknown:
        raise ApiError(400, _("The query has unknown parameters."),
                       _("Remove or correct %(unknown)s. This request takes: %(known)s.",
                         unknown=", ".join(unknown), known=", ".join(model.model_fields)),
                       code="unknown_parameter",
                       errors=[{"field": name, "detail": str(_("Unknown parameter."))} for name in unknown])
    data = {name: request.args.get(name) for name in model.model_fields if request.args.get(name) not in (None, "")}
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problem_ = validation_problem(error.errors(include_url=False))
        problem_.status = 400
        problem_.title = _("The query has invalid parameters.")
        problem_.code = "invalid_query"
        raise problem_


# ---- authentication and rate limit -------------------------------------------------------------

def _bearer_problem(status, title, detail, code, error=None, scope=None):
    challenge = 'Bearer realm="api"'
    if error:
        challenge += f', error="{error}"'
    if scope:
        challenge += f', scope="{scope}"'
    return ApiError(status, title, detail, headers={"WWW-Authenticate": challenge}, code=code)


def authenticate(scope):
    """The API client of a valid Bearer token holding ``scope``; the session cookie counts for nothing."""
    try:
        token = require_oauth.acquire_token([scope] if scope else None)
    except MissingAuthorizationError:
        raise _bearer_problem(401, _("An access token is required."),
                              _("Send Authorization: Bearer <token> from POST /oauth/token."), "token_required")
    except InsufficientScopeError:
        raise _bearer_problem(403, _("The token lacks the scope for this request."),
                              _("This request needs the scope %(scope)s.", scope=scope), "insufficient_scope",
                              error="insufficient_scope", scope=scope)
    except OAuth2Error:
        raise _bearer_problem(401, _("The access token is invalid, expired or revoked."),
                              _("Get a new token from POST /oauth/token."), "invalid_token", error="invalid_token")
    client = token.client
    if not client.ip_allowed(request.remote_addr):
        raise ApiError(403, _("Requests from this address are not allowed for this client."),
                       _("Ask the shop's administrator to add the address to the client's allow-list."),
                       code="address_not_allowed")
    g.api_client = client
    return client


def client_key():
    client = g.get("api_client")
    return f"api-client:{client.id}" if client is not None else f"api-ip:{request.remote_addr}"


def api_rate_limit():
    return current_app.config.get("API_RATE_LIMIT", "120 per minute")


def _rate_limited():
    """429 with Retry-After from the limit that was hit."""
    current = limiter.current_limit
    retry = 60
    if current is not None:
        retry = max(1, math.ceil(current.reset_at - time.time()))
    if current is None:
        detail = _("This client sent more requests than it may (%(limit)s). Try again in %(n)d seconds.",
                   limit=api_rate_limit(), n=retry)
    else:  # in numbers: the limit's own words ("120 per 1 minute") are English
        detail = _("This client sent more than %(amount)d requests in %(seconds)d seconds. Try again in %(n)d "
                   "seconds.", amount=current.limit.amount, seconds=current.limit.get_expiry(), n=retry)
    return ApiError(429, _("Too many requests."), detail, headers={"Retry-After": str(retry)})


def resource(rule, method, *, summary, description="", tag="shipments", scope=None, body=None, query=None,
             response=None, status=200, errors=(), public=False, headers=(), raw_body=False):
    """Declare an API resource; the view gets the client and the parsed ``data`` / ``query``."""

    def decorator(view):
        limited = limiter.limit(api_rate_limit, key_func=client_key)(view)

        @wraps(view)
        def wrapper(**kwargs):
            try:
                client = None if public else authenticate(scope)
                if query is not None:
                    kwargs["query"] = parse_query(query)
                if body is not None:
                    kwargs["data"] = parse_body(body)
                if public:
                    return view(**kwargs)
                try:
                    return limited(client, **kwargs)
                except RateLimitExceeded:
                    raise _rate_limited()
            except ApiError as error:
                db.session.rollback()
                return error.response()

        bp.add_url_rule(rule, endpoint=view.__name__, view_func=wrapper, methods=[method])
        ROUTES.append(Route(rule=rule, method=method.lower(), endpoint=view.__name__, summary=summary,
                            description=description, tag=tag, scope=None if public else scope, body=body,
                            query=query, response=response, status=status, errors=tuple(errors),
                            headers=tuple(headers), raw_body=raw_body))
        return wrapper

    return decorator


def touch_client(client):
    client.last_used_at = utcnow()
