"""HTTP for carrier adapters: a deadline on every call, retries with exponential backoff and full
jitter on 429/5xx/timeouts, ``Retry-After`` honoured, and a per-carrier rate limit.

The deadline (``CARRIER_TIMEOUT_SECONDS``) covers the whole call: connecting (at most
``CARRIER_CONNECT_TIMEOUT_SECONDS`` of it), sending, and reading the status line, headers and
body. urllib3's own timeouts apply to each socket operation, so an answer trickling a chunk a
second would keep a call open for ever; a timer shuts the socket at the deadline instead.

Waits inside one call stay small and bounded (``backoff_max``); a carrier that needs a longer
pause makes the call fail, and the circuit breaker and the next sync take it from there.
"""
import json
import random
import socket
import threading
import time
from email.utils import parsedate_to_datetime
from urllib.parse import urlencode

import urllib3
from urllib3.exceptions import ConnectTimeoutError, HTTPError, NameResolutionError, NewConnectionError, SSLError, TimeoutError

from app.carriers.base import CarrierUnavailable
from app.carriers.problems import problem
from app.outbound import Guard, refused_reason

RETRY_STATUSES = {429, 500, 502, 503, 504}


def retry_after_seconds(value):
    """``Retry-After`` as seconds (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


class RateLimiter:
    """A thread-safe limiter spacing calls evenly: "1/second", "500/minute" ("" = none)."""

    UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}

    def __init__(self, spec, clock=time.monotonic, sleep=time.sleep):
        self.interval = 0.0
        if spec:
            count, _, unit = spec.partition("/")
            self.interval = self.UNITS[unit.strip().rstrip("s") or "second"] / float(count)
        self._next = 0.0
        self._lock = threading.Lock()
        self._clock, self._sleep = clock, sleep

    def wait(self):
        if not self.interval:
            return
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self.interval
        if slot > now:
            self._sleep(slot - now)


_current = threading.local()  # the deadline (time.monotonic()) of the call this thread is making


class _Deadline:
    """Reads the answer (urllib3 reads the whole body here) with a timer that shuts the socket
    when the call's deadline passes: the read then fails at once, however the server trickles."""

    def getresponse(self, *args, **kwargs):
        deadline = getattr(_current, "deadline", None)
        sock = self.sock
        if deadline is None or sock is None:
            return super().getresponse(*args, **kwargs)
        timer = threading.Timer(max(0.0, deadline - time.monotonic()), _shut, args=(sock,))
        timer.daemon = True
        timer.start()
        try:
            return super().getresponse(*args, **kwargs)
        finally:
            timer.cancel()


def _shut(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class Response:
    """What adapters read from an answer (the bits of ``requests.Response`` they need)."""

    def __init__(self, status_code, headers, content):
        self.status_code, self.headers, self.content = status_code, headers, content

    def json(self):
        return json.loads(self.content.decode("utf-8-sig"))


class HttpClient:
    """urllib3 with a connection pool shared by the carrier's threads (lighter than requests,
    which matters when one sync makes thousands of calls)."""

    def __init__(self, settings, sleep=time.sleep):
        self.settings = settings
        self.limiter = RateLimiter(settings.rate)
        # every call checked and pinned by the outgoing-request guard (the URL is an admin's setting)
        self.pool = Guard(allowed=settings.allowed_hosts).pool_manager(
            mixins=(_Deadline,), maxsize=max(4, int(settings.concurrency) + 2), retries=False,
            headers={"User-Agent": "Posylka/1.0 (+order tracking)"})
        self._sleep = sleep
        self.calls = 0

    def backoff(self, attempt, retry_after=None):
        """Full jitter: uniform(0, min(max, base * 2**attempt)), but at least Retry-After (capped)."""
        s = self.settings
        delay = random.uniform(0, min(s.backoff_max, s.backoff_base * (2 ** attempt)))
        if retry_after is not None:
            delay = max(delay, retry_after)
        return min(delay, s.backoff_max)

    def request(self, method, url, *, params=None, json=None, headers=None, retry_statuses=RETRY_STATUSES):
        """The response (any status outside ``retry_statuses``) or ``CarrierUnavailable``."""
        s = self.settings
        if params:
            url = url + ("&" if "?" in url else "?") + urlencode(params)
        headers = dict(headers or {})
        body = None
        if json is not None:
            body = _json_dumps(json).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        last = None
        for attempt in range(int(s.retries) + 1):
            self.limiter.wait()
            self.calls += 1
            retry_after = None
            deadline = time.monotonic() + s.timeout
            try:
                response = self._once(method, url, body, headers, deadline)
            except (HTTPError, OSError) as exc:
                if time.monotonic() >= deadline:  # the deadline's timer shut the socket
                    cause, last = "timeout", problem("timeout", seconds=f"{s.timeout:g}")
                else:
                    cause, last = connection_failure(s, exc)
            else:
                if response.status_code not in retry_statuses:
                    return response
                retry_after = retry_after_seconds(response.headers.get("Retry-After"))
                cause, last = "http", problem("http_status", status=response.status_code)
                if response.status_code == 429:
                    cause, last = "rate_limited", problem("rate_limited")
                    if retry_after is not None and retry_after > s.backoff_max:
                        # Longer than we wait inside a call (a daily quota): give up now
                        raise CarrierUnavailable(problem("rate_limited_wait", seconds=int(retry_after)), cause)
            if attempt < int(s.retries):
                self._sleep(self.backoff(attempt, retry_after))
        raise CarrierUnavailable(last, cause)

    def _once(self, method, url, body, headers, deadline):
        """One HTTP call, all of it (connect, send, status, headers, body) within ``deadline``."""
        s = self.settings
        timeout = urllib3.Timeout(connect=min(s.connect_timeout, s.timeout), read=s.timeout)
        _current.deadline = deadline
        try:
            raw = self.pool.request(method, url, body=body, headers=headers, timeout=timeout, redirect=False)
            return Response(raw.status, raw.headers, raw.data)
        finally:
            _current.deadline = None


def _json_dumps(value):
    return json.dumps(value, ensure_ascii=False)


def connection_failure(settings, exc):
    """(cause code, ``Problem``) of a call that got no HTTP answer. urllib3 makes a refused or
    unresolvable connection a kind of ``ConnectTimeoutError``, so those are told apart first:
    "no answer within 10 s" after 2 ms would send an admin looking in the wrong place."""
    reason = refused_reason(exc)
    if reason:
        return "private", problem("private", detail=reason)
    if isinstance(exc, NameResolutionError):
        return "dns", problem("dns", detail=exc.__class__.__name__)
    if isinstance(exc, NewConnectionError):
        if isinstance(exc.__cause__ or exc.__context__, ConnectionRefusedError) or "refused" in str(exc).lower():
            return "refused", problem("refused")
        return "unreachable", problem("unreachable", detail=str(exc))
    if isinstance(exc, SSLError):
        return "tls", problem("tls", detail=str(exc))
    if isinstance(exc, TimeoutError):
        limit = min(settings.connect_timeout, settings.timeout) if isinstance(exc, ConnectTimeoutError) \
            else settings.timeout
        return "timeout", problem("timeout", seconds=f"{limit:g}")
    return "unavailable", problem("connection_failed", detail=exc.__class__.__name__)
