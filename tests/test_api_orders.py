"""The REST API's order resources: an order reached by its number, with or without shipments (a
platform creates the order before it has a waybill, reads it back and moves or cancels it)."""
import os
from datetime import timedelta

from app.clock import utcnow
from app.orders.models import Order, StatusEvent
from tests import test_api
from tests.test_api import ORDER_BODY
from tests.test_api_problems import coded

# the API tests' fixtures: a client (make_client), its token (token_for), both as headers (auth)
make_client, token_for, auth = test_api.make_client, test_api.token_for, test_api.auth

WITHOUT_SHIPMENT = {key: value for key, value in ORDER_BODY.items() if key != "shipment"}
README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")


def _created(client, headers, body=WITHOUT_SHIPMENT):
    response = client.post("/api/orders", json=body, headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response


# ---- an order without a shipment: read back, moved, cancelled -------------------------------

def test_an_order_made_before_its_waybill_is_read_back_and_cancelled(app, client, auth, db):
    """The integrator's case: the platform creates the order before it has a waybill, reads it back by
    the number POST answered, and cancels it through the lifecycle; the history says who did it."""
    headers = {**auth(), "Accept-Language": "en"}
    response = _created(client, headers)
    created = response.get_json()
    number = created["number"]
    assert created["shipments"] == [] and response.headers["Location"].endswith(f"/api/orders/{number}")

    order = client.get(f"/api/orders/{number}", headers=headers)
    assert order.status_code == 200, order.get_data(as_text=True)
    body = order.get_json()
    assert (body["id"], body["number"], body["status"], body["status_label"]) == (created["id"], number, "new", "New")
    assert body["shipments"] == [] and body["customer"]["email"] == "olena@example.com"
    assert body["items"][0]["sku"] == "DR-104" and body["total"] == "1450.00"
    assert [h["status"] for h in body["history"]] == ["new"] and body["history"][0]["source"] == "api"
    assert {"awaiting_shipment", "cancelled"} <= set(body["allowed_next"])
    # as people type the number
    assert client.get(f"/api/orders/{number.lower()}", headers=headers).get_json()["id"] == created["id"]

    cancelled = client.post(f"/api/orders/{number}/status", headers=headers,
                            json={"status": "cancelled", "note": "The buyer changed their mind"})
    assert cancelled.status_code == 200, cancelled.get_data(as_text=True)
    assert cancelled.get_json()["status"] == "cancelled" and cancelled.get_json()["allowed_next"] == []
    assert cancelled.get_json()["history"][-1] == {
        **cancelled.get_json()["history"][-1], "status": "cancelled", "previous_status": "new", "source": "api",
        "actor": "Shop", "note": "The buyer changed their mind"}
    db.session.expire_all()
    assert db.session.get(Order, created["id"]).status == "cancelled"
    assert client.get(f"/api/orders/{number}", headers=headers).get_json()["status_label"] == "Cancelled"


def test_an_illegal_move_of_an_order_is_409_and_writes_nothing(app, client, auth, db, make_order):
    headers = auth()
    order = make_order(status="shipped")
    rows = db.session.query(StatusEvent).count()
    refused = coded(client.post(f"/api/orders/{order.number}/status", json={"status": "cancelled", "note": "x"},
                                headers=headers), 409, "illegal_transition")
    assert refused["current_status"] == "shipped" and set(refused["allowed"]) == {"in_transit", "delivered",
                                                                                  "returned"}
    # a reason is required for returned: the same 422 as for a shipment
    body = coded(client.post(f"/api/orders/{order.number}/status", json={"status": "returned"}, headers=headers),
                 422, "validation_failed")
    assert body["errors"][0]["field"] == "note"
    coded(client.post(f"/api/orders/{order.number}/status", json={"status": "lost"}, headers=headers),
          422, "validation_failed")
    assert db.session.query(StatusEvent).count() == rows
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "shipped"
    # the same move through the shipment endpoint is refused the same way: one lifecycle, one answer
    same = coded(client.post(f"/api/shipments/{order.shipments[0].id}/status",
                             json={"status": "cancelled", "note": "x"}, headers=headers), 409, "illegal_transition")
    assert {k: same[k] for k in ("detail", "current_status", "allowed")} == \
        {k: refused[k] for k in ("detail", "current_status", "allowed")}


def test_an_order_with_shipments_shows_them_and_its_summary_as_the_shipment_does(app, client, auth, db):
    headers = auth()
    created = _created(client, headers, {**WITHOUT_SHIPMENT, "shipments": [
        {"carrier": "nova_poshta", "tracking_number": "20450000000011"},
        {"carrier": "ukrposhta", "tracking_number": "0500123456711"}]}).get_json()
    order = client.get(f"/api/orders/{created['number']}", headers=headers).get_json()
    assert [(x["id"], x["carrier"], x["tracking_number"]) for x in order["shipments"]] == [
        (created["shipments"][0]["id"], "nova_poshta", "20450000000011"),
        (created["shipments"][1]["id"], "ukrposhta", "0500123456711")]
    summary = client.get(f"/api/shipments/{created['shipments'][0]['id']}", headers=headers).get_json()["order"]
    assert {key: order[key] for key in summary} == summary  # the shipment's order summary, and more
    assert order["history"] == client.get(f"/api/shipments/{created['shipments'][0]['id']}/status",
                                          headers=headers).get_json()["history"]
    moved = client.post(f"/api/orders/{created['number']}/status", json={"status": "awaiting_shipment"},
                        headers=headers)
    assert moved.status_code == 200
    status = client.get(f"/api/shipments/{created['shipments'][1]['id']}/status", headers=headers).get_json()
    assert status["status"] == "awaiting_shipment" and status["history"][-1]["source"] == "api"


def test_an_unknown_order_is_404_not_found(app, client, auth):
    headers = auth()
    for number in ("PS-999999", "nope", "x" * 300):
        coded(client.get(f"/api/orders/{number}", headers=headers), 404, "not_found")
    coded(client.post("/api/orders/PS-999999/status", json={"status": "cancelled", "note": "x"}, headers=headers),
          404, "not_found")


# ---- the list -------------------------------------------------------------------------------

def test_list_orders_pages_as_the_shipments_do_and_filters(app, client, auth, make_order):
    headers = auth()
    orders = [make_order(), make_order(tracking_number=False), make_order(status="shipped"),
              make_order(tracking_number=False)]
    page = client.get("/api/orders?limit=3", headers=headers).get_json()
    assert [x["id"] for x in page["items"]] == [o.id for o in reversed(orders)][:3] and page["next_cursor"]
    rest = client.get(f"/api/orders?limit=3&cursor={page['next_cursor']}", headers=headers).get_json()
    assert [x["id"] for x in rest["items"]] == [orders[0].id] and rest["next_cursor"] is None
    assert page["items"][0]["shipments"] == [] and page["items"][1]["shipments"][0]["carrier"] == "nova_poshta"
    assert "expected_delivery" not in page["items"][0] and "history" not in page["items"][0]

    shipped = client.get("/api/orders?status=shipped", headers=headers).get_json()["items"]
    assert [x["number"] for x in shipped] == [orders[2].number]
    by_number = client.get(f"/api/orders?order_number={orders[1].number.lower()}", headers=headers).get_json()
    assert [x["id"] for x in by_number["items"]] == [orders[1].id]
    future = (utcnow() + timedelta(days=1)).isoformat() + "Z"
    assert client.get(f"/api/orders?updated_since={future}", headers=headers).get_json()["items"] == []
    past = (utcnow() - timedelta(days=1)).isoformat() + "Z"
    assert len(client.get(f"/api/orders?updated_since={past}", headers=headers).get_json()["items"]) == 4
    body = coded(client.get("/api/orders?updated_since=yesterday", headers=headers), 400, "invalid_query")
    assert body["errors"][0]["field"] == "updated_since"
    coded(client.get("/api/orders?limit=0", headers=headers), 400, "invalid_query")
    coded(client.get("/api/orders?status=lost", headers=headers), 400, "invalid_query")


# ---- who sees which orders ---------------------------------------------------------------------

def test_a_sandbox_client_and_a_live_client_see_only_their_own_world(app, client, auth, make_order, db):
    """The one access rule of the API (``access.api_client_sees``), for orders as for shipments."""
    real = make_order(tracking_number=False)
    sandbox, live = auth(sandbox=True), auth()
    test_order = _created(client, sandbox).get_json()
    assert test_order["is_sandbox"] is True

    coded(client.get(f"/api/orders/{real.number}", headers=sandbox), 404, "not_found")
    coded(client.post(f"/api/orders/{real.number}/status", json={"status": "cancelled", "note": "x"},
                      headers=sandbox), 404, "not_found")
    assert [x["id"] for x in client.get("/api/orders", headers=sandbox).get_json()["items"]] == [test_order["id"]]
    assert client.get(f"/api/orders?order_number={real.number}", headers=sandbox).get_json()["items"] == []

    coded(client.get(f"/api/orders/{test_order['number']}", headers=live), 404, "not_found")
    coded(client.post(f"/api/orders/{test_order['number']}/status", json={"status": "awaiting_shipment"},
                      headers=live), 404, "not_found")
    assert [x["id"] for x in client.get("/api/orders", headers=live).get_json()["items"]] == [real.id]
    db.session.expire_all()
    assert db.session.get(Order, real.id).status == "new"
    assert db.session.get(Order, test_order["id"]).status == "new"
    # each changes what it sees
    moved = client.post(f"/api/orders/{test_order['number']}/status", json={"status": "awaiting_shipment"},
                        headers=sandbox)
    assert moved.status_code == 200 and moved.get_json()["status"] == "awaiting_shipment"


def test_orders_need_the_shipments_scopes(app, client, auth, make_order, db):
    order = make_order(tracking_number=False)
    reader = auth(scope="read:shipments")
    assert client.get(f"/api/orders/{order.number}", headers=reader).status_code == 200
    assert client.get("/api/orders", headers=reader).status_code == 200
    response = client.post(f"/api/orders/{order.number}/status", json={"status": "cancelled", "note": "x"},
                           headers=reader)
    coded(response, 403, "insufficient_scope")
    assert 'scope="write:shipments"' in response.headers["WWW-Authenticate"]
    writer = auth(scope="write:shipments")
    coded(client.get(f"/api/orders/{order.number}", headers=writer), 403, "insufficient_scope")
    coded(client.get(f"/api/orders/{order.number}"), 401, "token_required")
    coded(client.get("/api/orders", headers={"Authorization": "Bearer nonsense"}), 401, "invalid_token")
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "new"


# ---- the OpenAPI document and README -----------------------------------------------------------

def test_the_openapi_document_has_the_order_resources(app, client):
    document = client.get("/api/openapi.json").get_json()
    paths = document["paths"]
    assert {"get", "post"} <= set(paths["/api/orders"])
    assert set(paths["/api/orders/{number}"]) == {"get"} and set(paths["/api/orders/{number}/status"]) == {"post"}
    assert {p["name"] for p in paths["/api/orders"]["get"]["parameters"]} == {
        "status", "updated_since", "order_number", "limit", "cursor"}
    post = paths["/api/orders/{number}/status"]["post"]
    assert post["security"] == [{"oauth2": ["write:shipments"]}]
    assert {"404", "409", "422"} <= set(post["responses"])
    assert paths["/api/orders/{number}"]["get"]["security"] == [{"oauth2": ["read:shipments"]}]
    schemas = document["components"]["schemas"]
    assert {"history", "allowed_next", "shipments", "expected_delivery"} <= set(schemas["OrderOut"]["properties"])
    assert set(schemas["OrderPage"]["properties"]) == {"items", "next_cursor"}
    page = client.get("/api/docs").get_data(as_text=True)
    assert "GET /api/orders/{number}" in page and "POST /api/orders/{number}/status" in page


def test_the_readme_documents_the_order_resources(app):
    text = open(README, encoding="utf-8").read()
    api = text[text.index("## REST API"):text.index("## Customer tracking")]
    for route in ("`GET /api/orders`", "`GET /api/orders/{number}`", "`POST /api/orders/{number}/status`"):
        assert route in api, route
