"""CSRF stays on: one test per blueprint with a form, with the real test client."""
import re

import pytest

from tests.conftest import PASSWORD


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def _token(client, path):
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def _refused(response):
    body = response.get_data(as_text=True)
    return response.status_code == 400 and "Форма застаріла" in body and "Traceback" not in body


def test_auth_login_and_logout(app, make_user, client):
    user = make_user("customer")
    assert _refused(client.post("/login", data={"email": user.email, "password": PASSWORD}))
    token = _token(client, "/login")
    assert client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
                       ).status_code == 302
    assert _refused(client.post("/logout"))
    assert _refused(client.post("/logout/everywhere"))
    assert client.get("/orders/").status_code == 200  # still logged in
    assert client.post("/logout", data={"csrf_token": _token(client, "/orders/")}).status_code == 302


def test_web_language_switch(app, client):
    assert _refused(client.post("/language", data={"lang": "en"}))
    assert client.post("/language", data={"lang": "en", "csrf_token": _token(client, "/")}).status_code == 302


def test_htmx_requests_send_the_token_as_a_header(app, client):
    token = _token(client, "/")
    assert client.post("/language", data={"lang": "pl"}, headers={"X-CSRFToken": token}).status_code == 302


def test_admin_status_form(app, db, make_user, make_order, client):
    order = make_order(status="new")
    staff = make_user("staff")
    client.post("/login", data={"email": staff.email, "password": PASSWORD, "csrf_token": _token(client, "/login")})
    data = {"status": "awaiting_shipment", "version": order.version}
    assert _refused(client.post(f"/admin/orders/{order.id}", data=data))
    db.session.refresh(order)
    assert order.status == "new"
    data["csrf_token"] = _token(client, f"/admin/orders/{order.id}")
    assert client.post(f"/admin/orders/{order.id}", data=data).status_code == 302
    db.session.refresh(order)
    assert order.status == "awaiting_shipment"


def test_privacy_forms(app, db, make_user, make_order, client):
    user = make_user("customer")
    make_order(customer=user.customer, status="delivered")
    client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": _token(client, "/login")})
    assert _refused(client.post("/account/privacy/export.json"))
    assert _refused(client.post("/account/privacy/erase", data={"password": PASSWORD, "confirm": "y"}))
    assert user.customer.email == user.email
    token = _token(client, "/account/privacy")
    assert client.post("/account/privacy/export.json", data={"csrf_token": token}).status_code == 200
    erased = client.post("/account/privacy/erase", data={"password": PASSWORD, "confirm": "y", "csrf_token": token})
    assert erased.status_code == 302


def test_admin_privacy_forms(app, db, make_user, make_order, client):
    admin = make_user("admin")
    client.post("/login", data={"email": admin.email, "password": PASSWORD, "csrf_token": _token(client, "/login")})
    assert _refused(client.post("/admin/privacy/retention"))
    assert client.post("/admin/privacy/retention", data={"csrf_token": _token(client, "/admin/privacy")}
                       ).status_code == 302
