"""Build a large, realistic data set fast, for the benchmarks (not for tests or the demo).

``build(url, orders)`` migrates an empty database and bulk-inserts customers, orders, items,
shipments, their status history and carrier events with SQLAlchemy Core (column defaults of the
models apply), about 10 history rows and carrier events per order. Deterministic for a seed.

    python bench/dataset.py sqlite:////tmp/bench.db 100000
"""
import os
import random
import sys
import time
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from app import create_app  # noqa: E402
from app.clock import utcnow  # noqa: E402
from app.orders import statuses  # noqa: E402

BATCH = 5000
CARRIERS = ("nova_poshta", "nova_poshta", "ukrposhta", "meest", "dhl", "inpost")
REGIONS = ("м. Київ", "Львівська", "Одеська", "Харківська", "Дніпропетровська", "Вінницька", "mazowieckie",
           "małopolskie", "dolnośląskie")
FINALS = ((statuses.DELIVERED, 55), (statuses.IN_TRANSIT, 15), (statuses.SHIPPED, 8),
          (statuses.AWAITING_SHIPMENT, 8), (statuses.NEW, 5), (statuses.RETURNED, 5), (statuses.CANCELLED, 4))
BENCH_CUSTOMER_EMAIL = "bench-customer@example.com"
BENCH_STAFF_EMAIL = "bench-staff@example.com"
BENCH_PASSWORD = "bench-password-1"
#: The bench customer's order that every size has alike: in transit, so its partial keeps polling.
BENCH_ORDER = "BN-1000000"
#: An order of a guest customer and that customer's phone, for the public look-up at /track.
LOOKUP_ORDER, LOOKUP_PHONE = "BN-1000001", "+380670000000"


def _tracking(rng, carrier, n):
    if carrier == "nova_poshta":
        return f"20450{n:09d}"
    if carrier == "ukrposhta":
        return f"0500{n:09d}"
    if carrier == "meest":
        return f"CVA-{n:07d}"
    if carrier == "dhl":
        return f"00340434{n:012d}"
    return f"6026{n:020d}"


def _path(final):
    if final == statuses.CANCELLED:
        return [statuses.AWAITING_SHIPMENT, statuses.CANCELLED]
    if final == statuses.RETURNED:
        return [statuses.AWAITING_SHIPMENT, statuses.SHIPPED, statuses.IN_TRANSIT, statuses.DELIVERED, statuses.RETURNED]
    return list(statuses.CHAIN[1:statuses.CHAIN.index(final) + 1])


def build(url, orders, seed=7, quiet=False):
    """Create the schema by migrations and fill it; returns row counts and, under "api", the
    ``client_id`` and ``secret`` of an API client (made by the app's own service) for the bench."""
    from flask_migrate import upgrade

    from app.api.services import create_client
    from app.auth.services import create_user
    from app.extensions import db
    from app.orders.models import CarrierEvent, Customer, Order, OrderItem, Shipment, StatusEvent

    started = time.time()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SCHEDULER_ENABLED": False,
                      "PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_KIB": 1024})
    rng = random.Random(seed)
    now = utcnow()
    counts = {"orders": 0, "status_events": 0, "carrier_events": 0}
    with app.app_context():
        upgrade()
        customer_user = create_user(BENCH_CUSTOMER_EMAIL, BENCH_PASSWORD, "customer", name="Bench Customer",
                                    check_policy=False)
        create_user(BENCH_STAFF_EMAIL, BENCH_PASSWORD, "staff", name="Bench Staff", check_policy=False)
        client, secret = create_client("Bench", "read:shipments")
        api = {"client_id": client.client_id, "secret": secret}
        db.session.commit()
        bench_customer_id = customer_user.customer.id
        conn = db.session.connection()
        n_customers = max(1, orders // 3)
        conn.execute(Customer.__table__.insert(), [
            {"name": f"Клієнт {i}", "email": f"customer{i}@example.com", "phone": f"+38067{i:07d}",
             "language": "uk", "created_at": now - timedelta(days=400)} for i in range(n_customers)])
        first_customer = conn.execute(db.text("SELECT MIN(id) FROM customers WHERE user_id IS NULL")).scalar()
        finals = [f for f, w in FINALS for _ in range(w)]
        order_id = conn.execute(db.text("SELECT COALESCE(MAX(id), 0) FROM orders")).scalar()
        shipment_id = conn.execute(db.text("SELECT COALESCE(MAX(id), 0) FROM shipments")).scalar()
        for start in range(0, orders, BATCH):
            o_rows, i_rows, s_rows, h_rows, c_rows = [], [], [], [], []
            for n in range(start, min(orders, start + BATCH)):
                order_id += 1
                final = rng.choice(finals)
                if n in (0, 1):
                    final = statuses.IN_TRANSIT  # BENCH_ORDER, LOOKUP_ORDER (their polls keep polling)
                created = now - timedelta(days=rng.uniform(0.5, 365))
                path = _path(final)
                times = sorted(created + timedelta(hours=rng.uniform(1, 24 * 9)) for _ in path)
                times = [min(t, now) for t in times]
                carrier = rng.choice(CARRIERS)
                customer_id = bench_customer_id if n % 1000 == 0 else first_customer + rng.randrange(n_customers)
                if n == 1:
                    customer_id = first_customer  # LOOKUP_ORDER, LOOKUP_PHONE
                o_rows.append({"id": order_id, "number": f"BN-{1000000 + n}", "customer_id": customer_id,
                               "status": final, "status_changed_at": times[-1] if times else created,
                               "version": len(path) + 1, "currency": "UAH", "at_pickup_point": False,
                               "problem": False, "delivery_carrier": carrier, "delivery_country": "UA",
                               "delivery_city": "Львів", "delivery_region": rng.choice(REGIONS),
                               "delivery_pickup_point": f"Відділення №{rng.randint(1, 99)}",
                               "created_at": created, "updated_at": times[-1] if times else created})
                for _ in range(rng.choice((1, 1, 2))):
                    i_rows.append({"order_id": order_id, "name": "Сукня льняна", "sku": "DR-104", "size": "M",
                                   "color": "синій", "quantity": 1, "price": "1450.00"})
                h_rows.append({"order_id": order_id, "status": "new", "previous_status": None, "created_at": created,
                               "source": "system", "is_correction": False})
                previous = "new"
                for status, at in zip(path, times):
                    h_rows.append({"order_id": order_id, "status": status, "previous_status": previous,
                                   "created_at": at, "source": "carrier" if status in ("in_transit", "delivered") else "staff",
                                   "actor": carrier, "note": "причина" if status in statuses.NEEDS_REASON else None,
                                   "is_correction": False})
                    previous = status
                if final not in (statuses.NEW, statuses.CANCELLED):
                    shipment_id += 1
                    s_rows.append({"id": shipment_id, "order_id": order_id, "carrier": carrier,
                                   "tracking_number": _tracking(rng, carrier, n), "active": final in statuses.ACTIVE_SHIPPING,
                                   "scheduled_delivery_date": (created + timedelta(days=rng.randint(2, 6))).date(),
                                   "last_synced_at": now, "created_at": created})
                    for k in range(rng.randint(5, 8)):
                        c_rows.append({"shipment_id": shipment_id, "occurred_at": created + timedelta(hours=6 * (k + 1)),
                                       "raw_code": str(4 + k), "raw_text": "Відправлення прямує до міста",
                                       "location": "Київ", "mapped_status": None, "at_pickup_point": False,
                                       "problem": False, "unmapped": False, "created_at": created})
            conn.execute(Order.__table__.insert(), o_rows)
            conn.execute(OrderItem.__table__.insert(), i_rows)
            conn.execute(Shipment.__table__.insert(), s_rows)
            conn.execute(StatusEvent.__table__.insert(), h_rows)
            conn.execute(CarrierEvent.__table__.insert(), c_rows)
            db.session.commit()
            conn = db.session.connection()
            counts["orders"] += len(o_rows)
            counts["status_events"] += len(h_rows)
            counts["carrier_events"] += len(c_rows)
            if not quiet:
                print(f"  {counts['orders']:>7} orders ...", end="\r", flush=True)
        if url.startswith("postgresql"):
            for table in ("orders", "shipments"):
                conn.execute(db.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"))
        from app.analytics.stages import rebuild

        rebuild()  # the history was bulk-inserted past the lifecycle: derive the stages it keeps
        conn.execute(db.text("ANALYZE"))
        db.session.commit()
        db.engine.dispose()
    counts["seconds"] = round(time.time() - started, 1)
    counts["api"] = api
    if not quiet:
        print(f"  built {counts} ")
    return counts


if __name__ == "__main__":
    build(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10000)
