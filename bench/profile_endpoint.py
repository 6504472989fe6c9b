"""Profile one hot endpoint in-process (cProfile, Flask's test client), to see where a request's
time goes without the server and the network in the way.

    python bench/profile_endpoint.py DATABASE_URL [ENDPOINT] [--requests N] [--top K] [--sort cumulative|tottime]

DATABASE_URL is a data set built by ``bench/dataset.py``. ENDPOINT is one of ``304`` (the polled
partial, unchanged), ``200`` (the partial after a change), ``page`` (the order page), ``track``
(POST /track), ``api`` (GET /api/shipments), ``admin`` (GET /admin/orders), ``bare``. The app is
created as ``bench/serve.py`` creates it, with the log configured as ``wsgi.py`` does (lines go to
/dev/null), so the per-request work is the served one. Prints the time per request and the top
functions.
"""
import argparse
import cProfile
import os
import pstats
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import dataset  # noqa: E402


def _login(app, email):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    response = client.post("/login", data={"email": email, "password": dataset.BENCH_PASSWORD,
                                           "csrf_token": token.group(1) if token else ""})
    assert response.status_code == 302, response.status_code
    return client


def _requests(app, endpoint):
    """A function that sends one request of ``endpoint`` and checks its status."""
    if endpoint in ("304", "200", "page"):
        client = _login(app, dataset.BENCH_CUSTOMER_EMAIL)
        url = f"/orders/{dataset.BENCH_ORDER}/progress"
        etag = client.get(url, headers={"HX-Request": "true"}).headers["ETag"]
        if endpoint == "304":
            return lambda: _expect(client.get(url, headers={"HX-Request": "true", "If-None-Match": etag}), 304)
        if endpoint == "200":
            return lambda: _expect(client.get(url, headers={"HX-Request": "true"}), 200)
        return lambda: _expect(client.get(f"/orders/{dataset.BENCH_ORDER}"), 200)
    if endpoint == "admin":
        client = _login(app, dataset.BENCH_STAFF_EMAIL)
        return lambda: _expect(client.get("/admin/orders"), 200)
    if endpoint == "track":
        client = app.test_client()
        page = client.get("/track").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        data = {"number": dataset.LOOKUP_ORDER, "contact": dataset.LOOKUP_PHONE, "csrf_token": token.group(1) if token else ""}
        return lambda: _expect(client.post("/track", data=data), 303)
    if endpoint == "api":
        from app.api.services import create_client
        from app.extensions import db

        with app.app_context():
            api_client, secret = create_client("Profile", "read:shipments")
            db.session.commit()
            client_id = api_client.client_id
        client = app.test_client()
        token = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                            auth=(client_id, secret)).get_json()["access_token"]
        return lambda: _expect(client.get("/api/shipments", headers={"Authorization": f"Bearer {token}"}), 200)
    if endpoint == "bare":
        client = app.test_client()
        return lambda: _expect(client.get("/bench/bare"), 200)
    raise SystemExit(f"unknown endpoint {endpoint}")


def _expect(response, status):
    if response.status_code != status:
        raise SystemExit(f"answered {response.status_code}, expected {status}")
    return response


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("endpoint", nargs="?", default="304")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--callers", help="also print who calls the functions matching this")
    args = parser.parse_args()

    from app import create_app, logs

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.url, "SCHEDULER_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_KIB": 1024})
    logs.configure(app, stream=open(os.devnull, "w"))

    @app.route("/bench/bare")
    def bare():
        return "ok"

    send = _requests(app, args.endpoint)
    for _ in range(50):  # warm caches, as the server is warm
        send()
    started = time.perf_counter()
    for _ in range(args.requests):
        send()
    plain = (time.perf_counter() - started) / args.requests
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.requests):
        send()
    profiler.disable()
    print(f"{args.endpoint}: {plain * 1e6:.0f} µs per request without the profiler ({args.requests} requests)")
    stats = pstats.Stats(profiler).sort_stats(args.sort)
    stats.print_stats(args.top)
    if args.callers:
        stats.print_callers(args.callers)


if __name__ == "__main__":
    main()
