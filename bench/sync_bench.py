"""Benchmark: one full carrier sync cycle over 10,000 active shipments.

The shipments are spread evenly over the five real carriers, each live against a local fake
carrier (``fake_carriers.py``, in its own process) that speaks the documented format and answers
after 50 ms. The carriers' own rate limits (DHL 1/s and 250 a day, Meest 500/min) are lifted for
the run: they would measure the carriers' patience, not our code. Target: under 15 s.

    .venv/bin/python bench/sync_bench.py [--shipments 10000] [--delay 0.05] [--database-url URL]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

CARRIERS = ("nova_poshta", "ukrposhta", "meest", "dhl", "inpost")
PREFIX = {"nova_poshta": "NOVAPOSHTA", "ukrposhta": "UKRPOSHTA", "meest": "MEEST", "dhl": "DHL", "inpost": "INPOST"}


def number_for(carrier, i):
    return {"nova_poshta": f"2045{i:010d}", "ukrposhta": f"05{i:011d}", "meest": f"TAC-{i:07d}",
            "dhl": f"00340434{i:012d}", "inpost": f"6026{i:020d}"}[carrier]


def load(db, count, now):
    from app.orders.models import Customer, Order, Shipment, StatusEvent

    customers = [{"name": f"Клієнт {i}", "email": f"c{i}@example.com", "phone": f"+38067{i:07d}", "language": "uk",
                  "created_at": now} for i in range(count)]
    db.session.execute(db.insert(Customer), customers)
    ids = db.session.execute(db.select(Customer.id).order_by(Customer.id)).scalars().all()
    orders = []
    for i, customer_id in enumerate(ids):
        carrier = CARRIERS[i % len(CARRIERS)]
        orders.append({"number": f"B{i:07d}", "customer_id": customer_id, "status": "shipped", "status_changed_at": now,
                       "version": 1, "currency": "UAH", "at_pickup_point": False, "problem": False,
                       "delivery_carrier": carrier, "delivery_country": "UA", "delivery_region": "Львівська",
                       "created_at": now, "updated_at": now})
    db.session.execute(db.insert(Order), orders)
    order_ids = db.session.execute(db.select(Order.id).order_by(Order.id)).scalars().all()
    db.session.execute(db.insert(StatusEvent), [{"order_id": oid, "status": "shipped", "previous_status": "new",
                                                 "created_at": now, "source": "staff", "is_correction": False}
                                                for oid in order_ids])
    db.session.execute(db.insert(Shipment), [
        {"order_id": oid, "carrier": CARRIERS[i % len(CARRIERS)], "tracking_number": number_for(CARRIERS[i % 5], i),
         "active": True, "created_at": now} for i, oid in enumerate(order_ids)])
    db.session.commit()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shipments", type=int, default=10000)
    parser.add_argument("--delay", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--profile", metavar="CARRIER", help="profile one carrier's sync in this thread instead")
    args = parser.parse_args()

    fakes = subprocess.Popen([sys.executable, os.path.join(ROOT, "bench", "fake_carriers.py"), str(args.delay)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    urls = json.loads(fakes.stdout.readline())
    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite:///{tmp.name}/bench.db"

    from flask_migrate import upgrade

    from app import create_app, settings
    from app.carriers.sync import sync_all
    from app.clock import utcnow
    from app.extensions import db
    from app.runtime import tune_gc

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "CARRIER_CONCURRENCY": args.concurrency,
                      "DHL_RATE_LIMIT": "", "MEEST_RATE_LIMIT": "", "DHL_DAILY_QUOTA": 10 ** 9,
                      "CARRIER_TIMEOUT_SECONDS": 5, "OUTGOING_ALLOWED_HOSTS": "127.0.0.1"})  # the fakes are local
    app.logger.disabled = True
    try:
        with app.app_context():
            if args.database_url:
                db.drop_all()
                db.session.execute(db.text("DROP TABLE IF EXISTS alembic_version"))
                db.session.commit()
            upgrade(directory=os.path.join(ROOT, "migrations"))
            for code in CARRIERS:
                settings.put(f"{PREFIX[code]}_MODE", "live")
                settings.put(f"{PREFIX[code]}_API_URL", urls[code] + ("/" if code == "nova_poshta" else ""))
            settings.put("UKRPOSHTA_TOKEN", "bench", secret=True)
            settings.put("MEEST_USERNAME", "bench")
            settings.put("MEEST_PASSWORD", "bench", secret=True)
            settings.put("DHL_API_KEY", "bench", secret=True)
            db.session.commit()
            load(db, args.shipments, utcnow())
            tune_gc()  # as the serving process (wsgi.py) does
            started, cpu_started = time.perf_counter(), time.process_time()
            if args.profile:
                import cProfile
                import pstats

                from app.carriers.sync import sync_carrier

                if os.environ.get("BENCH_NO_PROFILE"):
                    sync_carrier(args.profile, trigger="bench")
                    print(f"{args.profile} alone: {time.perf_counter() - started:.2f} s "
                          f"(CPU {time.process_time() - cpu_started:.2f} s)")
                    return 0
                with cProfile.Profile() as profile:
                    sync_carrier(args.profile, trigger="bench")
                stats = pstats.Stats(profile).sort_stats(os.environ.get("BENCH_SORT", "tottime"))
                stats.print_stats(os.environ.get("BENCH_FILTER", ""), 45)
                if os.environ.get("BENCH_CALLERS"):
                    stats.print_callers(os.environ["BENCH_CALLERS"])
                return 0
            summaries = sync_all(app, trigger="bench")
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            times = os.times()
            for s in summaries:
                print(f"  {s['carrier']:<12} {s['outcome']:<8} {s['shipments']:>6} parcels {s['new_events']:>6} events "
                      f"{s['status_changes']:>6} status changes {s['error_count']:>4} errors")
                if s.get("errors"):
                    print("    " + s["errors"].replace("\n", "\n    ")[:500])
            total = sum(s["shipments"] for s in summaries)
            errors = sum(s["error_count"] for s in summaries)
            engine = db.engine.dialect.name
            again = time.perf_counter()
            repeat = sync_all(app, trigger="bench", force=True)
            print(f"second cycle (same answers, nothing new): {sum(s['shipments'] for s in repeat)} shipments, "
                  f"{sum(s['new_events'] for s in repeat)} new events in {time.perf_counter() - again:.2f} s")
            loadavg = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
            print(f"CPU time of the syncing process: {cpu:.2f} s (user {times.user:.1f} s, system {times.system:.1f} s "
                  f"since start); machine load average during the run: {loadavg:.2f} "
                  f"on {os.cpu_count()} cores (other work on the machine stretches the wall time)")
            print(f"sync cycle: {total} shipments on {engine} in {elapsed:.2f} s "
                  f"({args.delay * 1000:.0f} ms per carrier answer, {args.concurrency} calls in flight per carrier, "
                  f"{errors} errors) — target < 15 s: "
                  f"{'PASS' if elapsed < 15 and total == args.shipments and not errors else 'FAIL'}")
    finally:
        fakes.stdin.close()
        fakes.wait(timeout=10)
        tmp.cleanup()
    return 0 if elapsed < 15 else 1


if __name__ == "__main__":
    sys.exit(main())
