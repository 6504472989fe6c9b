"""Which endpoints ``make bench`` loads, and the targets it checks (issue 9)."""
import os
import re
from urllib.parse import urlencode

from bench.dataset import BENCH_ORDER, LOOKUP_ORDER, LOOKUP_PHONE

BARE = "bare endpoint"
PARTIAL_UNCHANGED = "polled partial, unchanged (304)"
PARTIAL_CHANGED = "polled partial after a change (200)"
ORDER_PAGE = "full order page"
LOOKUP = "public look-up POST /track"
API_LIST = "API GET /api/shipments"
ADMIN_LIST = "admin orders list"
HERE = os.path.dirname(os.path.abspath(__file__))


def _csrf(session, base, path):
    page = session.get(f"{base}{path}")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
    return token.group(1) if token else ""


def discover(base, customer, staff, cookie_header, api):
    """(name, path, headers, wrk script) per endpoint, found on the running server as the bench
    customer, staff member, a visitor and an API client see them."""
    import requests

    progress = f"/orders/{BENCH_ORDER}/progress"
    first = customer.get(base + progress, headers={"HX-Request": "true"})
    if first.status_code != 200 or not first.headers.get("ETag"):
        raise SystemExit(f"the bench order's partial answered {first.status_code}")
    customer_cookie = f"Cookie: {cookie_header(customer)}"
    check = customer.get(base + progress, headers={"HX-Request": "true", "If-None-Match": first.headers["ETag"]})
    if check.status_code != 304:
        raise SystemExit(f"a conditional poll answered {check.status_code}, not 304")

    visitor = requests.Session()
    body = urlencode({"csrf_token": _csrf(visitor, base, "/track"), "number": LOOKUP_ORDER, "contact": LOOKUP_PHONE})
    found = visitor.post(f"{base}/track", data=body, allow_redirects=False,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    if found.status_code != 303:
        raise SystemExit(f"the bench look-up answered {found.status_code}, not 303")
    os.environ["BENCH_TRACK_BODY"] = body  # read by track_post.lua

    token = requests.post(f"{base}/oauth/token", data={"grant_type": "client_credentials"},
                          auth=(api["client_id"], api["secret"]))
    if token.status_code != 200:
        raise SystemExit(f"the bench API token request answered {token.status_code}")
    bearer = f"Authorization: Bearer {token.json()['access_token']}"
    return [
        (PARTIAL_UNCHANGED, progress, [customer_cookie, "HX-Request: true", f"If-None-Match: {first.headers['ETag']}"],
         None),
        (PARTIAL_CHANGED, progress, [customer_cookie, "HX-Request: true"], None),
        (ORDER_PAGE, f"/orders/{BENCH_ORDER}", [customer_cookie], None),
        (LOOKUP, "/track", [f"Cookie: {cookie_header(visitor)}"], os.path.join(HERE, "track_post.lua")),
        (API_LIST, "/api/shipments", [bearer], None),
        (ADMIN_LIST, "/admin/orders", [f"Cookie: {cookie_header(staff)}"], None),
    ]


def check(all_results):
    """Human-readable failures against the targets; empty when all are met."""
    failures = []
    sizes = sorted(all_results)
    for size in sizes:
        results, peak = all_results[size]
        for name, ratio in ((PARTIAL_UNCHANGED, 0.6), (ORDER_PAGE, 0.3)):
            if name in results and results[name]["rps"] < ratio * results[name]["bare_rps"]:
                failures.append(f"{size:,}: {name} {results[name]['rps'] / results[name]['bare_rps']:.2f} × bare < {ratio}")
        if PARTIAL_UNCHANGED in results and results[PARTIAL_UNCHANGED]["p99"] >= 100:
            failures.append(f"{size:,}: {PARTIAL_UNCHANGED} p99 {results[PARTIAL_UNCHANGED]['p99']:.0f} ms ≥ 100 ms")
        for name, r in results.items():
            if r["bad"]:
                failures.append(f"{size:,}: {name} had {r['bad']} error answers")
        if peak >= 250:
            failures.append(f"{size:,}: peak memory {peak:.0f} MB ≥ 250 MB")
    if len(sizes) > 1:
        # compared as ratios to the bare endpoint of the same size: the sizes run a few minutes
        # apart on a shared machine, and the ratio takes the machine's load out of the comparison
        small, large = all_results[sizes[0]][0], all_results[sizes[-1]][0]

        def ratio(results, name):
            return results[name]["rps"] / results[name]["bare_rps"]

        for name in small:
            if name != BARE and ratio(large, name) < 0.8 * ratio(small, name):
                failures.append(f"{name}: {ratio(large, name):.3f} × bare at {sizes[-1]:,} orders is more than "
                                f"20% below {ratio(small, name):.3f} at {sizes[0]:,}")
    return failures
