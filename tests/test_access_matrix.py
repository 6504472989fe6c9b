"""The access matrix: every route that names an object (by id, number or signed token), asked by
every kind of visitor, gives the expected answer.

The columns are: anonymous, another customer, the customer who owns the object, staff, admin.
For the bearer API the columns mean: no credentials, a sandbox API client (which must not see
real orders), the API client, and a logged-in staff member or admin sending only their session
cookie (which the API must not accept).

A route with an argument that the table does not cover fails the test: classify new routes here.

GET cells are requested and compared. For routes that change things (POST, PATCH), the cells
that must be refused are requested and the whole database must be unchanged afterwards; the
allowed cells (``OK``) are exercised by each feature's own tests.
"""
import base64
import hashlib
import io
import json
import zipfile

import pytest
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import text

from app.api.services import create_client
from app.attention.models import DeliveryException
from app.auth.models import User
from app.auth.sessions import UserSession
from app.notify.models import DevMail, Notification, WebhookEndpoint
from app.notify.preferences import unsubscribe_token
from app.orders.links import make_token
from app.orders.models import Customer, Order
from app.settings import encrypt
from app.tracking.models import OrderFollower, ProblemReport
from tests.conftest import PASSWORD

LOGIN = "login"  # redirected to the log-in page
API401 = "401"  # 401 application/problem+json
OK = "ok"  # allowed: not requested here (a POST that would change data)

ROLES = ("anonymous", "other", "owner", "staff", "admin")

CUSTOMER_PAGE = (LOGIN, 404, 200, 403, 403)      # the customer's own object; strangers get 404, never 403
CUSTOMER_ACTION = (LOGIN, 404, OK, 403, 403)
CUSTOMER_DOWNLOAD = (LOGIN, OK, OK, 403, 403)     # each customer downloads their own data
OWN_DEVICE = (LOGIN, 404, OK, 404, 404)           # a log-in of the owner's: anyone else's "log out" finds nothing
STAFF_PAGE = (LOGIN, 403, 403, 200, 200)
STAFF_ACTION = (LOGIN, 403, 403, OK, OK)
ADMIN_PAGE = (LOGIN, 403, 403, 403, 200)
ADMIN_ACTION = (LOGIN, 403, 403, 403, OK)
SIGNED_LINK = (200, 200, 200, 200, 200)           # the signed token is the credential
SIGNED_ACTION = (OK, OK, OK, OK, OK)
WRONG_TOKEN = (404, 404, 404, 404, 404)            # a token signed for something else (here: a tracking link)
API_READ = (API401, 404, 200, API401, API401)
API_WRITE = (API401, 404, OK, API401, API401)

MATRIX = {
    # customer pages
    ("GET", "/orders/<number>"): CUSTOMER_PAGE,
    ("GET", "/orders/<number>/progress"): CUSTOMER_PAGE,
    ("POST", "/orders/<number>/received"): CUSTOMER_ACTION,
    ("POST", "/orders/<number>/returns"): CUSTOMER_ACTION,
    ("POST", "/orders/<number>/returns/<int:case_id>/waybill"): CUSTOMER_ACTION,
    ("POST", "/orders/<number>/problem"): CUSTOMER_ACTION,
    ("POST", "/account/privacy/export.<fmt>"): CUSTOMER_DOWNLOAD,
    ("POST", "/account/devices/<int:session_id>/logout"): OWN_DEVICE,
    # signed links (tracking page, embeddable widget, one-click unsubscribe)
    ("GET", "/t/<token>"): SIGNED_LINK,
    ("GET", "/t/<token>/progress"): SIGNED_LINK,
    ("GET", "/widget/<token>"): SIGNED_LINK,
    ("GET", "/widget/<token>/progress"): SIGNED_LINK,
    ("GET", "/notifications/unsubscribe/<token>"): SIGNED_LINK,
    ("POST", "/notifications/unsubscribe/<token>"): SIGNED_ACTION,
    ("GET", "/follow/stop/<token>"): SIGNED_LINK,
    ("POST", "/follow/stop/<token>"): SIGNED_ACTION,
    ("POST", "/t/<token>/returns"): SIGNED_ACTION,
    ("POST", "/t/<token>/returns/<int:case_id>/waybill"): SIGNED_ACTION,
    ("POST", "/t/<token>/problem"): SIGNED_ACTION,
    # the question after delivery and the message KPIs: their own signed tokens (a tracking token is refused;
    # the pixel answers its image whatever the token, and counts only its own)
    ("GET", "/feedback/<token>"): WRONG_TOKEN,
    ("POST", "/feedback/<token>"): SIGNED_ACTION,
    ("GET", "/m/o/<token>.gif"): SIGNED_LINK,
    ("GET", "/m/c/<token>"): WRONG_TOKEN,
    ("GET", "/m/reports/<provider>/<token>"): WRONG_TOKEN,
    ("POST", "/m/reports/<provider>/<token>"): SIGNED_ACTION,
    ("POST", "/t/<token>/follow"): SIGNED_ACTION,
    ("GET", "/password/reset/<token>"): WRONG_TOKEN,  # a reset link is signed for an account, not an order
    ("POST", "/password/reset/<token>"): WRONG_TOKEN,
    # staff workspace
    ("GET", "/admin/orders/<int:order_id>"): STAFF_PAGE,
    ("POST", "/admin/orders/<int:order_id>"): STAFF_ACTION,
    ("POST", "/admin/orders/<int:order_id>/correct"): ADMIN_ACTION,
    ("POST", "/admin/orders/<int:order_id>/edit"): STAFF_ACTION,
    ("POST", "/admin/problems/<int:report_id>/handled"): STAFF_ACTION,
    ("POST", "/admin/orders/<int:order_id>/shipments"): STAFF_ACTION,
    ("POST", "/admin/orders/<int:order_id>/shipments/<int:shipment_id>/delete"): STAFF_ACTION,
    ("POST", "/admin/orders/<int:order_id>/undo-receipt"): STAFF_ACTION,
    ("GET", "/admin/orders/export.<fmt>"): STAFF_PAGE,
    ("GET", "/admin/analytics/kpis.<fmt>"): STAFF_PAGE,
    ("GET", "/admin/analytics/monthly.<fmt>"): STAFF_PAGE,
    ("GET", "/admin/analytics/report.<fmt>"): STAFF_PAGE,
    ("GET", "/admin/notifications/<int:notification_id>"): STAFF_PAGE,
    ("POST", "/admin/notifications/<int:notification_id>/resend"): STAFF_ACTION,
    ("GET", "/admin/notifications/orders/<int:order_id>"): STAFF_PAGE,
    ("POST", "/admin/attention/<int:exception_id>/notify"): STAFF_ACTION,
    ("GET", "/admin/returns/<number>"): STAFF_PAGE,
    ("POST", "/admin/returns/<number>/<int:case_id>/approve"): STAFF_ACTION,
    ("POST", "/admin/returns/<number>/<int:case_id>/refuse"): STAFF_ACTION,
    ("POST", "/admin/returns/<number>/<int:case_id>/waybill"): STAFF_ACTION,
    ("POST", "/admin/returns/<number>/<int:case_id>/received"): STAFF_ACTION,
    ("POST", "/admin/returns/<number>/<int:case_id>/refund"): STAFF_ACTION,
    ("POST", "/admin/returns/<number>/items/<int:item_id>"): STAFF_ACTION,
    ("POST", "/admin/returns/<number>/request"): STAFF_ACTION,
    ("POST", "/admin/attention/<int:exception_id>/dismiss"): STAFF_ACTION,
    # admin only
    ("POST", "/admin/users/<int:user_id>/active"): ADMIN_ACTION,
    ("POST", "/admin/users/<int:user_id>/reset-password"): ADMIN_ACTION,
    ("GET", "/admin/privacy/customers/<int:customer_id>"): ADMIN_PAGE,
    ("POST", "/admin/privacy/customers/<int:customer_id>/erase"): ADMIN_ACTION,
    ("POST", "/admin/privacy/customers/<int:customer_id>/export.<fmt>"): ADMIN_ACTION,
    ("POST", "/admin/api-clients/<int:client_id>/revoke"): ADMIN_ACTION,
    ("POST", "/admin/api-clients/stores/<platform>/pull"): ADMIN_ACTION,
    ("GET", "/admin/api-clients/stores/<platform>/pull"): ADMIN_PAGE,
    ("POST", "/admin/notifications/messengers/<channel>/alerts"): ADMIN_ACTION,
    ("POST", "/admin/notifications/messengers/<channel>/connect"): ADMIN_ACTION,
    # a messenger's one-time link: the channel here (e-mail) is no messenger, so nobody gets one
    ("POST", "/notifications/messengers/<channel>/connect"): (404, 404, 404, 404, 404),
    ("POST", "/admin/carriers/<code>"): ADMIN_ACTION,
    ("POST", "/admin/carriers/<code>/test"): ADMIN_ACTION,
    ("GET", "/admin/notifications/mailbox/<int:mail_id>"): ADMIN_PAGE,
    ("GET", "/admin/notifications/mailbox/<int:mail_id>/html"): ADMIN_PAGE,
    ("GET", "/admin/notifications/templates/<kind>/<channel>/<language>"): ADMIN_PAGE,
    ("POST", "/admin/notifications/templates/<kind>/<channel>/<language>"): ADMIN_ACTION,
    ("POST", "/admin/notifications/templates/<kind>/<channel>/<language>/preview"): ADMIN_ACTION,
    ("POST", "/admin/notifications/templates/<kind>/<channel>/<language>/reset"): ADMIN_ACTION,
    ("GET", "/admin/notifications/templates/<kind>/<channel>/ab"): ADMIN_PAGE,
    ("POST", "/admin/notifications/templates/<kind>/<channel>/ab"): ADMIN_ACTION,
    ("GET", "/admin/notifications/webhooks/<int:endpoint_id>"): ADMIN_PAGE,
    ("POST", "/admin/notifications/webhooks/<int:endpoint_id>"): ADMIN_ACTION,
    ("POST", "/admin/notifications/webhooks/<int:endpoint_id>/test"): ADMIN_ACTION,
    # bearer API (by API client, see the module docstring)
    ("GET", "/api/shipments/<int:shipment_id>"): API_READ,
    ("PATCH", "/api/shipments/<int:shipment_id>"): API_WRITE,
    ("GET", "/api/shipments/<int:shipment_id>/status"): API_READ,
    ("POST", "/api/shipments/<int:shipment_id>/status"): API_WRITE,
    ("GET", "/api/orders/<number>"): API_READ,
    ("POST", "/api/orders/<number>/status"): API_WRITE,
}

#: Pages without an argument in the path whose access still depends on the role.
ROLE_PAGES = {
    ("GET", "/orders/"): (LOGIN, 200, 200, 403, 403),
    ("GET", "/account/privacy"): (LOGIN, 200, 200, 403, 403),
    ("GET", "/notifications"): (LOGIN, 200, 200, 403, 403),
    ("GET", "/notifications/settings"): (LOGIN, 200, 200, 403, 403),
    ("GET", "/admin/"): (LOGIN, 403, 403, 302, 302),  # redirects to the orders list
    ("GET", "/admin/orders"): STAFF_PAGE,
    ("GET", "/admin/orders/new"): STAFF_PAGE,
    ("GET", "/admin/orders/import"): STAFF_PAGE,
    ("GET", "/admin/notifications/"): STAFF_PAGE,
    ("GET", "/admin/analytics/"): STAFF_PAGE,
    ("GET", "/admin/returns"): STAFF_PAGE,
    ("POST", "/admin/returns/settings"): ADMIN_ACTION,
    ("GET", "/admin/attention/"): STAFF_PAGE,
    ("POST", "/admin/attention/thresholds"): ADMIN_ACTION,
    ("GET", "/admin/audit"): ADMIN_PAGE,
    ("GET", "/admin/users"): ADMIN_PAGE,
    ("GET", "/admin/settings"): ADMIN_PAGE,
    ("GET", "/admin/branding"): ADMIN_PAGE,
    ("GET", "/admin/privacy"): ADMIN_PAGE,
    ("GET", "/admin/carriers/"): ADMIN_PAGE,
    ("GET", "/admin/carriers/sync"): ADMIN_PAGE,
    ("GET", "/admin/api-clients/"): ADMIN_PAGE,
    ("GET", "/admin/notifications/mailbox"): ADMIN_PAGE,
    ("GET", "/admin/notifications/templates"): ADMIN_PAGE,
    ("GET", "/admin/notifications/webhooks"): ADMIN_PAGE,
    ("GET", "/admin/notifications/settings"): ADMIN_PAGE,
    ("POST", "/admin/orders/bulk-status"): STAFF_ACTION,
    ("POST", "/admin/privacy/retention"): ADMIN_ACTION,
    ("POST", "/admin/carriers/sync"): ADMIN_ACTION,
    ("POST", "/admin/api-clients/"): ADMIN_ACTION,
    ("POST", "/admin/api-clients/stores"): ADMIN_ACTION,
    ("POST", "/admin/api-clients/status-sync"): ADMIN_ACTION,
    ("POST", "/admin/branding/revoke"): ADMIN_ACTION,
    ("POST", "/admin/users"): ADMIN_ACTION,
    ("POST", "/account/privacy/erase"): (LOGIN, OK, OK, 403, 403),
    ("POST", "/account/privacy/details"): (LOGIN, OK, OK, 403, 403),  # each customer corrects their own
}

IGNORED = {"static"}


def _routes(app):
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in IGNORED or not rule.arguments:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found.add((method, rule.rule))
    return found


_TABLES = {}


def _snapshot(db):
    """Every row of every table (log-in sessions aside: their last-seen time moves by design)."""
    rows = {}
    key = str(db.engine.url)
    if key not in _TABLES:
        _TABLES[key] = sorted(set(sa_inspect(db.engine).get_table_names()) - {"user_sessions", "alembic_version"})
    tables = _TABLES[key]
    with db.engine.connect() as connection:
        for table in tables:
            result = connection.execute(text(f'SELECT * FROM "{table}"'))
            rows[table] = sorted(json.dumps(list(row), default=str) for row in result)
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest(), rows


def _logged_in(app, email):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, email
    return client


def _bearer(app, api_client, secret):
    basic = base64.b64encode(f"{api_client.client_id}:{secret}".encode()).decode()
    response = app.test_client().post("/oauth/token", data={"grant_type": "client_credentials"},
                                      headers={"Authorization": f"Basic {basic}"})
    assert response.status_code == 200
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def _world(app, db, make_user, make_order):
    owner = make_user("customer")
    other = make_user("customer")
    make_order(customer=other.customer, status="new")
    staff, admin = make_user("staff"), make_user("admin")
    order = make_order(customer=owner.customer, status="in_transit")
    shipment = order.shipments[0]
    notification = Notification(event_id="ev-matrix", order_id=order.id, customer_id=owner.customer.id,
                                channel="email", recipient=owner.email, state="sent", body="hello")
    mail = DevMail(recipient=owner.email, subject="Your order", text_body="hello", html_body="<p>hello</p>")
    endpoint = WebhookEndpoint(url="https://shop.example/hook", secret_encrypted=encrypt("whsec_x"))
    api_client, secret = create_client("Shop", "read:shipments write:shipments")
    sandbox_client, sandbox_secret = create_client("Sandbox", "read:shipments write:shipments", sandbox=True)
    exception = DeliveryException(order_id=order.id, rule="no_scan")
    report = ProblemReport(order=order, message="Посилка стоїть", source="customer")
    follower = OrderFollower(order=order, channel="email", address="friend@example.com", language="uk",
                             consent_text="Я погоджуюся", token="matrix-follow-token")
    db.session.add_all([notification, mail, endpoint, exception, report, follower])
    token = make_token(order)
    db.session.commit()
    values = {
        "number": order.number, "order_id": order.id, "shipment_id": shipment.id, "customer_id": owner.customer.id,
        "user_id": owner.id, "client_id": api_client.id, "notification_id": notification.id, "mail_id": mail.id,
        "endpoint_id": endpoint.id, "kind": "shipped", "channel": "email", "language": "uk", "code": "nova_poshta",
        "fmt": "json", "token": token, "exception_id": exception.id, "report_id": report.id, "platform": "magento",
        "case_id": 1, "item_id": order.items[0].id, "provider": "smsapi",
    }
    unsubscribe = unsubscribe_token(owner.customer.id)
    sessions = {
        "anonymous": ({}, app.test_client()),
        "other": ({}, _logged_in(app, other.email)),
        "owner": ({}, _logged_in(app, owner.email)),
        "staff": ({}, _logged_in(app, staff.email)),
        "admin": ({}, _logged_in(app, admin.email)),
    }
    values["session_id"] = db.session.execute(db.select(UserSession.id).filter_by(user_id=owner.id)).scalar_one()
    api = {
        "anonymous": ({}, app.test_client()),
        "other": (_bearer(app, sandbox_client, sandbox_secret), app.test_client()),
        "owner": (_bearer(app, api_client, secret), app.test_client()),
        "staff": sessions["staff"],
        "admin": sessions["admin"],
    }
    return values, unsubscribe, sessions, api


def _url(rule, values, unsubscribe):
    path = rule
    if rule.startswith(("/admin/orders/export", "/admin/analytics/")):
        values = {**values, "fmt": "csv"}
    if rule.startswith("/notifications/unsubscribe"):
        values = {**values, "token": unsubscribe}
    if rule.startswith("/follow/stop"):
        values = {**values, "token": "matrix-follow-token"}
    for name, value in values.items():
        for converter in ("", "int:"):
            path = path.replace(f"<{converter}{name}>", str(value))
    assert "<" not in path, f"no value for an argument of {rule}"
    return path


def _check(response, expected, where):
    body = response.get_data().decode("utf-8", "replace")  # an image (the open pixel) is not text
    assert "Traceback" not in body, where
    if expected == LOGIN:
        assert response.status_code == 302 and "/login" in response.headers["Location"], where
    elif expected == API401:
        assert response.status_code == 401, where
        assert response.headers["Content-Type"].startswith("application/problem+json"), where
    else:
        assert response.status_code == expected, (where, response.status_code)


def _walk(table, values, unsubscribe, sessions, api, db):
    checked = 0
    for (method, rule), cells in sorted(table.items()):
        assert len(cells) == len(ROLES), rule
        url = _url(rule, values, unsubscribe)
        who = api if rule.startswith("/api/") else sessions
        for role, expected in zip(ROLES, cells):
            if expected == OK:
                continue
            headers, client = who[role]
            where = f"{method} {url} as {role}"
            if method == "GET":
                _check(client.get(url, headers=headers), expected, where)
            else:
                before, rows = _snapshot(db)
                body = {"status": "cancelled", "version": "1", "active": "0", "subject": "x", "body": "x"}
                if rule.startswith("/api/"):
                    payload = {"tracking_number": "20450000099999"} if method == "PATCH" else {"status": "cancelled"}
                    response = client.open(url, method=method, json=payload, headers=headers)
                else:
                    response = client.open(url, method=method, data=body, headers=headers)
                _check(response, expected, where)
                after, after_rows = _snapshot(db)
                changed = [name for name in rows if rows[name] != after_rows[name]]
                assert before == after, f"{where} changed {changed}"
            checked += 1
    return checked


def test_every_route_with_an_object_answers_each_role_as_expected(app, db, make_user, make_order):
    routes = _routes(app)
    unclassified = sorted(routes - set(MATRIX))
    assert not unclassified, f"classify these routes in MATRIX: {unclassified}"
    stale = sorted(set(MATRIX) - routes)
    assert not stale, f"routes in MATRIX that no longer exist: {stale}"
    missing_pages = sorted(set(ROLE_PAGES) - {(m, r.rule) for r in app.url_map.iter_rules() for m in r.methods})
    assert not missing_pages, missing_pages

    values, unsubscribe, sessions, api = _world(app, db, make_user, make_order)
    checked = _walk(MATRIX, values, unsubscribe, sessions, api, db)
    checked += _walk(ROLE_PAGES, values, unsubscribe, sessions, api, db)
    assert checked > 150

    # a tampered or unknown token or id is a 404 for everyone, and a POST with it changes nothing
    for url in ("/t/x.y.z", "/widget/x.y.z", "/t/x.y.z/progress", "/notifications/unsubscribe/nope"):
        for role in ROLES:
            assert sessions[role][1].get(url).status_code == 404, (url, role)
    before, _rows = _snapshot(db)
    assert app.test_client().post("/notifications/unsubscribe/nope").status_code == 404
    assert _snapshot(db)[0] == before
    admin = sessions["admin"][1]
    for url in ("/admin/orders/999999", "/admin/privacy/customers/999999", "/admin/notifications/999999",
                "/admin/notifications/mailbox/999999", "/admin/notifications/webhooks/999999",
                "/admin/notifications/templates/nope/email/uk", "/admin/notifications/orders/999999"):
        assert admin.get(url).status_code == 404, url
    owner_headers, owner_client = api["owner"]
    response = owner_client.get("/api/shipments/999999", headers=owner_headers)
    assert response.status_code == 404 and response.headers["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize("path", ["/api/shipments", "/api/platforms/shopify", "/api/platforms/woocommerce",
                                  "/carriers/inpost/webhook", "/api/orders"])
def test_csrf_exempt_endpoints_do_not_accept_the_session_cookie(app, db, make_user, make_order, path):
    """The bearer API and the carrier/platform webhooks skip CSRF, so a logged-in admin's cookie
    must not be enough to use them (a cross-site form could otherwise ride on it)."""
    admin = _logged_in(app, make_user("admin").email)
    make_order(status="new")
    before, _rows = _snapshot(db)
    if path == "/api/shipments":
        response = admin.get(path)
    else:
        response = admin.post(path, json={"id": 1, "status": "cancelled", "order_number": "1"},
                              headers={"Content-Type": "application/json"})
    assert response.status_code in (401, 403), (path, response.status_code)
    assert _snapshot(db)[0] == before


def test_the_export_and_the_sandbox_show_no_one_what_is_not_theirs(app, db, make_user, make_order):
    """The two ways an object's data leaves the shop besides the routes above: a customer's own data
    export holds only them (not another customer, the shop's webhooks or its staff), and a sandbox API
    client writing with a customer's e-mail reaches neither that customer nor a real channel."""
    values, unsubscribe, sessions, api = _world(app, db, make_user, make_order)
    staff = db.session.execute(db.select(User).filter_by(role="staff")).scalars().first()
    owner = sessions["owner"][1]
    owner.get("/orders/")  # so the export has a log-in (session) row
    for fmt in ("json", "csv"):
        response = owner.post(f"/account/privacy/export.{fmt}")
        assert response.status_code == 200
        body = response.data if fmt == "json" else b"".join(
            zipfile.ZipFile(io.BytesIO(response.data)).read(name) for name in zipfile.ZipFile(io.BytesIO(response.data))
            .namelist())
        text_ = body.decode("utf-8")
        assert values["number"] in text_
        others = db.session.execute(db.select(Order).where(Order.customer_id != values["customer_id"])).scalars()
        for order in others:
            assert order.number not in text_ and order.customer.email not in text_
        for secret in ("shop.example/hook", staff.email):
            assert secret not in text_, secret

    owner_email = db.session.get(Customer, values["customer_id"]).email
    headers, client = api["other"]  # the sandbox client
    created = client.post("/api/orders", headers=headers, json={
        "customer": {"name": "Sandbox", "email": owner_email}, "items": [{"name": "Test", "price": "1.00"}],
        "shipment": {"carrier": "sandbox", "tracking_number": "SBX0000077"}})
    assert created.status_code == 201, created.get_data(as_text=True)
    number = created.get_json()["number"]
    assert number not in owner.get("/orders/").get_data(as_text=True)
    assert owner.get(f"/orders/{number}").status_code == 404
    assert db.session.query(Notification).filter_by(order_id=created.get_json()["id"]).count() == 0


def test_signed_links_and_the_widget_die_with_the_customers_data(app, db, make_user, make_order):
    """Once an order's personal data is erased (the customer asked) or anonymised (retention), the links
    given out for it (messages, the shop's widget, a forwarded link) open nothing and change nothing:
    no page, no poll, no return request, no problem report, no new follower."""
    admin = _logged_in(app, make_user("admin").email)
    user = make_user("customer")
    erased = make_order(customer=user.customer, status="delivered")
    guest = make_order(status="delivered")  # anonymised by retention below
    tokens = {erased.number: make_token(erased), guest.number: make_token(guest)}
    db.session.commit()
    browser = app.test_client()
    for number, token in tokens.items():
        assert number in browser.get(f"/t/{token}").get_data(as_text=True)  # they worked before

    response = admin.post(f"/admin/privacy/customers/{user.customer.id}/erase", data={"confirm": "y"})
    assert response.status_code == 302
    db.session.execute(text("UPDATE orders SET status_changed_at = :t WHERE id = :id"),
                       {"t": "2020-01-01 00:00:00", "id": guest.id})
    db.session.commit()
    assert admin.post("/admin/privacy/retention").status_code == 302
    db.session.expire_all()
    assert db.session.get(Order, erased.id).anonymised_at and db.session.get(Order, guest.id).anonymised_at

    for number, token in tokens.items():
        for url in (f"/t/{token}", f"/widget/{token}", f"/t/{token}/progress", f"/widget/{token}/progress"):
            page = browser.get(url)
            assert page.status_code == 404, (url, page.status_code)
            assert "Посилання більше не дійсне" in page.get_data(as_text=True) and number not in page.get_data(as_text=True)
        poll = browser.get(f"/t/{token}/progress", headers={"HX-Request": "true"})
        assert poll.status_code == 286 and "Посилання більше не дійсне" in poll.get_data(as_text=True)
        item_id = db.session.get(Order, db.session.execute(
            text("SELECT id FROM orders WHERE number = :n"), {"n": number}).scalar_one()).items[0].id
        before, _rows = _snapshot(db)
        for url, data in ((f"/t/{token}/returns", {"kind": "return", "item": str(item_id), "reason": "size"}),
                          (f"/t/{token}/problem", {"message": "Де моя посилка?"}),
                          (f"/t/{token}/follow", {"channel": "email", "address": "stranger@example.com",
                                                  "consent": "yes"}),
                          ("/notifications/messengers/telegram/connect", {"tracking_token": token})):
            assert browser.post(url, data=data).status_code in (303, 404), url
        assert _snapshot(db)[0] == before
