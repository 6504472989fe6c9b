"""Queries per request on the hot pages (issue 9): a small fixed number, whatever the data.

Each test counts the SQL statements one request runs (at the database driver, see ``_watch_driver``)
for a small case and a large one (many history rows, carrier events, parcels, orders) and
asserts the same count, at most a fixed bound: no page loads rows one by one.
"""
import base64
import sqlite3
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event

from app.orders import statuses

#: The most statements each page may run (what it runs today, measured by these tests).
# A logged-in request's session row is read with its user and the user's customer record in one
# query (app/auth/sessions.py).
BOUNDS = {
    "partial 304": 2,  # session row, the order's version (app/orders/access.py)
    "partial 200": 5,  # session row, the order's version, the order with its parcels, carrier events and
                       # return requests joined, its history (app/orders/access.py: tracking_options),
                       # and the transit statistics for the expected date (app/carriers/eta.py: the
                       # region's and the carrier's in one query)
    "order page": 8,  # session row, the order with recipient and the tracking block's joined rows, items,
                      # history, the transit statistics, the header's count of unread messages, the
                      # returns section's requests (app/returns; a delivered order's item outcomes one more)
    "track lookup": 1,  # the order with its customer (the link's nonce is set by the first look-up)
    "api list": 3,  # token, client, shipments with their orders (one query)
    "api orders list": 5,  # token, client, orders with their customers, their items, their parcels
    "admin list": 10,  # session row, newest history row, status counts (the total too), ids, orders with
                       # customers, parcels, items, regions, the staff menu's Attention count, the parcels
                       # long past their carrier check (every staff page: app/carriers/services.late_checks)
    "admin list again": 9,  # no status changed since: the counts kept under the newest history row (SQLite)
}


@pytest.fixture
def app_config():
    return {"SETTINGS_REFRESH_SECONDS": 3600}  # the settings snapshot is read once, not mid-test


TRANSACTION_CONTROL = {"BEGIN", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"}


def _watch_driver(dbapi_connection, record):
    """Make the driver connection report every statement it runs to ``record``; returns the undo.

    Counted at the driver, not at SQLAlchemy's execution events, so that a statement the app sends
    on a pooled driver connection directly (the polled partial's quick query) counts too."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.set_trace_callback(record)
        return lambda: dbapi_connection.set_trace_callback(None)
    import psycopg

    class CountingCursor(psycopg.Cursor):
        def execute(self, query, params=None, **kwargs):
            record(query if isinstance(query, str) else query.as_string(self))
            return super().execute(query, params, **kwargs)

        def executemany(self, query, params_seq, **kwargs):
            record(query if isinstance(query, str) else query.as_string(self))
            return super().executemany(query, params_seq, **kwargs)

    previous = dbapi_connection.cursor_factory
    dbapi_connection.cursor_factory = CountingCursor
    return lambda: setattr(dbapi_connection, "cursor_factory", previous)


@pytest.fixture
def count_queries(db):
    @contextmanager
    def counting():
        statements, undo = [], {}

        def record(statement):
            # transaction control is not a query (SQLite's BEGIN is explicit, see app/database.py)
            if statement.strip().upper() not in TRANSACTION_CONTROL:
                statements.append(statement)

        def checkout(dbapi_connection, connection_record, connection_proxy):
            if id(dbapi_connection) not in undo:
                undo[id(dbapi_connection)] = _watch_driver(dbapi_connection, record)

        event.listen(db.engine, "checkout", checkout)
        try:
            yield statements
        finally:
            event.remove(db.engine, "checkout", checkout)
            for restore in undo.values():
                restore()

    return counting


@pytest.fixture
def rich_order(db, make_order):
    """An in-transit order of ``customer`` with ``extra`` more history rows, carrier events and parcels."""
    from app.clock import utcnow
    from app.orders.models import CarrierEvent, Shipment, StatusEvent

    def make(customer, extra=0, number_of_parcels=1):
        order = make_order(customer=customer, status=statuses.IN_TRANSIT)
        now = utcnow()
        for k in range(1, number_of_parcels):
            order.shipments.append(Shipment(carrier="ukrposhta", tracking_number=f"05{order.id:04d}{k:07d}"))
        db.session.flush()
        for shipment in order.shipments:
            for k in range(extra):
                db.session.add(CarrierEvent(shipment=shipment, occurred_at=now - timedelta(hours=extra - k),
                                            raw_code=f"c{k}", raw_text=f"Подія {k}", location="Київ"))
        # a long history, as a much-corrected order would have (test data, not a status change)
        for k in range(extra):
            db.session.add(StatusEvent(order=order, status=statuses.IN_TRANSIT, previous_status=statuses.SHIPPED,
                                       created_at=now - timedelta(minutes=extra - k), source="staff",
                                       note=f"уточнення {k}", is_correction=True))
        db.session.commit()
        return order

    return make


@pytest.fixture
def customer_pair(db, make_user, login, client):
    """A logged-in customer with a small order and a large one."""
    def make(rich_order, extra=40, parcels=4):
        user = make_user("customer")
        small = rich_order(user.customer)
        large = rich_order(user.customer, extra=extra, number_of_parcels=parcels)
        assert login(user.email).status_code == 302
        return small, large

    return make


def _count(count_queries, send, *args, **kwargs):
    with count_queries() as statements:
        response = send(*args, **kwargs)
    return response, len(statements)


def test_unchanged_partial_is_one_query(client, count_queries, customer_pair, rich_order):
    small, large = customer_pair(rich_order)
    counts = []
    for order in (small, large):
        url = f"/orders/{order.number}/progress"
        first = client.get(url, headers={"HX-Request": "true"})
        assert first.status_code == 200
        response, n = _count(count_queries, client.get, url,
                             headers={"HX-Request": "true", "If-None-Match": first.headers["ETag"]})
        assert response.status_code == 304
        counts.append(n)
    assert counts[0] == counts[1] <= BOUNDS["partial 304"], counts


def test_partial_after_a_change_does_not_grow_with_history(client, count_queries, customer_pair, rich_order):
    small, large = customer_pair(rich_order)
    counts = []
    for order in (small, large):
        client.get(f"/orders/{order.number}/progress", headers={"HX-Request": "true"})  # warm the settings
        response, n = _count(count_queries, client.get, f"/orders/{order.number}/progress",
                             headers={"HX-Request": "true"})
        assert response.status_code == 200
        counts.append(n)
    assert "уточнення 39" in response.get_data(as_text=True)  # the long history is on the page
    assert counts[0] == counts[1] <= BOUNDS["partial 200"], counts


def test_order_page_does_not_grow(client, count_queries, customer_pair, rich_order):
    small, large = customer_pair(rich_order)
    client.get("/orders/")  # warm the settings snapshot
    counts = []
    for order in (small, large):
        response, n = _count(count_queries, client.get, f"/orders/{order.number}")
        assert response.status_code == 200
        counts.append(n)
    assert counts[0] == counts[1] <= BOUNDS["order page"], counts


def test_track_lookup_does_not_grow_with_history(db, client, count_queries, make_order, rich_order):
    from app.orders.models import Customer

    counts = []
    for extra in (0, 40):
        customer = Customer(name="Гість", phone=f"+38067555{extra:04d}", email=f"guest{extra}@example.com")
        db.session.add(customer)
        order = rich_order(customer, extra=extra, number_of_parcels=3)
        post = {"number": order.number, "contact": customer.phone}
        client.post("/track", data=post)  # the first look-up gives the order its link nonce
        response, n = _count(count_queries, client.post, "/track", data=post)
        assert response.status_code == 303
        counts.append(n)
    assert counts[0] == counts[1] <= BOUNDS["track lookup"], counts


def _token(client, db):
    from app.api.services import create_client

    api_client, secret = create_client("Shop", "read:shipments")
    db.session.commit()
    basic = base64.b64encode(f"{api_client.client_id}:{secret}".encode()).decode()
    response = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                           headers={"Authorization": f"Basic {basic}"})
    return response.get_json()["access_token"]


def test_api_shipments_list_does_not_grow_with_the_page(db, client, count_queries, make_order):
    headers = {"Authorization": f"Bearer {_token(client, db)}"}
    counts = []
    for total in (2, 30):
        while len(client.get("/api/shipments?limit=100", headers=headers).get_json()["items"]) < total:
            make_order(status=statuses.SHIPPED)
        response, n = _count(count_queries, client.get, "/api/shipments?limit=100", headers=headers)
        assert response.status_code == 200
        assert len(response.get_json()["items"]) == total
        counts.append(n)
    assert counts[0] == counts[1] <= BOUNDS["api list"], counts


def test_api_orders_list_does_not_grow_with_the_page(db, client, count_queries, make_order):
    headers = {"Authorization": f"Bearer {_token(client, db)}"}
    counts, made = [], 0
    for total in (2, 30):
        while len(client.get("/api/orders?limit=100", headers=headers).get_json()["items"]) < total:
            made += 1  # every other order without a parcel yet
            make_order(status=statuses.SHIPPED if made % 2 else statuses.NEW, tracking_number=None if made % 2 else False)
        response, n = _count(count_queries, client.get, "/api/orders?limit=100", headers=headers)
        assert response.status_code == 200
        assert len(response.get_json()["items"]) == total
        counts.append(n)
    assert counts[0] == counts[1] <= BOUNDS["api orders list"], counts


def test_admin_orders_list_does_not_grow_with_orders(db, client, count_queries, make_user, login, make_order,
                                                     rich_order):
    from app.orders.models import Customer

    staff = make_user("staff")
    assert login(staff.email).status_code == 302
    client.get("/admin/orders")  # warm the settings snapshot
    first, again = [], []
    for total in (2, 25):
        while db.session.query(Customer).count() < total:
            customer = Customer(name="Клієнт", phone="+380670000000")
            db.session.add(customer)
            rich_order(customer, extra=3, number_of_parcels=2)
        response, n = _count(count_queries, client.get, "/admin/orders")
        assert response.status_code == 200
        first.append(n)
        response, n = _count(count_queries, client.get, "/admin/orders")
        assert response.status_code == 200
        again.append(n)
    assert first[0] == first[1] <= BOUNDS["admin list"], first
    assert again[0] == again[1] <= BOUNDS["admin list again"], again
