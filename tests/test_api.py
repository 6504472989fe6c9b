"""The REST API: OAuth2 tokens, resources, errors, rate limits, sandbox, admin page and CLI."""
import base64
import json
from datetime import timedelta

import pytest

from app.api.models import ApiClient, ApiToken
from app.clock import utcnow
from app.orders.models import Order, Shipment, StatusEvent

ORDER_BODY = {
    "customer": {"name": "Олена Коваль", "email": "olena@example.com", "phone": "+380671234567"},
    "items": [{"name": "Сукня льняна", "sku": "DR-104", "size": "M", "color": "синій", "quantity": 1,
               "price": "1450.00"}],
    "delivery": {"city": "Львів", "region": "Львівська", "pickup_point": "Відділення №12"},
    "shipment": {"carrier": "nova_poshta", "tracking_number": "20450000000001"},
}


@pytest.fixture
def make_client(db):
    from app.api.services import create_client

    def make(name="Shop", scope="read:shipments write:shipments", **kwargs):
        client, secret = create_client(name, scope, **kwargs)
        db.session.commit()
        return client, secret

    return make


@pytest.fixture
def token_for(client):
    def get(api_client, secret, scope=None):
        data = {"grant_type": "client_credentials"}
        if scope:
            data["scope"] = scope
        basic = base64.b64encode(f"{api_client.client_id}:{secret}".encode()).decode()
        response = client.post("/oauth/token", data=data, headers={"Authorization": f"Basic {basic}"})
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["access_token"]

    return get


@pytest.fixture
def auth(make_client, token_for):
    def make(scope="read:shipments write:shipments", **kwargs):
        api_client, secret = make_client(scope=scope, **kwargs)
        return {"Authorization": f"Bearer {token_for(api_client, secret)}"}

    return make


def assert_problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"]
    assert "Traceback" not in response.get_data(as_text=True)
    return body


# ---- OAuth2 ----------------------------------------------------------------------------------

def test_a_refresh_token_gets_a_new_pair_once(app, client, make_client, db):
    """The contract's second grant: the refresh token given with a token gets a new pair, once; the
    pair it came with stops working, and an unknown, used or other client's refresh token is refused."""
    api_client, secret = make_client(scope="read:shipments")
    other, other_secret = make_client(scope="read:shipments")
    basic = {"Authorization": "Basic " + base64.b64encode(f"{api_client.client_id}:{secret}".encode()).decode()}
    first = client.post("/oauth/token", data={"grant_type": "client_credentials"}, headers=basic).get_json()
    second = client.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
                         headers=basic)
    assert second.status_code == 200
    pair = second.get_json()
    assert pair["access_token"] != first["access_token"] and pair["refresh_token"] != first["refresh_token"]
    assert pair["scope"] == "read:shipments" and pair["expires_in"] <= 3600
    bearer = lambda token: {"Authorization": f"Bearer {token}"}  # noqa: E731
    assert client.get("/api/shipments", headers=bearer(pair["access_token"])).status_code == 200
    assert client.get("/api/shipments", headers=bearer(first["access_token"])).status_code == 401  # revoked
    again = client.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
                        headers=basic)
    body = assert_problem(again, 400)
    assert body["error"] == "invalid_grant" and "grant_type=client_credentials" in body["detail"]
    stolen = client.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": pair["refresh_token"],
                                               "client_id": other.client_id, "client_secret": other_secret})
    assert assert_problem(stolen, 400)["error"] == "invalid_grant"  # another client's refresh token
    wider = client.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": pair["refresh_token"],
                                              "scope": "write:shipments"}, headers=basic)
    assert assert_problem(wider, 400)["error"] == "invalid_scope"

def test_client_credentials_grant_issues_short_lived_token_and_a_refresh_token(app, client, make_client, db):
    api_client, secret = make_client(scope="read:shipments")
    basic = base64.b64encode(f"{api_client.client_id}:{secret}".encode()).decode()
    response = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                           headers={"Authorization": f"Basic {basic}"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["token_type"] == "Bearer" and body["expires_in"] <= 3600 and body["scope"] == "read:shipments"
    assert body["refresh_token"] and body["refresh_token"] != body["access_token"]
    # stored hashed: neither token nor the secret appears in the database
    row = db.session.execute(db.select(ApiToken)).scalar_one()
    assert row.token_hash != body["access_token"] and len(row.token_hash) == 64
    assert body["refresh_token"] not in (row.refresh_token_hash or "") and len(row.refresh_token_hash) == 64
    assert secret not in api_client.secret_hash
    # the secret in the body (client_secret_post) works too
    response = client.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": api_client.client_id,
                                                 "client_secret": secret})
    assert response.status_code == 200


def test_token_endpoint_refuses_bad_credentials_and_grants(app, client, make_client):
    api_client, secret = make_client(scope="read:shipments")
    wrong = base64.b64encode(f"{api_client.client_id}:wrong".encode()).decode()
    body = assert_problem(client.post("/oauth/token", data={"grant_type": "client_credentials"},
                                      headers={"Authorization": f"Basic {wrong}"}), 401)
    assert body["error"] == "invalid_client"
    body = assert_problem(client.post("/oauth/token", data={"grant_type": "password", "username": "x"}), 400)
    assert body["error"] == "unsupported_grant_type"
    good = base64.b64encode(f"{api_client.client_id}:{secret}".encode()).decode()
    body = assert_problem(client.post("/oauth/token", data={"grant_type": "client_credentials",
                                                            "scope": "write:shipments"},
                                      headers={"Authorization": f"Basic {good}"}), 400)
    assert body["error"] == "invalid_scope"


def test_missing_expired_revoked_and_unknown_tokens_are_401(app, client, db, make_client, token_for):
    assert_problem(client.get("/api/shipments"), 401)
    response = client.get("/api/shipments", headers={"Authorization": "Bearer nonsense"})
    assert_problem(response, 401)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]

    api_client, secret = make_client()
    token = token_for(api_client, secret)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/shipments", headers=headers).status_code == 200
    row = db.session.execute(db.select(ApiToken)).scalar_one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = client.get("/api/shipments", headers=headers)
    assert_problem(response, 401)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]

    token = token_for(api_client, secret)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/shipments", headers=headers).status_code == 200
    from app.api.services import revoke_client

    revoke_client(api_client)
    db.session.commit()
    assert_problem(client.get("/api/shipments", headers=headers), 401)
    basic = base64.b64encode(f"{api_client.client_id}:{secret}".encode()).decode()
    assert_problem(client.post("/oauth/token", data={"grant_type": "client_credentials"},
                               headers={"Authorization": f"Basic {basic}"}), 401)


def test_token_lifetime_is_capped_at_one_hour(app, client, make_client, token_for, db):
    app.config["API_TOKEN_SECONDS"] = 10 * 24 * 3600
    api_client, secret = make_client()
    token_for(api_client, secret)
    row = db.session.execute(db.select(ApiToken)).scalar_one()
    assert (row.expires_at - row.issued_at).total_seconds() == 3600


def test_scope_is_enforced(app, client, auth, make_order):
    order = make_order()
    headers = auth(scope="read:shipments")
    assert client.get("/api/shipments", headers=headers).status_code == 200
    response = client.post(f"/api/shipments/{order.shipments[0].id}/status", json={"status": "shipped"},
                           headers=headers)
    body = assert_problem(response, 403)
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    assert "write:shipments" in body["detail"]
    assert_problem(client.post("/api/orders", json=ORDER_BODY, headers=headers), 403)
    assert order.status == "new"


def test_session_cookie_is_not_accepted(app, client, make_user, login):
    staff = make_user("staff")
    login(staff.email)
    assert_problem(client.get("/api/shipments"), 401)


def test_ip_allow_list(app, client, make_client):
    api_client, secret = make_client(allowed_ips="10.9.8.0/24")
    basic = {"Authorization": "Basic " + base64.b64encode(f"{api_client.client_id}:{secret}".encode()).decode()}
    assert_problem(client.post("/oauth/token", data={"grant_type": "client_credentials"}, headers=basic), 401)
    inside = {"REMOTE_ADDR": "10.9.8.7"}
    response = client.post("/oauth/token", data={"grant_type": "client_credentials"}, headers=basic,
                           environ_base=inside)
    assert response.status_code == 200
    bearer = {"Authorization": f"Bearer {response.get_json()['access_token']}"}
    assert client.get("/api/shipments", headers=bearer, environ_base=inside).status_code == 200
    assert_problem(client.get("/api/shipments", headers=bearer), 403)


# ---- resources -------------------------------------------------------------------------------

def test_an_order_sent_again_with_its_idempotency_key_is_made_once(app, client, auth, db):
    """A client whose answer was lost sends the order again: it made a second order (and a 409 for its
    parcel, naming no order). With the same Idempotency-Key it gets the order the first request made."""
    headers = {**auth(), "Idempotency-Key": "9d8c1f1e-5a64-4a8e-9a57-2f3c1c0b7a11"}
    body = {**ORDER_BODY, "shipment": None}
    first = client.post("/api/orders", json=body, headers=headers)
    again = client.post("/api/orders", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"] and db.session.query(Order).count() == 1
    other = client.post("/api/orders", json={**body, "note": "another"}, headers=headers)
    assert assert_problem(other, 422)["title"] == "Цей Idempotency-Key уже використано з іншим запитом."
    fresh = client.post("/api/orders", json=body, headers={**headers, "Idempotency-Key": "another-key"})
    assert fresh.status_code == 201 and db.session.query(Order).count() == 2
    assert assert_problem(client.post("/api/orders", json=body, headers={**headers, "Idempotency-Key": "x" * 101}),
                          400)


def test_create_order_then_read_it_back(app, client, auth, db):
    import json

    from app import settings
    from app.notify.channels.webhook import new_secret
    from app.notify.models import Notification, WebhookEndpoint

    db.session.add(WebhookEndpoint(url="https://hooks.example/posylka", secret_encrypted=settings.encrypt(new_secret())))
    db.session.commit()
    headers = auth()
    response = client.post("/api/orders", json=ORDER_BODY, headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "new" and body["number"].startswith("PS-") and body["shipments"][0]["id"]
    order = db.session.get(Order, body["id"])
    assert order.items[0].price == 1450 and order.customer.email == "olena@example.com"
    # the shop's webhook hears of the new order with the parcel the same request gave (it listed none)
    event = json.loads(db.session.execute(db.select(Notification.payload).filter_by(channel="webhook")).scalar_one())
    assert event["data"]["shipments"] == [{"carrier": "nova_poshta", "tracking_number": "20450000000001"}]
    assert order.history[0].source == "api" and order.history[0].actor == "Shop"
    shipment_id = body["shipments"][0]["id"]

    detail = client.get(f"/api/shipments/{shipment_id}", headers={**headers, "Accept-Language": "en"}).get_json()
    assert detail["tracking_number"] == "20450000000001" and detail["carrier"] == "nova_poshta"
    assert detail["status_label"] == "New" and detail["order"]["number"] == body["number"]
    assert detail["order"]["items"][0]["sku"] == "DR-104"
    uk = client.get(f"/api/shipments/{shipment_id}", headers={**headers, "Accept-Language": "uk"})
    assert uk.get_json()["status_label"] == "Нове"
    assert uk.get_json()["carrier_name"] == "Nova Poshta"  # canonical for machines, not "Нова пошта"
    assert '"status_label":"Нове"' in uk.get_data(as_text=True)  # readable UTF-8, not \\u-escaped
    refused = client.post("/api/orders", json={}, headers={**headers, "Accept-Language": "uk"}).get_data()
    assert b"\\u0" not in refused and any("\u0400" <= c <= "\u04ff" for c in refused.decode())


def test_list_shipments_filters_and_pagination(app, client, auth, make_order):
    headers = auth()
    orders = [make_order() for _ in range(3)] + [make_order(status="shipped", carrier="ukrposhta",
                                                            tracking_number="0500123456789")]
    page = client.get("/api/shipments?limit=2", headers=headers).get_json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = client.get(f"/api/shipments?limit=2&cursor={page['next_cursor']}", headers=headers).get_json()
    assert len(rest["items"]) == 2 and rest["next_cursor"] is None
    ids = [x["id"] for x in page["items"] + rest["items"]]
    assert sorted(ids) == sorted(s.id for o in orders for s in o.shipments)
    shipped = client.get("/api/shipments?status=shipped", headers=headers).get_json()["items"]
    assert [x["order_id"] for x in shipped] == [orders[-1].id]
    assert [x["carrier"] for x in client.get("/api/shipments?carrier=ukrposhta", headers=headers)
            .get_json()["items"]] == ["ukrposhta"]
    future = (utcnow() + timedelta(days=1)).isoformat() + "Z"
    assert client.get(f"/api/shipments?updated_since={future}", headers=headers).get_json()["items"] == []
    body = assert_problem(client.get("/api/shipments?updated_since=yesterday", headers=headers), 400)
    assert body["errors"][0]["field"] == "updated_since"
    assert_problem(client.get("/api/shipments?status=lost", headers=headers), 400)
    # a webhook names the order by its number: its shipments are found by it (the filter was ignored, and
    # every shipment came back); a parcel by its number as typed
    by_order = client.get(f"/api/shipments?order_number={orders[1].number.lower()}", headers=headers).get_json()
    assert [x["order_id"] for x in by_order["items"]] == [orders[1].id]
    by_parcel = client.get("/api/shipments?tracking_number=0500 1234 56789", headers=headers).get_json()["items"]
    assert [x["order_id"] for x in by_parcel] == [orders[-1].id]


def test_status_history_and_change(app, client, auth, make_order, db):
    headers = auth()
    order = make_order(status="awaiting_shipment")
    shipment_id = order.shipments[0].id
    status = client.get(f"/api/shipments/{shipment_id}/status", headers=headers).get_json()
    assert status["status"] == "awaiting_shipment" and [h["status"] for h in status["history"]] == \
        ["new", "awaiting_shipment"]
    response = client.post(f"/api/shipments/{shipment_id}/status", json={"status": "shipped", "note": "TTN printed"},
                           headers=headers)
    assert response.status_code == 200
    assert response.get_json()["history"][-1] == {**response.get_json()["history"][-1], "status": "shipped",
                                                  "source": "api", "actor": "Shop", "note": "TTN printed"}
    # illegal move: 409 naming the allowed next statuses, nothing written
    rows = db.session.query(StatusEvent).count()
    body = assert_problem(client.post(f"/api/shipments/{shipment_id}/status", json={"status": "cancelled",
                                                                                    "note": "x"}, headers=headers), 409)
    assert body["current_status"] == "shipped" and set(body["allowed"]) == {"in_transit", "delivered", "returned"}
    assert db.session.query(StatusEvent).count() == rows
    body = assert_problem(client.post(f"/api/shipments/{shipment_id}/status", json={"status": "returned"},
                                      headers=headers), 422)
    assert body["errors"][0]["field"] == "note"


def test_patch_carrier_and_tracking_number(app, client, auth, make_order, db):
    headers = auth()
    first, second = make_order(), make_order()
    sid = first.shipments[0].id
    version = first.version
    response = client.patch(f"/api/shipments/{sid}", json={"carrier": "ukrposhta", "tracking_number": "0500111222333"},
                            headers=headers)
    assert response.status_code == 200 and response.get_json()["tracking_number"] == "0500111222333"
    db.session.expire_all()
    assert db.session.get(Shipment, sid).carrier == "ukrposhta" and db.session.get(Order, first.id).version > version
    taken = second.shipments[0]
    body = assert_problem(client.patch(f"/api/shipments/{sid}", json={"carrier": taken.carrier,
                                                                       "tracking_number": taken.tracking_number},
                                       headers=headers), 409)
    assert body["errors"][0]["field"] == "tracking_number"
    assert db.session.get(Shipment, sid).tracking_number == "0500111222333"
    assert_problem(client.patch("/api/shipments/999999", json={"carrier": "dhl"}, headers=headers), 404)


# ---- bad input -------------------------------------------------------------------------------

@pytest.mark.parametrize("body, status, field", [
    (b"{not json", 400, None),
    (b"[1, 2]", 400, None),
    (json.dumps({**ORDER_BODY, "colour": "red"}).encode(), 422, "colour"),
    (json.dumps({**ORDER_BODY, "items": [{**ORDER_BODY["items"][0], "price": "abc"}]}).encode(), 422, "items[0].price"),
    (json.dumps({**ORDER_BODY, "items": [{**ORDER_BODY["items"][0], "quantity": "2"}]}).encode(), 422,
     "items[0].quantity"),
    (json.dumps({**ORDER_BODY, "items": []}).encode(), 422, "items"),
    (json.dumps({k: v for k, v in ORDER_BODY.items() if k != "customer"}).encode(), 422, "customer"),
    (json.dumps({**ORDER_BODY, "shipment": {"carrier": "pigeon", "tracking_number": "123456"}}).encode(), 422,
     "shipment.carrier"),
])
def test_bad_order_bodies_write_nothing(app, client, auth, db, body, status, field):
    headers = auth()
    response = client.post("/api/orders", data=body, content_type="application/json", headers=headers)
    problem = assert_problem(response, status)
    if field:
        assert field in [e["field"] for e in problem["errors"]]
    assert db.session.query(Order).count() == 0


def test_the_phone_is_checked_by_the_staff_form_s_rule_in_the_delivery_country(app, client, auth, db):
    headers = {**auth(), "Accept-Language": "pl"}
    body = {**ORDER_BODY, "customer": {**ORDER_BODY["customer"], "phone": "+380 67"}}
    errors = assert_problem(client.post("/api/orders", json=body, headers=headers), 422)["errors"]
    assert errors == [{"field": "customer.phone", "detail": "Wpisz numer telefonu, np. +48 512 345 678."}]
    assert db.session.query(Order).count() == 0
    polish = {**ORDER_BODY, "customer": {**ORDER_BODY["customer"], "phone": "601 234 567"},
              "delivery": {**ORDER_BODY["delivery"], "country": "PL"}}
    assert client.post("/api/orders", json=polish, headers=headers).status_code == 201
    assert db.session.query(Order).one().customer.phone == "601 234 567"


@pytest.mark.parametrize("email", ["n/a", "olena@localhost", "olena@@example.com"])
def test_the_e_mail_is_checked_by_the_one_e_mail_rule(app, client, auth, db, email):
    headers = {**auth(), "Accept-Language": "pl"}
    body = {**ORDER_BODY, "customer": {**ORDER_BODY["customer"], "email": email}}
    errors = assert_problem(client.post("/api/orders", json=body, headers=headers), 422)["errors"]
    assert errors == [{"field": "customer.email", "detail": "Podaj poprawny adres e-mail."}]
    assert db.session.query(Order).count() == 0


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("item, detail", [
    ({"price": -5}, "The number is out of range."),
    ({"price": -0.01}, "The number is out of range."),
    ({"price": "-1450.00"}, "The value has the wrong format."),
    ({"price": None}, "Wrong type or format for this field."),
    ({"price": "1450.00", "str": 1}, "Unknown field."),
])
def test_each_invalid_field_is_listed_once(app, client, auth, db, item, detail):
    body = {**ORDER_BODY, "items": [{**ORDER_BODY["items"][0], **item}],
            "customer": {**ORDER_BODY["customer"], "language": "de"}}
    response = client.post("/api/orders", json=body, headers={**auth(), "Accept-Language": "en"})
    errors = assert_problem(response, 422)["errors"]
    field = "items[0].str" if "str" in item else "items[0].price"
    assert errors == [{"field": "customer.language", "detail": "Choose one of: 'uk', 'en', 'pl', 'ru'."},
                      {"field": field, "detail": detail}]
    assert db.session.query(Order).count() == 0


def test_a_choice_error_names_the_choices_without_an_english_or(app, client, auth):
    response = client.get("/api/shipments?status=bogus", headers={**auth(), "Accept-Language": "uk"})
    assert assert_problem(response, 400)["errors"] == [
        {"field": "status", "detail": "Виберіть одне з: 'new', 'awaiting_shipment', 'shipped', 'in_transit', "
                                      "'delivered', 'returned', 'cancelled'."}]


def test_huge_body_wrong_type_404_and_405_are_problem_json(app, client, auth, db):
    headers = auth()
    huge = json.dumps({**ORDER_BODY, "note": "x" * 300_000})
    assert_problem(client.post("/api/orders", data=huge, content_type="application/json", headers=headers), 413)
    assert_problem(client.post("/api/orders", data="a=b", content_type="application/x-www-form-urlencoded",
                               headers=headers), 415)
    assert_problem(client.get("/api/nothing-here", headers=headers), 404)
    assert_problem(client.delete("/api/orders", headers=headers), 405)
    assert db.session.query(Order).count() == 0


def test_duplicate_tracking_number_is_409(app, client, auth, make_order, db):
    headers = auth()
    make_order(tracking_number="20450000000001")
    assert_problem(client.post("/api/orders", json=ORDER_BODY, headers=headers), 409)
    assert db.session.query(Order).count() == 1


# ---- sandbox ---------------------------------------------------------------------------------

def test_sandbox_client_sees_and_changes_only_sandbox_orders(app, client, auth, make_order, db):
    real = make_order()
    sandbox = auth(sandbox=True)
    production = auth()
    assert client.get("/api/shipments", headers=sandbox).get_json()["items"] == []
    assert_problem(client.get(f"/api/shipments/{real.shipments[0].id}", headers=sandbox), 404)
    assert_problem(client.post(f"/api/shipments/{real.shipments[0].id}/status", json={"status": "shipped"},
                               headers=sandbox), 404)
    body = {**ORDER_BODY, "shipment": {"carrier": "sandbox", "tracking_number": "SBX0000001"}}
    response = client.post("/api/orders", json=body, headers=sandbox)
    assert response.status_code == 201, response.get_data(as_text=True)
    created = response.get_json()
    assert created["is_sandbox"] is True
    assert [x["id"] for x in client.get("/api/shipments", headers=sandbox).get_json()["items"]] == \
        [created["shipments"][0]["id"]]
    assert created["shipments"][0]["id"] not in [x["id"] for x in client.get("/api/shipments", headers=production)
                                                 .get_json()["items"]]
    assert db.session.get(Order, real.id).status == "new"


def test_sandbox_client_never_reaches_a_real_customer(app, client, auth, make_order, make_user, login, db):
    """A sandbox order with a real customer's e-mail and phone stays in the sandbox: another customer,
    no real account, no message on any channel, nothing in the answer about the real person."""
    from app.notify.models import Notification, WebhookEndpoint
    from app.settings import encrypt

    real_user = make_user("customer", email="olena@example.com", name="Олена Справжня")
    real_user.customer.phone = "+380671234567"
    db.session.add(WebhookEndpoint(url="https://erp.shop.example/hook", secret_encrypted=encrypt("whsec_x")))
    db.session.commit()
    real = make_order(customer=real_user.customer, tracking_number="20450000000001")
    sandbox = auth(sandbox=True)
    body = {**ORDER_BODY, "customer": {"name": "Тест Пісочниця", "email": "Olena@Example.com",
                                       "phone": "+380671234567"},
            "shipment": {"carrier": "sandbox", "tracking_number": "SBX0000002"}}
    response = client.post("/api/orders", json=body, headers=sandbox)
    assert response.status_code == 201, response.get_data(as_text=True)
    created = response.get_json()
    detail = client.get(f"/api/shipments/{created['shipments'][0]['id']}", headers=sandbox).get_json()
    assert detail["order"]["customer"] == {"name": "Тест Пісочниця", "email": "olena@example.com",
                                           "phone": "+380671234567"}
    assert "Справжня" not in json.dumps(detail, ensure_ascii=False)
    order = db.session.get(Order, created["id"])
    assert order.customer_id != real_user.customer.id and order.customer.user_id is None
    assert db.session.query(Notification).filter_by(order_id=order.id).count() == 0
    moved = client.post(f"/api/shipments/{created['shipments'][0]['id']}/status", json={"status": "awaiting_shipment"},
                        headers=sandbox)
    assert moved.status_code == 200 and db.session.query(Notification).filter_by(order_id=order.id).count() == 0

    # real tracking numbers: neither used nor revealed (the same answer whether or not a real order has it)
    for number in ("20450000000001", "20450000000999"):
        refused = client.post("/api/orders", headers=sandbox, json={
            **ORDER_BODY, "shipment": {"carrier": "nova_poshta", "tracking_number": number}})
        problem = assert_problem(refused, 422)
        assert problem["errors"][0]["field"] == "shipment.carrier" and real.number not in refused.get_data(as_text=True)
    patched = client.patch(f"/api/shipments/{created['shipments'][0]['id']}", headers=sandbox,
                           json={"carrier": "nova_poshta", "tracking_number": "20450000000001"})
    assert assert_problem(patched, 422)["errors"][0]["field"] == "carrier"

    login("olena@example.com")
    assert order.number not in client.get("/orders/").get_data(as_text=True)
    assert client.get(f"/orders/{order.number}").status_code == 404


# ---- OpenAPI and docs ------------------------------------------------------------------------

def test_openapi_document_and_docs_page(app, client):
    document = client.get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert {"/api/shipments", "/api/shipments/{shipment_id}", "/api/shipments/{shipment_id}/status",
            "/api/orders"} <= set(document["paths"])
    assert "OrderIn" in document["components"]["schemas"]
    page = client.get("/api/docs")
    assert page.status_code == 200 and "<script" not in page.get_data(as_text=True).split("</head>")[1]
    assert "POST /api/orders" in page.get_data(as_text=True)


# ---- admin page and CLI ----------------------------------------------------------------------

def test_admin_creates_client_shows_secret_once_and_revokes(app, client, make_user, login, db, runner):
    admin = make_user("admin")
    login(admin.email)
    response = client.post("/admin/api-clients/", data={"name": "ERP", "scopes": ["read:shipments"],
                                                       "allowed_ips": "", "sandbox": "y"})
    assert response.status_code == 201
    api_client = db.session.execute(db.select(ApiClient)).scalar_one()
    page = response.get_data(as_text=True)
    assert api_client.client_id in page and api_client.sandbox
    listing = client.get("/admin/api-clients/").get_data(as_text=True)
    assert api_client.client_id in listing and "client_secret" not in listing
    bad = client.post("/admin/api-clients/", data={"name": "X", "scopes": ["read:shipments"], "allowed_ips": "nope"})
    assert bad.status_code == 422 and db.session.query(ApiClient).count() == 1
    assert client.post(f"/admin/api-clients/{api_client.id}/revoke").status_code == 302
    db.session.expire_all()
    assert db.session.get(ApiClient, api_client.id).revoked_at is not None


def test_admin_page_is_admin_only(app, client, make_user, login):
    staff = make_user("staff")
    login(staff.email)
    assert client.get("/admin/api-clients/").status_code == 403


def test_cli_creates_client_and_prints_secret(app, runner, client, db):
    result = runner.invoke(args=["create-api-client", "Warehouse", "--scope", "read:shipments write:shipments"])
    assert result.exit_code == 0, result.output
    lines = dict(line.split(": ", 1) for line in result.output.splitlines() if ": " in line)
    response = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                           headers={"Authorization": "Basic " + base64.b64encode(
                               f"{lines['client_id']}:{lines['client_secret']}".encode()).decode()})
    assert response.status_code == 200 and response.get_json()["scope"] == "read:shipments write:shipments"
    bad = runner.invoke(args=["create-api-client", "X", "--scope", "admin:everything"])
    assert bad.exit_code != 0 and "read:shipments" in bad.output
