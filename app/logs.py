"""Structured logs: one line per event, as text or JSON lines (``LOG_FORMAT=json``).

Every line carries the request id (the proxy's ``X-Request-ID`` when it is sane, else a new
one; sent back in the response), and each request ends with one access line naming the route
pattern rather than the raw path, so signed-link tokens never reach the log. Secret values
(the secret key, SMTP and carrier credentials, any secret setting the app decrypts, and the
database password) are replaced by ``***`` in every line before it is written.

Lines to the process's stderr (``wsgi.py``) go through the standard library's ``QueueHandler``
and are written by its ``QueueListener`` thread: a request never waits for the stream. JSON lines
are made by python-json-logger.
"""
import atexit
import logging
import logging.handlers
import os
import queue
import re
import sys
import threading
import time
from contextlib import suppress

from flask import has_request_context, request
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy.engine import make_url

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
SECRET_CONFIG_NAMES = ("SECRET_KEY", "SMTP_PASSWORD", "NOVAPOSHTA_API_KEY", "UKRPOSHTA_TOKEN", "MEEST_PASSWORD",
                       "DHL_API_KEY", "INPOST_TOKEN", "TELEGRAM_BOT_TOKEN", "VIBER_BOT_TOKEN", "SENTRY_DSN",
                       "MAGENTO_TOKEN", "PRESTASHOP_KEY", "SHOPIFY_ACCESS_TOKEN", "WOOCOMMERCE_SECRET")
_secrets = set()
_secrets_lock = threading.Lock()
#: The secrets, longest first (a secret inside a longer one must not leave part of it behind);
#: sorted when one is added rather than for every line.
_secrets_by_length = ()
HANDLER_NAME = "posylka"


def redact_value(value):
    """Never let ``value`` appear in a log line (called for every secret the app reads)."""
    global _secrets_by_length
    if value and len(str(value)) >= 6:
        with _secrets_lock:
            if str(value) not in _secrets:
                _secrets.add(str(value))
                _secrets_by_length = tuple(sorted(_secrets, key=len, reverse=True))


def redact(text):
    for secret in _secrets_by_length:
        if secret in text:
            text = text.replace(secret, "***")
    return text


def request_id():
    if not has_request_context():
        return None
    environ = request.environ
    value = environ.get("posylka.request_id")
    if value is None:
        incoming = environ.get("HTTP_X_REQUEST_ID", "")
        value = environ["posylka.request_id"] = incoming if _REQUEST_ID.match(incoming) else os.urandom(16).hex()
    return value


class _ContextFilter(logging.Filter):
    def filter(self, record):
        record.request_id = request_id() or "-"
        return True


class TextFormatter(logging.Formatter):
    converter = time.gmtime

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record):
        return redact(super().format(record))


class JSONFormatter(JsonFormatter):
    """python-json-logger's formatter: a record's ``extra`` fields (the access line's method,
    route, status, ...) become keys of their own."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                         rename_fields={"asctime": "time", "levelname": "level", "name": "logger",
                                        "exc_info": "exception"},
                         json_ensure_ascii=False)

    def formatTime(self, record, datefmt=None):
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z"

    def format(self, record):
        return redact(super().format(record))


_listener = None


def flush(timeout=5.0):
    """Wait until the lines queued so far are written (tests; the end of the process)."""
    if _listener is not None:
        deadline = time.monotonic() + timeout
        while not _listener.queue.empty() and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.02)  # the line taken last is being written


def _stop_listener():
    global _listener
    if _listener is not None:
        listener, _listener = _listener, None
        listener.stop()  # writes what is left, then ends the thread


atexit.register(_stop_listener)


class _SkippedTick(logging.Filter):
    """APScheduler warns when a job is still running at its next tick ("skipped: maximum number of
    running instances reached"): a long carrier sync, a busy machine. Every job runs one at a time by
    design (``max_instances=1``) and logs its own outcome, so that tick is meant to be skipped; the
    warning only alarmed people reading the console. It is kept at INFO, for SCHEDULER_LOG_LEVEL=INFO."""

    def filter(self, record):
        if record.levelno == logging.WARNING and "maximum number of running" in str(record.msg):
            record.levelno, record.levelname = logging.INFO, "INFO"
            return logging.getLogger("apscheduler").isEnabledFor(logging.INFO)
        return True


def configure(app, stream=None, queued=False):
    """Send the app's log lines (and waitress's) to ``stream`` (stderr) in the configured format.
    ``queued`` (the serving process): the request's thread only queues a line, and a
    ``QueueListener`` thread writes it; otherwise (a CLI command, tests) the caller writes it."""
    global _listener
    _redact_config(app)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == HANDLER_NAME:
            root.removeHandler(handler)
    _stop_listener()
    formatter = JSONFormatter() if app.config.get("LOG_FORMAT", "text") == "json" else TextFormatter()
    output = logging.StreamHandler(stream or sys.stderr)
    if queued:
        # the line is made (and redacted) in the logging thread, which still holds the request's
        # context; the listener's thread only writes it
        handler = logging.handlers.QueueHandler(queue.SimpleQueue())
        handler.setFormatter(formatter)
        output.setFormatter(logging.Formatter("%(message)s"))
        _listener = logging.handlers.QueueListener(handler.queue, output)
        _listener.start()
    else:
        handler = output
        output.setFormatter(formatter)
    handler.set_name(HANDLER_NAME)
    handler.addFilter(_ContextFilter())
    root.addHandler(handler)
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    # APScheduler says INFO for every run of every job (several a minute); our jobs log their own
    # summary when they did something.
    logging.getLogger("apscheduler").setLevel(app.config.get("SCHEDULER_LOG_LEVEL", "WARNING"))
    overlap = logging.getLogger("apscheduler.scheduler")
    if not any(isinstance(f, _SkippedTick) for f in overlap.filters):
        overlap.addFilter(_SkippedTick())
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
    with suppress(Exception):  # not a URL yet: nothing to hide
        redact_value(make_url(app.config.get("SQLALCHEMY_DATABASE_URI") or "").password)


def init_app(app):
    _redact_config(app)

    @app.before_request
    def _start_timer():
        request.environ["posylka.started"] = time.perf_counter()
        request_id()

    @app.after_request
    def _access_line(response):
        req = request._get_current_object()  # one context look-up, not one per attribute
        if not any(name.lower() == "x-request-id" for name, _value in response.headers):
            response.headers.add("X-Request-ID", request_id())
        if req.endpoint == "static" or not access_log.isEnabledFor(logging.INFO):
            return response
        started = req.environ.get("posylka.started")
        route = req.url_rule.rule if req.url_rule is not None else "(no route)"
        # the record is made here rather than by access_log.info(), which would also walk the
        # stack for the caller's file and line: the same for every access line, and never shown
        access_log.handle(access_log.makeRecord(
            access_log.name, logging.INFO, __file__, 0, "%s %s %s", (req.method, route, response.status_code),
            None, func="access", extra={
                "method": req.method, "route": route, "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
                "remote_addr": req.remote_addr}))
        return response
