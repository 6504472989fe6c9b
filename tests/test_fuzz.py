"""Fuzz every form field and query parameter (Hypothesis): no 500, no script echoed back
unescaped, nothing stored half-way.

The forms are found by reading the pages themselves (every ``<form>`` with its ``<input>``,
``<select>`` and ``<textarea>`` names), so a new field is fuzzed without touching this file.
Query parameters that no form names are listed in ``QUERY``. Examples are derandomised so CI
is repeatable; each test is bounded (about 15 examples).
"""
import base64
import io
import json
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from app.api.services import create_client
from tests.conftest import PASSWORD
from tests.test_access_matrix import _snapshot

SCRIPT = "<script>alert(1)</script>"
NASTY = [
    SCRIPT, f'"><{SCRIPT[1:]}', "' OR 1=1 --", "'; DROP TABLE orders; --", "\x00", "a\x00b", "\u202eevil\u202c",
    "\u200f\u05e9\u05dc\u05d5\u05dd", "x" * 10_000, "-1", "0", "-99999999999999999999", "99999999999999999999",
    "1e309", "NaN", "%00", "../../etc/passwd", "{{ 7*7 }}", "{% for x in range(9**9) %}{% endfor %}", "${7*7}",
    "😀" * 50, "Ї" * 300, " ", "", "2024-02-30", "9999-99-99", "\r\n\r\nX-Injected: 1", "<img src=x onerror=alert(1)>",
    "javascript:alert(1)", "null", "[]", "{}", "true",
]
VALUES = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.integers(min_value=-(2 ** 70), max_value=2 ** 70).map(str),
    st.builds(lambda a, b: a + SCRIPT + b, st.text(max_size=5), st.text(max_size=5)),
)
# No shrinking: every example drives whole pages, so a shrink would run for minutes; the failing
# request is named in the assertion message instead.
FUZZ = settings(max_examples=15, deadline=None, derandomize=True, database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])

#: Forms that would end the visitor's session, delete data, or reach the network.
SKIP_ACTIONS = ("/logout", "/language", "/erase", "/active", "/reset-password", "/revoke", "/sync", "/test",
                "/delete",
                "/retention", "/bulk-status", "/push/subscribe")

#: Query parameters read by pages (besides the fields of their GET forms).
QUERY = {
    "/track": ["number", "contact", "lang"],
    "/orders/": ["page", "lang"],
    "/admin/orders": ["q", "status", "carrier", "sort", "page", "region", "date_from", "date_to", "per_page"],
    "/admin/orders/export.csv": ["q", "status", "carrier", "sort", "date_from", "date_to"],
    "/admin/analytics/": ["date_from", "date_to"],
    "/admin/analytics/monthly": ["month"],
    "/admin/notifications/": ["channel", "state", "q", "page"],
    "/admin/carriers/detect": ["tracking_number"],
    "/admin/users": ["role", "q"],
    "/admin/audit": ["actor", "action", "object_id", "date_from", "date_to", "page"],
    "/admin/branding": ["order"],
    "/login": ["next"],
    "/privacy": ["lang"],
}


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms, self._form = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {"action": attrs.get("action") or "", "method": (attrs.get("method") or "get").lower(),
                          "fields": {}, "files": set()}
            self.forms.append(self._form)
        elif tag in ("input", "select", "textarea") and self._form is not None and attrs.get("name"):
            if attrs.get("type") in ("submit", "button"):
                return
            if attrs.get("type") == "file":
                self._form["files"].add(attrs["name"])
            else:
                self._form["fields"].setdefault(attrs["name"], attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def _forms(client, page):
    response = client.get(page)
    assert response.status_code == 200, page
    parser = _Forms()
    parser.feed(response.get_data(as_text=True))
    forms = []
    for form in parser.forms:
        action = urlsplit(form["action"]).path or urlsplit(page).path
        if any(skip in action for skip in SKIP_ACTIONS):
            continue
        form["action"] = action
        form["fields"].pop("csrf_token", None)
        forms.append(form)
    return forms


def _assert_safe(response, where):
    body = response.get_data().decode("utf-8", "replace")
    assert response.status_code < 500, (where, response.status_code, body[:500])
    assert "Traceback" not in body, where
    if response.mimetype in ("text/html", "text/plain", "text/css", "application/javascript"):
        assert SCRIPT not in body, f"{where} echoed a script unescaped"
        assert "onerror=alert(1)>" not in body, where


def _login(app, email):
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


class _Pool:
    """A fixed number of drawn values handed out in turn, so that what Hypothesis draws does not
    depend on the state of the database (which forms a page shows)."""

    def __init__(self, data, size=96):
        self.values, self.next = data.draw(st.lists(VALUES, min_size=size, max_size=size)), 0

    def draw(self, _strategy=None, label=None):
        value = self.values[self.next % len(self.values)]
        self.next += 1
        return value


def _fuzz_pages(client, db, pages, data):
    """Submit every form of ``pages`` with fuzzed values and every known query parameter."""
    data = _Pool(data)
    targets = []
    for page in pages:
        targets.extend(_forms(client, page))
        path = urlsplit(page).path
        if path in QUERY:
            targets.append({"action": path, "method": "get", "fields": dict.fromkeys(QUERY[path], ""),
                            "files": set()})
    rows = None  # the database after the last refused POST, which changed nothing: the next one's "before"
    for form in targets:
        values = {name: data.draw(VALUES, label=f"{form['action']}:{name}") for name in form["fields"]}
        where = f"{form['method'].upper()} {form['action']} {sorted(values)}"
        if form["method"] == "get":
            _assert_safe(client.get(form["action"], query_string=values), where)
            rows = None
            continue
        files = {name: (io.BytesIO(data.draw(VALUES).encode("utf-8", "surrogatepass")), data.draw(VALUES)[:50] or "f")
                 for name in form["files"]}
        if rows is None:
            rows = _snapshot(db)[1]
        response = client.post(form["action"], data={**values, **files}, content_type="multipart/form-data")
        _assert_safe(response, where)
        if response.status_code >= 400:
            after_rows = _snapshot(db)[1]
            changed = [name for name in rows if rows[name] != after_rows[name] and name != "audit_log"]
            assert not changed, f"{where} was refused ({response.status_code}) but changed {changed}"
            rows = after_rows
        else:
            rows = None


@pytest.fixture
def world(app, db, make_user, make_order):
    customer = make_user("customer")
    order = make_order(customer=customer.customer, status="in_transit")
    make_order(status="new")
    return {"customer": customer, "order": order, "staff": make_user("staff"), "admin": make_user("admin")}


@FUZZ
@given(data=st.data())
def test_fuzz_anonymous_pages(app, db, world, data):
    client = app.test_client()
    _fuzz_pages(client, db, ["/login", "/track", "/privacy", "/password/forgot"], data)
    token = data.draw(VALUES)
    for path in ("/t/", "/widget/", "/notifications/unsubscribe/", "/password/reset/"):
        _assert_safe(client.get(path + quote(token, safe="")), path)


@FUZZ
@given(data=st.data())
def test_fuzz_customer_pages(app, db, world, data):
    client = _login(app, world["customer"].email)
    number = world["order"].number
    _fuzz_pages(client, db, ["/orders/", f"/orders/{number}", "/notifications/settings", "/account/privacy"], data)
    _assert_safe(client.get("/orders/" + quote(data.draw(VALUES), safe="")), "/orders/<fuzz>")


@FUZZ
@given(data=st.data())
def test_fuzz_staff_pages(app, db, world, data):
    client = _login(app, world["staff"].email)
    order_id = world["order"].id
    _fuzz_pages(client, db, ["/admin/orders", f"/admin/orders/{order_id}", "/admin/orders/new", "/admin/orders/import",
                             "/admin/orders/export.csv", "/admin/analytics/", "/admin/analytics/monthly",
                             "/admin/notifications/", "/admin/carriers/detect"], data)


@FUZZ
@given(data=st.data())
def test_fuzz_admin_pages(app, db, world, data):
    client = _login(app, world["admin"].email)
    _fuzz_pages(client, db, ["/admin/settings", "/admin/branding", "/admin/users", "/admin/api-clients/",
                             "/admin/notifications/templates/shipped/email/uk", "/admin/notifications/webhooks",
                             "/admin/notifications/settings", "/admin/carriers/", "/admin/audit", "/admin/privacy",
                             f"/admin/privacy/customers/{world['customer'].customer.id}"], data)


@FUZZ
@given(data=st.data())
def test_fuzz_api_query_and_body(app, db, world, data):
    api_client, secret = create_client("Fuzz", "read:shipments write:shipments")
    db.session.commit()
    basic = base64.b64encode(f"{api_client.client_id}:{secret}".encode()).decode()
    client = app.test_client()
    token = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                        headers={"Authorization": f"Basic {basic}"}).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    # the lists' own parameters (an unknown one is refused before any is read: one such name, sometimes)
    names = ("status", "carrier", "updated_since", "order_number", "tracking_number", "limit", "cursor")
    for path in ("/api/shipments", "/api/orders"):
        query = {name: data.draw(VALUES) for name in names if data.draw(st.booleans())}
        if data.draw(st.integers(0, 4)) == 0:
            query["q"] = data.draw(VALUES)
        response = client.get(path, query_string=query, headers=headers)
        assert response.status_code in (200, 400, 422), (path, query, response.status_code)
        if response.status_code != 200:
            assert response.headers["Content-Type"].startswith("application/problem+json")
    number = data.draw(VALUES)
    response = client.get(f"/api/orders/{quote(number, safe='')}", headers=headers)
    assert response.status_code in (200, 400, 404), (number, response.status_code)
    before, _rows = _snapshot(db)
    body = {"number": data.draw(VALUES), "customer": {"name": data.draw(VALUES), "phone": data.draw(VALUES),
                                                      "email": data.draw(VALUES)},
            "items": [{"name": data.draw(VALUES), "quantity": data.draw(st.one_of(VALUES, st.integers())),
                       "price": data.draw(VALUES)}],
            "carrier": data.draw(VALUES), "tracking_number": data.draw(VALUES)}
    response = client.post("/api/orders", data=json.dumps(body), headers={**headers,
                                                                          "Content-Type": "application/json"})
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    if response.status_code >= 400:
        assert response.headers["Content-Type"].startswith("application/problem+json")
        assert _snapshot(db)[0] == before


# ---- regressions for what the fuzzer found --------------------------------------------------

def test_a_non_numeric_form_version_is_a_stale_form_not_a_500(app, db, world):
    client = _login(app, world["staff"].email)
    order = world["order"]
    before, _rows = _snapshot(db)
    for url, data in ((f"/admin/orders/{order.id}/shipments", {"tracking_number": "20450000012345"}),
                      (f"/admin/orders/{order.id}", {"status": "cancelled"}),
                      (f"/admin/orders/{order.id}/edit", {"customer_name": "X", "version": "x"})):
        response = client.post(url, data={**data, "version": "<script>alert(1)</script>"})
        assert response.status_code in (409, 422), (url, response.status_code)
        assert SCRIPT not in response.get_data(as_text=True)
    assert _snapshot(db)[0] == before


def test_a_huge_page_number_does_not_overflow_the_query(app, db, world):
    staff, admin = _login(app, world["staff"].email), _login(app, world["admin"].email)
    for client, url in ((staff, "/admin/orders"), (staff, "/admin/notifications/"), (admin, "/admin/audit")):
        assert client.get(url, query_string={"page": "99999999999999999999"}).status_code == 200, url


def test_nul_bytes_are_refused_with_a_400(app, db, world):
    client = _login(app, world["staff"].email)
    assert client.get("/admin/orders", query_string={"q": "a\x00b"}).status_code == 400
    assert app.test_client().post("/track", data={"number": "1\x00", "contact": "x"}).status_code == 400
    before, _rows = _snapshot(db)
    response = client.post(f"/admin/orders/{world['order'].id}/edit", data={"customer_name": "Ім\x00я"})
    assert response.status_code == 400 and "Traceback" not in response.get_data(as_text=True)
    assert _snapshot(db)[0] == before
