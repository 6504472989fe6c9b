"""One error format per audience: problem+json under /api, a fragment for htmx, a page otherwise."""
import logging
from contextlib import suppress

from flask import current_app, g, got_request_exception, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from app.extensions import db
from app.htmx import is_partial_request
from app.queryargs import BadQueryArg


class Refused(Exception):
    """Something a person asked for that cannot be done; ``str()`` is the translated message shown
    to them (a lazy string is translated when shown, in the reader's language)."""

    def __init__(self, message):
        self.message = message
        super().__init__(message)

    def __str__(self):
        return str(self.message)


class FieldRefused(ValueError):
    """Input a service refuses; ``field`` names the offending input, ``str()`` is the translated message."""

    def __init__(self, field, message):
        self.field, self.message = field, message
        super().__init__(field, message)

    def __str__(self):
        return str(self.message)


log = logging.getLogger(__name__)


def _titles():
    return {
        400: _("The request could not be understood."),
        403: _("You do not have access to this page."),
        404: _("Page not found"),
        405: _("This action is not allowed here."),
        413: _("The request is too large."),
        429: _("Too many attempts"),
        500: _("Something went wrong on our side"),
        503: _("The service is temporarily unavailable"),
    }


def _details():
    return {
        403: _("If you think you should see it, ask the shop's administrator."),
        404: _("There is no such page or order. Check the address or the order number."),
        429: _("Please wait a little and try again."),
        500: _("We have recorded the error. Please try again in a minute."),
        503: _("The database cannot be reached right now. Please try again in a minute."),
    }


#: The stable machine codes of the API's problem+json answers (its ``code`` member): code → (the HTTP status
#: it comes with, what it means). A client branches on ``code``, never on the translated ``title``. The
#: OpenAPI document's ``Problem`` schema lists these, and README.md ("REST API") explains them.
PROBLEM_CODES = {
    "bad_request": (400, "The request could not be read."),
    "invalid_json": (400, "The body is not valid JSON, or not one JSON object."),
    "invalid_query": (400, "A query parameter has a value this endpoint cannot use; each is named in errors."),
    "unknown_parameter": (400, "A query parameter this endpoint does not know (a typo such as staus); "
                               "each is named in errors."),
    "invalid_header": (400, "A request header has a value this endpoint cannot use (an Idempotency-Key "
                            "over 100 characters)."),
    "token_required": (401, "No Bearer token was sent."),
    "invalid_token": (401, "The Bearer token is unknown, expired or revoked."),
    "invalid_signature": (401, "A platform webhook's signature is missing or wrong."),
    "insufficient_scope": (403, "The token lacks the scope this request needs."),
    "address_not_allowed": (403, "The request comes from an address outside the client's allow-list."),
    "forbidden": (403, "Not allowed."),
    "not_found": (404, "No such resource, or not one this client may see."),
    "method_not_allowed": (405, "The path exists, not with this method (see Allow)."),
    "illegal_transition": (409, "The order's status cannot move to the one asked for; current_status and "
                                "allowed say where it may go."),
    "tracking_number_taken": (409, "Another shipment of this carrier already has this tracking number."),
    "payload_too_large": (413, "The body is larger than the API takes."),
    "unsupported_media_type": (415, "The body is not sent as JSON."),
    "validation_failed": (422, "Fields of the body are invalid; each is named in errors."),
    "idempotency_conflict": (422, "This Idempotency-Key was used with another body."),
    "rate_limited": (429, "Too many requests from this client; see Retry-After."),
    "internal_error": (500, "An error on the server's side."),
    "unavailable": (503, "The database cannot be reached; see Retry-After."),
    # POST /oauth/token: the OAuth2 error (RFC 6749 §5.2), also in the answer's ``error`` member
    "invalid_request": (400, "Token request: a parameter is missing or repeated."),
    "invalid_client": (401, "Token request: unknown or revoked client, wrong secret, or an address the "
                            "client may not use."),
    "invalid_grant": (400, "Token request: the refresh token is unknown, used, revoked or expired."),
    "unauthorized_client": (400, "Token request: this client may not use this grant."),
    "unsupported_grant_type": (400, "Token request: use client_credentials or refresh_token."),
    "invalid_scope": (400, "Token request: a scope the client does not hold."),
}

#: The code of a problem whose raiser names none: what its status means when nothing more is said
_CODE_OF_STATUS = {400: "bad_request", 401: "invalid_token", 403: "forbidden", 404: "not_found",
                   405: "method_not_allowed", 413: "payload_too_large", 415: "unsupported_media_type",
                   422: "validation_failed", 429: "rate_limited", 500: "internal_error", 503: "unavailable"}


def problem(status, title, detail=None, *, code=None, **extra):
    """An ``application/problem+json`` answer (RFC 9457). Every one carries a ``code`` from
    ``PROBLEM_CODES``: the one given, else the usual one of ``status``."""
    code = code or _CODE_OF_STATUS.get(status) or ("bad_request" if status < 500 else "internal_error")
    if code not in PROBLEM_CODES:
        raise ValueError(f"unknown problem code {code!r}: add it to PROBLEM_CODES")
    body = {"type": "about:blank", "title": str(title), "status": status, "code": code}
    if detail:
        body["detail"] = str(detail)
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def render_error(code, detail=None, back=None):
    g.rendering_error_page = True  # settings may answer from their last copy (the database may be down)
    title = _titles().get(code, _("Error"))
    detail = detail or _details().get(code, "")
    if request.path.startswith(("/api/", "/oauth/")):  # the API's clients read problem+json
        return problem(code, title, detail)
    template = "errors/_error.html" if is_partial_request() else "errors/error.html"
    return render_template(template, code=code, title=title, detail=detail, back=back), code


def init_app(app):
    @app.errorhandler(HTTPException)
    def _http_error(error):
        code = error.code or 500
        detail = _("The form has expired. Reload the page and try again.") if isinstance(error, CSRFError) else None
        if isinstance(error, BadQueryArg):
            detail = error.detail
        if code == 429 and error.response is not None:
            return error.response  # the limited view's own page (its ``on_breach``): the look-up form again
        response = make_response(render_error(code, detail, getattr(error, "back", None)))
        if code == 405 and getattr(error, "valid_methods", None):
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    def _database_down(error):
        # The class name only: the message may carry the connection string.
        log.error("database unavailable: %s", error.__class__.__name__)
        with suppress(Exception):
            db.session.rollback()
        response = make_response(render_error(503))
        response.headers["Retry-After"] = "30"
        return response

    for error_class in (OperationalError, InterfaceError, PoolTimeout):
        app.register_error_handler(error_class, _database_down)

    @app.errorhandler(Exception)
    def _unexpected(error):
        if isinstance(error, HTTPException):
            return _http_error(error)
        log.exception("unhandled error on %s %s", request.method, request.path)
        # Flask skips this signal once a handler catches Exception; error reporters (Sentry) listen to it
        got_request_exception.send(current_app._get_current_object(), exception=error)
        with suppress(Exception):
            db.session.rollback()
        return render_error(500)
