"""Optional error reporting to Sentry (``SENTRY_DSN``), with the customers' data kept out.

Started by the serving entry point (``wsgi.py``), like the scheduler: it runs a sending thread.
Nothing personal leaves: no request bodies, cookies, query strings (signed tracking links), headers
or user, no local variables of the frames, and e-mail addresses and phone numbers in the error
texts are replaced (``scrub``).
"""
import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
PHONE = re.compile(r"\+?\d[\d ()-]{7,}\d")
FILTERED = "[Filtered]"


def _text(value):
    return PHONE.sub(FILTERED, EMAIL.sub(FILTERED, value)) if isinstance(value, str) else value


def scrub(event, hint=None):
    """``before_send``: drop what may hold personal data, mask addresses and numbers in the rest."""
    request = event.get("request")
    if isinstance(request, dict):
        event["request"] = {"method": request.get("method"), "url": _text(request.get("url"))}
    event.pop("user", None)
    for exception in (event.get("exception") or {}).get("values") or []:
        exception["value"] = _text(exception.get("value"))
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            for key in ("vars", "pre_context", "context_line", "post_context"):
                frame.pop(key, None)
    if isinstance(event.get("logentry"), dict):
        event["logentry"]["message"] = _text(event["logentry"].get("message"))
        event["logentry"].pop("params", None)
    event["message"] = _text(event.get("message"))
    for crumb in (event.get("breadcrumbs") or {}).get("values") or []:
        crumb["message"] = _text(crumb.get("message"))
        crumb.pop("data", None)
    return event


def init(app):
    """Start reporting when SENTRY_DSN is set; returns whether it did."""
    dsn = app.config.get("SENTRY_DSN") or ""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration

    sentry_sdk.init(dsn=dsn, integrations=[FlaskIntegration()], send_default_pii=False,
                    include_local_variables=False, include_source_context=False,
                    max_request_body_size="never", before_send=scrub,
                    before_breadcrumb=lambda crumb, hint: scrub({"breadcrumbs": {"values": [crumb]}})
                    ["breadcrumbs"]["values"][0],
                    environment=app.config.get("SENTRY_ENVIRONMENT", "production"),
                    traces_sample_rate=0)
    return True
