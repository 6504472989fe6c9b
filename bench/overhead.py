"""The app's per-request cost without a server or a network in the way: CPU time per request of
the hot endpoints called straight through WSGI, next to a plain Flask app's one constant route.

    python bench/overhead.py DATABASE_URL [--requests N] [--only NAME] [--profile NAME] [--top K]

DATABASE_URL is a data set built by ``bench/dataset.py``. The app is created as ``bench/serve.py``
creates it (the log queued as ``wsgi.py`` queues it, written to /dev/null). Each request is one
call of the WSGI application with a prepared environ, its body read and closed; the figure is the
process's CPU time (``time.process_time``: the log thread too), which other processes on a shared machine
change far less than the wall clock. ``--profile NAME`` prints cProfile's top functions for one
endpoint. Under ``valgrind --tool=callgrind`` (with ``--requests 200``, say) the instruction
counts are repeatable on a busy machine. ``--marks`` calls ``os.getppid()`` before and after each
endpoint's requests (after 30 of warm-up), so that

    valgrind --tool=callgrind --dump-before=getppid --zero-before=getppid python bench/overhead.py URL --marks --requests 100

writes one profile per mark: the 2nd, 4th, 6th, ... files hold plain Flask's and then each
endpoint's requests (the log thread's writes included), in the order printed.
"""
import argparse
import cProfile
import io
import logging
import os
import pstats
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from werkzeug.test import EnvironBuilder  # noqa: E402

from bench import dataset  # noqa: E402


def _app(url):
    from app import create_app, logs
    from bench.serve import APP_CONFIG

    app = create_app(dict(APP_CONFIG, SQLALCHEMY_DATABASE_URI=url))
    logs.configure(app, stream=open(os.devnull, "w"), queued=True)

    @app.route("/bench/bare")
    def bare():
        return "ok"

    return app


def _plain():
    from flask import Flask

    app = Flask("plain")

    @app.route("/")
    def constant():
        return "ok"

    return app


#: One browser: the log-in and the measured requests alike (Flask-Login's session protection
#: marks a session not fresh, and so re-signs its cookie, when the User-Agent changes)
USER_AGENT = "bench/overhead"


def _client(app):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
    return client


def _login(client, email):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    response = client.post("/login", data={"email": email, "password": dataset.BENCH_PASSWORD,
                                           "csrf_token": token.group(1) if token else ""})
    assert response.status_code == 302, response.status_code


def _cookie(client):
    return "; ".join(f"{c.key}={c.value}" for c in client._cookies.values())


def requests_of(app):
    """(name, path, headers, expected status) for the hot endpoints, found as the bench finds them."""
    customer = _client(app)
    _login(customer, dataset.BENCH_CUSTOMER_EMAIL)
    hx = {"HX-Request": "true"}
    progress = f"/orders/{dataset.BENCH_ORDER}/progress"
    etag = customer.get(progress, headers=hx).headers["ETag"]
    cookie = _cookie(customer)  # after a first render, as a browser holds it (with its CSRF token)
    visitor = _client(app)
    page = visitor.get("/track").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    found = visitor.post("/track", data={"number": dataset.LOOKUP_ORDER, "contact": dataset.LOOKUP_PHONE,
                                         "csrf_token": csrf})
    assert found.status_code == 303, found.status_code
    signed = found.headers["Location"].replace("http://localhost", "") + "/progress"
    widget = signed.replace("/t/", "/widget/", 1)
    out = [("bare", "/bench/bare", {}, 200),
           ("partial 304", progress, {"Cookie": cookie, **hx, "If-None-Match": etag}, 304)]
    for name, path, headers in (("signed 304", signed, {}), ("widget 304", widget, {}),
                                ("badge 304", "/notifications/unread", {"Cookie": cookie})):
        first = app.test_client(use_cookies=False).get(path, headers={**hx, **headers},
                                                       environ_base={"HTTP_USER_AGENT": USER_AGENT})
        assert first.status_code == 200 and first.headers.get("ETag"), (path, first.status_code)
        out.append((name, path, {**headers, **hx, "If-None-Match": first.headers["ETag"]}, 304))
    out.append(("partial 200", progress, {"Cookie": cookie, **hx}, 200))
    return out


def _caller(app, path, headers, status):
    environ = EnvironBuilder(path=path, headers=headers,
                             environ_base={"REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": USER_AGENT}).get_environ()
    expected = f"{status} "

    def call():
        seen = []
        body = app(dict(environ, **{"wsgi.input": io.BytesIO()}), lambda s, h, exc=None: seen.append((s, h)))
        try:
            for _chunk in body:
                pass
        finally:
            if hasattr(body, "close"):
                body.close()
        answer, headers_sent = seen[0]
        if not answer.startswith(expected):
            raise SystemExit(f"{path} answered {answer}, expected {status}")
        if status == 304 and any(name.lower() == "set-cookie" for name, _value in headers_sent):
            raise SystemExit(f"{path}: an unchanged poll set a cookie")

    return call


def cpu_per_request(call, n):
    for _ in range(min(50, n)):
        call()
    started = time.process_time()
    for _ in range(n):
        call()
    return (time.process_time() - started) / n * 1e6


def _marked(plain, calls, n):
    from datetime import timedelta

    from app import logs
    from app.auth import sessions

    # measurement only: the logged-in session row's once-a-minute touch (a write and a commit)
    # would land in some endpoints' windows of a slow callgrind run and not in others
    sessions.TOUCH_EVERY = timedelta(days=1)
    for name, call in [("plain Flask", plain)] + [c for c in calls if c[0] != "partial 200"]:
        for _ in range(30):
            call()
        logs.flush()
        os.getppid()
        for _ in range(n):
            call()
        logs.flush()
        os.getppid()
        print(name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--only")
    parser.add_argument("--profile")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--marks", action="store_true", help="mark each endpoint's requests for callgrind")
    args = parser.parse_args()
    logging.getLogger("waitress").setLevel(logging.ERROR)
    app = _app(args.url)
    plain = _caller(_plain(), "/", {}, 200)
    calls = [(name, _caller(app, path, headers, status)) for name, path, headers, status in requests_of(app)]
    from app.runtime import tune_gc

    tune_gc()
    if args.marks:
        _marked(plain, calls, args.requests)
        return
    if args.profile:
        call = dict(calls)[args.profile]
        for _ in range(50):
            call()
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.requests):
            call()
        profiler.disable()
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)
        return
    base = cpu_per_request(plain, args.requests)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"CPU per request, {args.requests} requests each, load average {load}")
    print(f"{'plain Flask':<14} {base:7.0f} µs  1.00 × plain")
    for name, call in calls:
        if args.only and args.only not in name:
            continue
        cost = cpu_per_request(call, args.requests)
        print(f"{name:<14} {cost:7.0f} µs  {base / cost:4.2f} × plain")


if __name__ == "__main__":
    main()
