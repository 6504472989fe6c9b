"""Structured logs: one line per event, as text or JSON lines (``LOG_FORMAT=json``).

Every line carries the request id (the proxy's ``X-Request-ID`` when it is sane, else a new
one; sent back in the response), and each request ends with one access line naming the route
pattern rather than the raw path, so signed-link tokens never reach the log. Secret values
(the secret key, SMTP and carrier credentials, any secret setting the app decrypts, and the
database password) are replaced by ``***`` in every line before it is written.

Lines to the process's stderr (``wsgi.py``) are written by a thread of their own: a request only
queues its record, and never waits for the log's lock or stream (with eight request threads,
writing under one lock cut the requests a second by three); ``flush()`` waits for what is queued.
"""
import atexit
import copy
import json
import logging
import logging.handlers
import os
import queue
import re
import sys
import threading
import time

from flask import has_request_context, request

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
SECRET_CONFIG_NAMES = ("SECRET_KEY", "SMTP_PASSWORD", "NOVAPOSHTA_API_KEY", "UKRPOSHTA_TOKEN", "MEEST_PASSWORD",
                       "DHL_API_KEY", "INPOST_TOKEN")
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
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            body["exception"] = record.exc_text
        return redact(json.dumps(body, ensure_ascii=False, default=str))


JSONFormatter.converter = time.gmtime
TextFormatter.converter = time.gmtime


class _Enqueue(logging.handlers.QueueHandler):
    """Queues a record for the writer thread, with what the request's thread must do itself: the
    request id (set by the filter) and the message with its arguments and exception as text (the
    writer must not read objects the request may change or drop later)."""

    def handle(self, record):
        # as logging.Handler.handle, without the handler's lock: putting into a SimpleQueue is safe
        # from any thread, and eight request threads queueing through one lock wait on each other
        if self.filter(record):
            self.emit(record)
            return True
        return False

    def prepare(self, record):
        record = copy.copy(record)
        record.msg, record.args = record.getMessage(), None
        if record.exc_info:
            record.exc_text = record.exc_text or _PLAIN.formatException(record.exc_info)
            record.exc_info = None
        return record


class _Writer(logging.handlers.QueueListener):
    """The writer thread; an ``Event`` in the queue is set once everything before it is written."""

    def handle(self, record):
        if isinstance(record, threading.Event):
            record.set()
        else:
            super().handle(record)


_PLAIN = logging.Formatter()
_writer = None


def flush(timeout=5.0):
    """Wait until the lines queued so far are written (tests; the end of the process)."""
    if _writer is not None:
        done = threading.Event()
        _writer.queue.put(done)
        done.wait(timeout)


def _stop_writer():
    global _writer
    if _writer is not None:
        writer, _writer = _writer, None
        writer.stop()  # writes what is left, then ends the thread


atexit.register(_stop_writer)


def configure(app, stream=None):
    """Send the app's log lines (and waitress's) to stderr in the configured format, written by a
    thread of their own; to ``stream`` instead (tests), they are written at once by the caller."""
    global _writer
    _redact_config(app)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == HANDLER_NAME:
            root.removeHandler(handler)
    _stop_writer()
    output = logging.StreamHandler(stream or sys.stderr)
    output.setFormatter(JSONFormatter() if app.config.get("LOG_FORMAT", "text") == "json" else TextFormatter())
    if stream is None:
        handler = _Enqueue(queue.SimpleQueue())
        _writer = _Writer(handler.queue, output)
        _writer.start()
    else:
        handler = output
    handler.set_name(HANDLER_NAME)
    handler.addFilter(_ContextFilter())
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
