"""Scale benchmark for the staff workspace: 100,000 orders with histories in a SQLite file.

    .venv/bin/python bench/orders_scale.py [--orders 100000] [--db PATH] [--keep]

Builds the data set of ``make bench`` (bench/dataset.py: the schema by the migrations, then
customers, orders, items, shipments, status histories and carrier events bulk-inserted), then
times the staff orders list (plain, filtered, searched, sorted, a deep page, the htmx partial) and the analytics
pages through the real app with a logged-in staff user. Prints the median of several runs of
each; the target is under one second each. Not part of ``make test``.

The long analytics presets (the last 12 months, this year) are read from the copy the scheduler
recomputes every ``ANALYTICS_REFRESH_MINUTES`` (``app.analytics.services.figures``); the benchmark
runs that job first and prints its own time, then times the pages.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.dataset import BENCH_PASSWORD, BENCH_STAFF_EMAIL, build  # noqa: E402


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

    from app import create_app
    from config import TestConfig

    path = args.db or os.path.join(tempfile.mkdtemp(prefix="posylka-bench-"), "bench.db")
    reuse = args.reuse and args.db and os.path.exists(path)
    if os.path.exists(path) and not reuse:
        os.unlink(path)
    if not reuse:
        counts = build(f"sqlite:///{path}", args.orders, quiet=True)
        counts.pop("api")
        seconds = counts.pop("seconds")
        print(f"built in {seconds:.1f} s: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
    config = type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "TIMEZONE": "UTC",
                                                  "ANALYTICS_REFRESH_MINUTES": 15, "CACHE_TYPE": "FileSystemCache",
                                                  "CACHE_DIR": tempfile.mkdtemp(prefix="posylka-bench-cache-")})
    app = create_app(config)
    client = app.test_client()
    client.post("/login", data={"email": BENCH_STAFF_EMAIL, "password": BENCH_PASSWORD})
    from app.analytics.services import presets
    from app.clock import utcnow

    today = utcnow().date()
    month_ago = today - timedelta(days=30)
    with app.app_context():
        long_periods = {name: presets(today)[name] for name in ("last-12-months", "this-year")}

    def analytics(period):
        return f"/admin/analytics/?date_from={period.first_day}&date_to={period.last_day}"

    year = long_periods["last-12-months"]
    pages = [
        ("orders list (newest first)", "/admin/orders"),
        ("orders list, htmx partial", "/admin/orders?status=in_transit#partial"),
        ("filter: status + carrier + region", "/admin/orders?status=delivered&carrier=nova_poshta&region=Львівська"),
        ("filter: date range", f"/admin/orders?date_from={month_ago}&date_to={today}"),
        ("search: customer name", "/admin/orders?q=клієнт 1234"),
        ("search: phone digits", "/admin/orders?q=0670012345"),
        ("search: order number", "/admin/orders?q=BN-1050000"),
        ("search: tracking number", "/admin/orders?q=20450000012345"),
        ("sort by customer, page 200", "/admin/orders?sort=customer&page=200"),
        ("analytics, last 30 days", f"/admin/analytics/?date_from={month_ago}&date_to={today}"),
        ("monthly report (this month)", "/admin/analytics/monthly"),
        ("analytics, last 12 months", analytics(year)),
        ("analytics, this year", analytics(long_periods["this-year"])),
    ]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nload average {load:.1f} on {os.cpu_count()} cores")
    from app.analytics.services import refresh_job

    with app.app_context():
        start, start_cpu = time.perf_counter(), time.process_time()
        refresh_job(app)  # what the scheduler does every ANALYTICS_REFRESH_MINUTES, in the background
        print(f"recomputing the long presets' copies (the scheduler's job, {len(long_periods)} periods): "
              f"{time.perf_counter() - start:.2f} s wall, {time.process_time() - start_cpu:.2f} s CPU")
    print(f"{'page':38} {'median':>9} {'max':>9} {'cpu':>9}   (of {args.runs} runs)")
    worst = worst_cpu = 0.0
    with app.app_context():
        for label, url in pages:
            median, worst_run, cpu = timed(client, url, args.runs)
            worst, worst_cpu = max(worst, median), max(worst_cpu, cpu)
            print(f"{label:38} {median * 1000:8.0f}ms {worst_run * 1000:8.0f}ms {cpu * 1000:8.0f}ms")
    print(f"\nslowest median (every page, the last 12 months included): {worst * 1000:.0f} ms "
          f"({'under' if worst < 1 else 'OVER'} the 1 s target); slowest CPU time {worst_cpu * 1000:.0f} ms")
    if not args.keep and not args.db:
        os.unlink(path)
    else:
        print(f"database kept at {path}")


if __name__ == "__main__":
    main()
