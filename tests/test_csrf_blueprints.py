"""CSRF stays on for the blueprints added after the first part (tracking, tracking_admin,
orders, notify, notify_admin, api_admin, carriers_admin): a POST without the token gets the
400 page and changes nothing; with the token it works. (analytics has no forms; the bearer API
and the carrier/platform webhooks are exempt by design, see test_access_matrix.)"""
import pytest

from app.orders.models import Order
from tests.conftest import PASSWORD
from tests.test_access_matrix import _snapshot
from tests.test_csrf import _refused, _token


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def _login(client, email):
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": _token(client, "/login")})
    assert response.status_code == 302


def _refused_without_token(client, db, url, data):
    before, _rows = _snapshot(db)
    response = client.post(url, data=data)
    assert _refused(response), (url, response.status_code)
    assert _snapshot(db)[0] == before, f"{url} changed data without a CSRF token"
    return before


def test_tracking_lookup(app, db, make_order, client):
    order = make_order(status="in_transit")
    data = {"number": order.number, "contact": order.customer.phone or order.customer.email}
    _refused_without_token(client, db, "/track", data)
    response = client.post("/track", data={**data, "csrf_token": _token(client, "/track")})
    assert response.status_code == 303 and "/t/" in response.headers["Location"]


def test_tracking_admin_branding(app, db, make_user, client):
    _login(client, make_user("admin").email)
    data = {"color": "#112233", "background": "#ffffff"}
    before = _refused_without_token(client, db, "/admin/branding", data)
    response = client.post("/admin/branding", data={**data, "csrf_token": _token(client, "/admin/branding")})
    assert response.status_code == 302 and _snapshot(db)[0] != before


def test_orders_confirm_receipt(app, db, make_user, make_order, client):
    user = make_user("customer")
    order = make_order(customer=user.customer, status="in_transit")
    _login(client, user.email)
    _refused_without_token(client, db, f"/orders/{order.number}/received", {"confirm": "yes"})
    token = _token(client, f"/orders/{order.number}")
    assert client.post(f"/orders/{order.number}/received", data={"csrf_token": token, "confirm": "yes"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "delivered"


def test_notify_customer_settings(app, db, make_user, client):
    user = make_user("customer")
    _login(client, user.email)
    data = {"sms": "y", "language": "pl"}
    before = _refused_without_token(client, db, "/notifications/settings", data)
    token = _token(client, "/notifications/settings")
    assert client.post("/notifications/settings", data={**data, "csrf_token": token}).status_code == 302
    assert _snapshot(db)[0] != before


def test_notify_admin_template(app, db, make_user, client):
    _login(client, make_user("admin").email)
    url = "/admin/notifications/templates/shipped/email/uk"
    data = {"subject": "Відправлено", "body": "Замовлення {{ order_number }} відправлено"}
    before = _refused_without_token(client, db, url, data)
    response = client.post(url, data={**data, "csrf_token": _token(client, url)})
    assert response.status_code == 302 and _snapshot(db)[0] != before


def test_api_admin_create_client(app, db, make_user, client):
    _login(client, make_user("admin").email)
    data = {"name": "Shop", "scopes": "read:shipments"}
    before = _refused_without_token(client, db, "/admin/api-clients/", data)
    response = client.post("/admin/api-clients/", data={**data, "csrf_token": _token(client, "/admin/api-clients/")})
    assert response.status_code == 201 and _snapshot(db)[0] != before


def test_carriers_admin_sync(app, db, make_user, client):
    _login(client, make_user("admin").email)
    before, _rows = _snapshot(db)
    response = client.post("/admin/carriers/sync")
    assert response.status_code == 400 and "Traceback" not in response.get_data(as_text=True)
    assert _snapshot(db)[0] == before
    response = client.post("/admin/carriers/sync", data={"csrf_token": _token(client, "/admin/carriers/")})
    assert response.status_code == 302
