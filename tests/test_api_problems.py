"""The machine ``code`` of every problem+json the API answers, and the unknown query parameters a
list refuses instead of ignoring (a typo such as ``?staus=delivered`` listed everything)."""
import base64
import os
import re

import pytest

from app.errors import PROBLEM_CODES
from tests import test_api
from tests.test_api import ORDER_BODY, assert_problem

# the API tests' fixtures: a client (make_client), its token (token_for), both as headers (auth)
make_client, token_for, auth = test_api.make_client, test_api.token_for, test_api.auth

NO_PARCEL = {**ORDER_BODY, "shipment": None}
README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")


def coded(response, status, code):
    """The problem+json body of ``response``, asserted to be ``status`` with the machine ``code``."""
    body = assert_problem(response, status)
    assert body["code"] == code, body
    return body


# ---- the machine code of every problem ---------------------------------------------------------

def test_every_kind_of_problem_carries_its_code(app, client, auth, make_client, make_order, db):
    headers = auth()
    make_order(tracking_number="20450000000001")
    coded(client.post("/api/orders", data=b"{not json", content_type="application/json", headers=headers),
          400, "invalid_json")
    coded(client.post("/api/orders", data="a=b", content_type="application/x-www-form-urlencoded", headers=headers),
          415, "unsupported_media_type")
    coded(client.post("/api/orders", json={**ORDER_BODY, "colour": "red"}, headers=headers), 422, "validation_failed")
    coded(client.post("/api/orders", json=ORDER_BODY, headers=headers), 409, "tracking_number_taken")
    coded(client.post("/api/orders", json={**ORDER_BODY, "note": "x" * 300_000}, headers=headers),
          413, "payload_too_large")
    keyed = {**headers, "Idempotency-Key": "key-1"}
    assert client.post("/api/orders", json=NO_PARCEL, headers=keyed).status_code == 201
    coded(client.post("/api/orders", json={**NO_PARCEL, "note": "other"}, headers=keyed),
          422, "idempotency_conflict")
    coded(client.post("/api/orders", json=NO_PARCEL, headers={**headers, "Idempotency-Key": "k" * 101}),
          400, "invalid_header")
    coded(client.get("/api/shipments/999999", headers=headers), 404, "not_found")
    coded(client.get("/api/nothing-here", headers=headers), 404, "not_found")  # Flask's own 404, mapped the same
    coded(client.delete("/api/orders", headers=headers), 405, "method_not_allowed")
    # the token endpoint: its OAuth2 error is the code
    api_client, _secret = make_client()
    wrong = base64.b64encode(f"{api_client.client_id}:wrong".encode()).decode()
    body = coded(client.post("/oauth/token", data={"grant_type": "client_credentials"},
                             headers={"Authorization": f"Basic {wrong}"}), 401, "invalid_client")
    assert body["error"] == "invalid_client"
    coded(client.post("/oauth/token", data={"grant_type": "password"}), 400, "unsupported_grant_type")
    # a webhook with a wrong signature
    coded(client.post("/api/platforms/shopify", data=b"{}", content_type="application/json",
                      headers={"X-Shopify-Hmac-Sha256": "forged"}), 401, "invalid_signature")


def test_an_address_outside_the_allow_list_is_its_own_code(app, client, make_client):
    api_client, secret = make_client(allowed_ips="10.9.8.0/24")
    basic = {"Authorization": "Basic " + base64.b64encode(f"{api_client.client_id}:{secret}".encode()).decode()}
    inside = {"REMOTE_ADDR": "10.9.8.7"}
    token = client.post("/oauth/token", data={"grant_type": "client_credentials"}, headers=basic,
                        environ_base=inside).get_json()["access_token"]
    coded(client.get("/api/shipments", headers={"Authorization": f"Bearer {token}"}), 403, "address_not_allowed")


class TestRateLimited:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_ENABLED": True, "API_RATE_LIMIT": "2 per minute"}

    def test_past_the_limit_the_code_is_rate_limited(self, app, client, auth):
        headers = auth()
        for _ in range(2):
            assert client.get("/api/shipments", headers=headers).status_code == 200
        coded(client.get("/api/shipments", headers=headers), 429, "rate_limited")


# ---- unknown query parameters ------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/shipments", "/api/orders"])
def test_a_typo_in_a_list_s_query_is_400_naming_it(app, client, auth, make_order, path):
    headers = {**auth(), "Accept-Language": "en"}
    make_order(status="shipped")
    body = coded(client.get(f"{path}?staus=delivered", headers=headers), 400, "unknown_parameter")
    assert body["errors"] == [{"field": "staus", "detail": "Unknown parameter."}]
    assert "staus" in body["detail"] and "status" in body["detail"]  # what it takes, to correct the typo
    body = coded(client.get(f"{path}?page=2&status=shipped&per_page=10", headers=headers), 400, "unknown_parameter")
    assert [e["field"] for e in body["errors"]] == ["page", "per_page"]  # pages follow next_cursor
    polish = coded(client.get(f"{path}?staus=delivered", headers={**headers, "Accept-Language": "pl"}),
                   400, "unknown_parameter")
    assert polish["title"] == "Zapytanie zawiera nieznane parametry."


@pytest.mark.parametrize("path", ["/api/shipments", "/api/orders"])
def test_what_documented_clients_send_is_still_accepted(app, client, auth, make_order, path):
    """The pagination and filters, the README's own call, and the two names clients add on their own:
    ``access_token`` (ignored: only the header authenticates) and jQuery's cache-buster ``_``."""
    headers = auth()
    make_order(status="in_transit")
    make_order(status="in_transit")
    first = client.get(f"{path}?status=in_transit&limit=1", headers=headers)
    assert first.status_code == 200 and first.get_json()["next_cursor"]
    cursor = first.get_json()["next_cursor"]
    again = client.get(f"{path}?status=in_transit&limit=1&cursor={cursor}&access_token=whatever&_=1718000000",
                       headers=headers)
    assert again.status_code == 200 and len(again.get_json()["items"]) == 1
    # a token in the query alone opens nothing
    token = headers["Authorization"].split(" ", 1)[1]
    coded(client.get(f"{path}?access_token={token}"), 401, "token_required")


def test_a_single_resource_does_not_refuse_a_query(app, client, auth, make_order):
    """Only lists take filters: elsewhere a query string changes nothing and is not checked."""
    headers = auth()
    order = make_order()
    assert client.get(f"/api/orders/{order.number}?expand=all", headers=headers).status_code == 200
    assert client.get(f"/api/shipments/{order.shipments[0].id}?x=1", headers=headers).status_code == 200


# ---- the OpenAPI document and README -----------------------------------------------------------

def test_the_openapi_problem_schema_lists_every_code(app, client):
    document = client.get("/api/openapi.json").get_json()
    problem = document["components"]["schemas"]["Problem"]
    assert "code" in problem["required"] and set(problem["properties"]["code"]["enum"]) == set(PROBLEM_CODES)
    assert "illegal_transition (409)" in problem["properties"]["code"]["description"]
    assert "unknown_parameter" in document["paths"]["/api/shipments"]["get"]["responses"]["400"]["description"]


def test_the_readme_explains_every_code_and_the_unknown_parameters(app):
    text = open(README, encoding="utf-8").read()
    api = text[text.index("## REST API"):text.index("## Customer tracking")]
    documented = set(re.findall(r"`([a-z_]+)`", api))
    assert set(PROBLEM_CODES) <= documented, sorted(set(PROBLEM_CODES) - documented)
    assert "`unknown_parameter`" in api and "`access_token`" in api
