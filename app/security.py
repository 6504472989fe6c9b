"""Security headers, cookie flags and the reverse-proxy set-up, in one place.

* A Content Security Policy without ``unsafe-inline``/``unsafe-eval`` on every response. htmx
  works under it because base.html configures it with ``allowEval: false`` (no ``hx-on``, no
  ``js:`` values, no event filters) and ``includeIndicatorStyles: false`` (no inline style).
  Routes under ``/widget/`` are embedded by shops, so their ``frame-ancestors`` is the
  ``WIDGET_FRAME_ANCESTORS`` setting (admin-editable; ``*`` by default) instead of ``'none'``.
* ``nosniff``, a referrer policy, ``X-Frame-Options`` for old browsers, and HSTS only on
  responses that went out over HTTPS (a plain-HTTP ``make run`` must not pin anything).
* Pages with personal data are not stored by caches: ``no-store``, or ``private, no-cache``
  when the view answers with an ETag (the polled partials revalidate with it).
* Cookies are ``HttpOnly`` and ``SameSite=Lax``; ``Secure`` always, never, or — the default
  without ``PREFERRED_URL_SCHEME=https`` — whenever the request itself is HTTPS.
* ``ProxyFix`` with the number of trusted proxies per header from ``PROXY_FIX_X_*`` (0 = off):
  trusting a header no proxy sets would let anyone spoof addresses and defeat rate limits.
"""
import functools
import re
from datetime import timedelta

from flask import abort, current_app, has_request_context, request
from werkzeug.middleware.proxy_fix import ProxyFix

from app import settings
from app.auth import sessions
from app.extensions import csrf

BASE_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    # item pictures come from the shop's own site (order items' image_url); images only
    "img-src": "'self' data: https:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
WIDGET_PREFIX = "/widget/"
#: Paths whose pages show one person's data even without a log-in (signed links, the widget, the
#: lookup). The widget's assets (stylesheet, logo, script) set their own public Cache-Control.
PERSONAL_PREFIXES = ("/account", "/admin", "/orders", "/track", "/t/", "/widget/", "/privacy/")
_SOURCE = re.compile(r"^(\*|'self'|https?://(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?|https?:)$")


def csp(frame_ancestors="'none'"):
    policy = dict(BASE_CSP, **{"frame-ancestors": frame_ancestors})
    return "; ".join(f"{name} {value}" for name, value in policy.items())


def clean_frame_ancestors(value):
    """The valid sources of a space-separated allow-list (``*``, origins); ``'none'`` if empty."""
    sources = [part for part in (value or "").split() if _SOURCE.match(part)]
    return " ".join(sources) or "'none'"


def _widget_frame_ancestors_setting():
    # display-only: with the database down, the last known value (or the built-in default) still lets shops embed
    return settings.get("WIDGET_FRAME_ANCESTORS", "*", display=True)


@functools.lru_cache(maxsize=16)
def _widget_headers(setting):
    """The widget's headers for a value of the setting: a pure function of it, so each value is
    parsed and joined into a policy once, not for every poll of every widget."""
    return (("Content-Security-Policy", csp(clean_frame_ancestors(setting))),) + _COMMON_HEADERS


def _is_personal(req):
    if req.endpoint == "static":
        return False
    return sessions.has_login() or req.path.startswith(PERSONAL_PREFIXES)


#: The headers every page gets unless its view set them: computed once, not per response.
_COMMON_HEADERS = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "strict-origin-when-cross-origin"),
                   ("Cross-Origin-Opener-Policy", "same-origin"))
_PAGE_HEADERS = (("Content-Security-Policy", csp()), ("X-Frame-Options", "DENY")) + _COMMON_HEADERS


def set_headers(response):
    req = request._get_current_object()  # one context look-up, not one per attribute
    headers = response.headers
    present = {name.lower() for name, _value in headers}
    add = _widget_headers(_widget_frame_ancestors_setting()) if req.path.startswith(WIDGET_PREFIX) else _PAGE_HEADERS
    for name, value in add:
        if name.lower() not in present:
            headers.add(name, value)
    if req.is_secure and current_app.config.get("HSTS_SECONDS") and "strict-transport-security" not in present:
        headers.add("Strict-Transport-Security", f"max-age={int(current_app.config['HSTS_SECONDS'])}")
    if "cache-control" not in present and _is_personal(req):
        headers.add("Cache-Control", "private, no-cache" if "etag" in present else "no-store")
    return response


def cookie_secure():
    """Whether a cookie set now gets the ``Secure`` flag."""
    mode = current_app.config.get("COOKIE_SECURE_MODE", "auto")
    if mode == "auto":
        return has_request_context() and request.is_secure
    return mode is True


def _secure_mode(value):
    if value == "auto" or value is None:
        return "auto"
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def _response_class(base):
    class Response(base):
        """Every cookie the app sets gets ``Secure`` whenever ``cookie_secure()`` says so."""

        def set_cookie(self, key, *args, **kwargs):
            if not kwargs.get("secure") and cookie_secure():
                kwargs["secure"] = True
            return super().set_cookie(key, *args, **kwargs)

    return Response


def _proxy_fix(app):
    counts = {name: int(app.config.get(f"PROXY_FIX_X_{name.upper()}", 0) or 0)
              for name in ("for", "proto", "host", "port", "prefix")}
    if any(counts.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=counts["for"], x_proto=counts["proto"],
                                x_host=counts["host"], x_port=counts["port"], x_prefix=counts["prefix"])


NO_BODY_CHECK = ("/api/", "/oauth/", "/carriers/")


def refuse_nul_bytes():
    """A NUL character in a query parameter, form field or JSON body is never meaningful, and
    PostgreSQL refuses to store or even compare it (a 500 otherwise): answer 400 up front."""
    query = request.environ.get("QUERY_STRING", "")
    # a parameter can only hold a NUL written as %00 (or raw): skip parsing the rest
    values = [value for _name, items in request.args.lists() for value in items] \
        if "%00" in query or "\x00" in query else []
    # Form pages only: webhooks and the API verify signatures over the raw body (reading the form
    # here would consume it) and enforce their own body limits; the API's models refuse NUL.
    if request.method in ("POST", "PUT", "PATCH") and not request.path.startswith(NO_BODY_CHECK) \
            and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values.extend(value for _name, items in request.form.lists() for value in items)
    if "\x00" in request.path or any("\x00" in value for value in values):
        abort(400)


def check_request():
    """Before every request: the CSRF token of a request that changes something, then NUL bytes.

    Flask-WTF's own hook (``WTF_CSRF_CHECK_DEFAULT``) looks up the view's exemptions for every
    request before it asks the method (about 9 µs of each GET and poll): here only the methods it
    protects pay for that, and they get exactly its check (``protect`` with the exemptions)."""
    config = current_app.config
    if request.method in config["WTF_CSRF_METHODS"] and config["WTF_CSRF_ENABLED"]:
        csrf.protect(apply_exemptions=True)
    refuse_nul_bytes()


def init_app(app):
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # check_request does it
    app.before_request(check_request)
    mode = _secure_mode(app.config.get("SESSION_COOKIE_SECURE", "auto"))
    app.config["COOKIE_SECURE_MODE"] = mode
    # Flask and Flask-Login read these as booleans; "auto" is applied per cookie by Response.
    app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = mode is True
    app.config["SESSION_COOKIE_HTTPONLY"] = app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = app.config["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    app.config["REMEMBER_COOKIE_DURATION"] = timedelta(days=int(app.config.get("REMEMBER_COOKIE_DAYS", 30)))
    app.response_class = _response_class(app.response_class)
    _proxy_fix(app)
    app.after_request(set_headers)
