"""Structured logs: one line per event, as text or JSON lines (``LOG_FORMAT=json``).

Every line carries the request id (the proxy's ``X-Request-ID`` when it is sane, else a new
one; sent back in the response), and each request ends with one access line naming the route
pattern rather than the raw path, so signed-link tokens never reach the log. Secret values
(the secret key, SMTP and carrier credentials, any secret setting the app decrypts, and the
database password) are replaced by ``***`` in every line before it is written.
"""
import json
import logging
import re
import sys
import threading
import time
import uuid

from flask import has_request_context, request

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
SECRET_CONFIG_NAMES = ("SECRET_KEY", "SMTP_PASSWORD", "NOVAPOSHTA_API_KEY", "UKRPOSHTA_TOKEN", "MEEST_PASSWORD",
                       "DHL_API_KEY", "INPOST_TOKEN")
_secrets = set()
_secrets_lock = threading.Lock()
HANDLER_NAME = "posylka"


def redact_value(value):
    """Never let ``value`` appear in a log line (called for every secret the app reads)."""
    if value and len(str(value)) >= 6:
        with _secrets_lock:
            _secrets.add(str(value))


def redact(text):
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, "***")
    return text


def request_id():
    if not has_request_context():
        return None
    value = request.environ.get("posylka.request_id")
    if value is None:
        incoming = request.headers.get("X-Request-ID", "")
        value = request.environ["posylka.request_id"] = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
    return value


class _ContextFilter(logging.Filter):
    def filter(self, record):
        record.request_id = request_id() or "-"
        return True


class TextFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record):
        return redact(super().format(record))


class JSONFormatter(logging.Formatter):
    FIELDS = ("method", "route", "status", "duration_ms", "remote_addr", "user_id")

    def format(self, record):
        body = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
                "level": record.levelname, "logger": record.name, "message": record.getMessage(),
                "request_id": getattr(record, "request_id", "-")}
        for name in self.FIELDS:
            if hasattr(record, name):
                body[name] = getattr(record, name)
        if record.exc_info:
            body["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(body, ensure_ascii=False, default=str))


JSONFormatter.converter = time.gmtime
TextFormatter.converter = time.gmtime


def configure(app, stream=None):
    """Send the app's log lines (and waitress's) to stderr in the configured format."""
    _redact_config(app)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == HANDLER_NAME:
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.addFilter(_ContextFilter())
    handler.setFormatter(JSONFormatter() if app.config.get("LOG_FORMAT", "text") == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    # APScheduler says INFO for every run of every job (several a minute); our jobs log their own
    # summary when they did something.
    logging.getLogger("apscheduler").setLevel(app.config.get("SCHEDULER_LOG_LEVEL", "WARNING"))
    # Alembic's logging.fileConfig() disables loggers that existed before a migration ran in
    # this process; ours must keep working after an in-process ``db upgrade``.
    for name, logger in logging.root.manager.loggerDict.items():
        if isinstance(logger, logging.Logger) and name.split(".")[0] in ("app", "posylka", "waitress"):
            logger.disabled = False
    return handler


access_log = logging.getLogger("posylka.access")


def _redact_config(app):
    for name in SECRET_CONFIG_NAMES:
        redact_value(app.config.get(name))
    try:
        from sqlalchemy.engine import make_url

        redact_value(make_url(app.config.get("SQLALCHEMY_DATABASE_URI") or "").password)
    except Exception:  # not a URL yet; nothing to hide
        pass


def init_app(app):
    _redact_config(app)

    @app.before_request
    def _start_timer():
        request.environ["posylka.started"] = time.perf_counter()
        request_id()

    @app.after_request
    def _access_line(response):
        response.headers.setdefault("X-Request-ID", request_id())
        if request.endpoint == "static":
            return response
        started = request.environ.get("posylka.started")
        route = request.url_rule.rule if request.url_rule is not None else "(no route)"
        access_log.info("%s %s %s", request.method, route, response.status_code, extra={
            "method": request.method, "route": route, "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
            "remote_addr": request.remote_addr})
        return response
