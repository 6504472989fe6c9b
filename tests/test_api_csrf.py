"""With CSRF protection on (as in production), the Bearer-token API and the token endpoint still work,
while the admin forms keep requiring their CSRF token."""
import base64

import pytest


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def test_api_is_csrf_exempt_but_admin_forms_are_not(app, client, db, make_user, login):
    from app.api.services import create_client

    api_client, secret = create_client("Shop", "read:shipments write:shipments")
    db.session.commit()
    basic = base64.b64encode(f"{api_client.client_id}:{secret}".encode()).decode()
    token = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                        headers={"Authorization": f"Basic {basic}"})
    assert token.status_code == 200
    response = client.post("/api/orders", headers={"Authorization": f"Bearer {token.get_json()['access_token']}"},
                           json={"customer": {"name": "Олена"}, "items": [{"name": "Сукня", "price": "10.00"}]})
    assert response.status_code == 201
    # the admin page refuses a form post without its CSRF token
    admin = make_user("admin")
    page = client.get("/login").get_data(as_text=True)
    csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    assert client.post("/login", data={"email": admin.email, "password": "correct-horse-battery",
                                       "csrf_token": csrf}).status_code == 302
    refused = client.post("/admin/api-clients/", data={"name": "X", "scopes": ["read:shipments"]})
    assert refused.status_code == 400
    assert db.session.query(type(api_client)).count() == 1
