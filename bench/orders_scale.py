"""Scale benchmark for the staff workspace: 100,000 orders with histories in a SQLite file.

    .venv/bin/python bench/orders_scale.py [--orders 100000] [--db PATH] [--keep]

Builds the schema with the migrations, bulk-inserts customers, orders, items, shipments and
status histories (SQLAlchemy Core executemany, not the ORM one by one), then times the staff
orders list (plain, filtered, searched, sorted, a deep page, the htmx partial) and the analytics
pages through the real app with a logged-in staff user. Prints the median of several runs of
each; the target is under one second each. Not part of ``make test``.
"""
import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import insert  # noqa: E402

CARRIERS = {"nova_poshta": 0.55, "ukrposhta": 0.2, "meest": 0.1, "inpost": 0.1, "dhl": 0.05}
REGIONS = ("м. Київ", "Львівська", "Одеська", "Харківська", "Дніпропетровська", "Вінницька", "Полтавська",
           "Закарпатська", "Волинська", "Чернігівська", "mazowieckie", "małopolskie", "pomorskie")
FIRST = ("Олена", "Максим", "Наталія", "Ігор", "Юлія", "Дмитро", "Софія", "Anna", "Piotr", "Марія", "Олександр")
LAST = ("Коваль", "Шевченко", "Ткаченко", "Бойко", "Кравченко", "Олійник", "Лисенко", "Nowak", "Wójcik", "Мороз")
REASONS = ("wrong_size", "changed_mind", "defect", "refused_at_pickup", None)


def build(app, n_orders, seed=7):
    from app.auth.services import create_user
    from app.extensions import db
    from app.orders.models import Customer, Order, OrderItem, Shipment, StatusEvent, utcnow

    rng = random.Random(seed)
    now = utcnow()
    create_user("bench-staff@example.com", "bench-password-1", "staff")
    db.session.commit()
    n_customers = max(1, n_orders // 5)
    conn = db.session.connection()
    conn.execute(insert(Customer), [
        {"id": i, "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}", "email": f"c{i}@example.com",
         "phone": f"+38067{i:07d}", "language": "uk", "created_at": now - timedelta(days=400)}
        for i in range(1, n_customers + 1)])
    carriers, weights = list(CARRIERS), list(CARRIERS.values())
    orders, items, shipments, events = [], [], [], []
    event_id = shipment_id = item_id = 0
    for i in range(1, n_orders + 1):
        created = now - timedelta(minutes=rng.randrange(365 * 24 * 60))
        carrier = rng.choices(carriers, weights)[0]
        region = rng.choice(REGIONS)
        roll = rng.random()
        path = ["new"]
        if roll < 0.04:
            path += ["cancelled"]
        else:
            depth = 1 + min(3, int(rng.random() * 5)) if created > now - timedelta(days=10) else 4
            path += ["awaiting_shipment", "shipped", "in_transit", "delivered"][:depth]
            if path[-1] == "delivered" and rng.random() < 0.08:
                path.append("returned")
        at = created
        times = []
        for step in path:
            if step != "new":
                at = at + timedelta(hours={"awaiting_shipment": rng.uniform(1, 30), "shipped": rng.uniform(2, 48),
                                           "in_transit": rng.uniform(6, 30), "delivered": rng.uniform(20, 120),
                                           "returned": rng.uniform(24, 240), "cancelled": rng.uniform(1, 24)}[step])
                at = min(at, now)
            times.append(at)
        previous = None
        for step, when in zip(path, times):
            event_id += 1
            events.append({"id": event_id, "order_id": i, "status": step, "previous_status": previous,
                           "created_at": when, "source": "staff" if step in ("awaiting_shipment", "returned") else
                           "carrier", "actor": None, "is_correction": False,
                           "reason_code": rng.choice(REASONS) if step == "returned" else None,
                           "note": "bench" if step in ("returned", "cancelled") else None})
            previous = step
        status = path[-1]
        orders.append({"id": i, "number": f"PS-{100000 + i}", "customer_id": rng.randrange(1, n_customers + 1),
                       "status": status, "status_changed_at": times[-1], "version": len(path), "currency": "UAH",
                       "at_pickup_point": False, "problem": False, "delivery_carrier": carrier,
                       "delivery_country": "PL" if region.islower() else "UA", "delivery_city": "Місто",
                       "delivery_region": region, "created_at": created, "updated_at": times[-1]})
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            item_id += 1
            items.append({"id": item_id, "order_id": i, "name": "Сукня льняна", "sku": "DR-104", "size": "M",
                          "color": "синій", "quantity": 1, "price": "1450.00"})
        if "shipped" in path:
            shipment_id += 1
            shipped_at = times[path.index("shipped")]
            scheduled = (shipped_at + timedelta(days=rng.choice((1, 2, 2, 3, 4)))).date()
            shipments.append({"id": shipment_id, "order_id": i, "carrier": carrier,
                              "tracking_number": f"2045{i:010d}" if carrier == "nova_poshta" else f"BN{i:012d}",
                              "scheduled_delivery_date": scheduled, "active": status in ("shipped", "in_transit"),
                              "created_at": shipped_at})
    for model, rows in ((Order, orders), (OrderItem, items), (Shipment, shipments), (StatusEvent, events)):
        for start in range(0, len(rows), 20000):
            conn.execute(insert(model), rows[start:start + 20000])
    db.session.commit()
    db.session.execute(db.text("ANALYZE"))
    db.session.commit()
    return {"orders": len(orders), "items": len(items), "shipments": len(shipments), "history rows": len(events),
            "customers": n_customers}


def timed(client, path, runs):
    """Median and worst wall time, and median CPU time of this process (the app and SQLite run
    in it, so CPU time is the cost of a request without the wait for a busy machine's cores)."""
    samples, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(path.replace("#partial", ""), headers={"HX-Request": "true"} if "#partial" in path else {})
        samples.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(samples), max(samples), statistics.median(cpu)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--db", help="SQLite file to build (default: a temporary file)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the database file")
    parser.add_argument("--reuse", action="store_true", help="time an existing --db file without rebuilding it")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from app import create_app
    from config import TestConfig

    path = args.db or os.path.join(tempfile.mkdtemp(prefix="posylka-bench-"), "bench.db")
    reuse = args.reuse and args.db and os.path.exists(path)
    if os.path.exists(path) and not reuse:
        os.unlink(path)
    config = type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "TIMEZONE": "UTC"})
    app = create_app(config)
    if not reuse:
        with app.app_context():
            upgrade()
            start = time.perf_counter()
            counts = build(app, args.orders)
            print(f"built in {time.perf_counter() - start:.1f} s: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
    client = app.test_client()
    client.post("/login", data={"email": "bench-staff@example.com", "password": "bench-password-1"})
    from app.orders.models import utcnow

    today = utcnow().date()
    month_ago = today - timedelta(days=30)
    year_ago = today - timedelta(days=365)
    pages = [
        ("orders list (newest first)", "/admin/orders"),
        ("orders list, htmx partial", "/admin/orders?status=in_transit#partial"),
        ("filter: status + carrier + region", "/admin/orders?status=delivered&carrier=nova_poshta&region=Львівська"),
        ("filter: date range", f"/admin/orders?date_from={month_ago}&date_to={today}"),
        ("search: customer name", "/admin/orders?q=коваль"),
        ("search: phone digits", "/admin/orders?q=0670012345"),
        ("search: order number", "/admin/orders?q=PS-150000"),
        ("search: tracking number", "/admin/orders?q=20450000012345"),
        ("sort by customer, page 200", "/admin/orders?sort=customer&page=200"),
        ("analytics, last 30 days", f"/admin/analytics/?date_from={month_ago}&date_to={today}"),
        ("monthly report (this month)", "/admin/analytics/monthly"),
        ("analytics, whole year", f"/admin/analytics/?date_from={year_ago}&date_to={today}"),
    ]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nload average {load:.1f} on {os.cpu_count()} cores")
    print(f"{'page':38} {'median':>9} {'max':>9} {'cpu':>9}   (of {args.runs} runs)")
    worst = 0.0
    with app.app_context():
        for label, url in pages:
            median, worst_run, cpu = timed(client, url, args.runs)
            worst = max(worst, median) if "whole year" not in label else worst
            print(f"{label:38} {median * 1000:8.0f}ms {worst_run * 1000:8.0f}ms {cpu * 1000:8.0f}ms")
    print(f"\nslowest median (excluding the whole-year analytics): {worst * 1000:.0f} ms "
          f"({'under' if worst < 1 else 'OVER'} the 1 s target)")
    if not args.keep and not args.db:
        os.unlink(path)
    else:
        print(f"database kept at {path}")


if __name__ == "__main__":
    main()
