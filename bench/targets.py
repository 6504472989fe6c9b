"""Which endpoints ``make bench`` loads, and the targets it checks (issues 9 and 15).

Every ratio is to a plain Flask app with one constant route, served by the same waitress settings
in the same run (``bench/serve.py plain``): the ceiling of any Flask app on this machine.
"""
import os
import re
from urllib.parse import urlencode

from bench.dataset import BENCH_ORDER, LOOKUP_ORDER, LOOKUP_PHONE

PLAIN = "plain Flask, one constant route (ceiling)"
BARE = "the app's bare endpoint"
PARTIAL_UNCHANGED = "polled partial, unchanged (304)"
SIGNED_UNCHANGED = "signed-link poll, unchanged (304)"
WIDGET_UNCHANGED = "widget poll, unchanged (304)"
BADGE_UNCHANGED = "unread badge, unchanged (304)"
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
    signed = found.headers["Location"] + "/progress"  # the look-up's signed link
    widget = signed.replace("/t/", "/widget/", 1)
    conditional = []
    for name, path, cookie in ((SIGNED_UNCHANGED, signed, None), (WIDGET_UNCHANGED, widget, None),
                               (BADGE_UNCHANGED, "/notifications/unread", customer_cookie)):
        answer = requests.get(base + path, headers={"HX-Request": "true", **({"Cookie": cookie[8:]} if cookie else {})})
        if answer.status_code != 200 or not answer.headers.get("ETag"):
            raise SystemExit(f"{path} answered {answer.status_code}")
        conditional.append((name, path, ([cookie] if cookie else []) + [
            "HX-Request: true", f"If-None-Match: {answer.headers['ETag']}"], None))
    return [
        (BARE, "/bench/bare", [], None),
        (PARTIAL_UNCHANGED, progress, [customer_cookie, "HX-Request: true", f"If-None-Match: {first.headers['ETag']}"],
         None),
        *conditional,
        (PARTIAL_CHANGED, progress, [customer_cookie, "HX-Request: true"], None),
        (ORDER_PAGE, f"/orders/{BENCH_ORDER}", [customer_cookie], None),
        (LOOKUP, "/track", [f"Cookie: {cookie_header(visitor)}"], os.path.join(HERE, "track_post.lua")),
        (API_LIST, "/api/shipments", [bearer], None),
        (ADMIN_LIST, "/admin/orders", [f"Cookie: {cookie_header(staff)}"], None),
    ]


#: (endpoint, the least share of plain Flask's requests/s)
RATIOS = ((BARE, 0.7), (PARTIAL_UNCHANGED, 0.4), (SIGNED_UNCHANGED, 0.4), (WIDGET_UNCHANGED, 0.4),
          (BADGE_UNCHANGED, 0.4), (PARTIAL_CHANGED, 0.15))


def check(all_results):
    """Human-readable failures against the targets; empty when all are met."""
    failures = []
    sizes = sorted(all_results)
    for size in sizes:
        results, peak = all_results[size]
        for name, ratio in RATIOS:
            if name in results and results[name]["rps"] < ratio * results[name]["bare_rps"]:
                failures.append(f"{size:,}: {name} {results[name]['rps'] / results[name]['bare_rps']:.2f} × plain < {ratio}")
        if PARTIAL_UNCHANGED in results and results[PARTIAL_UNCHANGED]["p99"] >= 100:
            failures.append(f"{size:,}: {PARTIAL_UNCHANGED} p99 {results[PARTIAL_UNCHANGED]['p99']:.0f} ms ≥ 100 ms")
        for name, r in results.items():
            if r["bad"]:
                failures.append(f"{size:,}: {name} had {r['bad']} error answers")
        if peak >= 250:
            failures.append(f"{size:,}: peak memory {peak:.0f} MB ≥ 250 MB")
    if len(sizes) > 1:
        # compared as ratios to plain Flask at the same size: the sizes run a few minutes apart on
        # a shared machine, and the ratio takes the machine's load out of the comparison
        small, large = all_results[sizes[0]][0], all_results[sizes[-1]][0]

        def ratio(results, name):
            return results[name]["rps"] / results[name]["bare_rps"]

        for name in small:
            if name not in (PLAIN, BARE) and ratio(large, name) < 0.8 * ratio(small, name):
                failures.append(f"{name}: {ratio(large, name):.3f} × plain at {sizes[-1]:,} orders is more than "
                                f"20% below {ratio(small, name):.3f} at {sizes[0]:,}")
    return failures
