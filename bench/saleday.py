"""Sale day: N customers watching their orders, offered at a steady rate, while a carrier sync
moves 20 % of the watched orders.

Each simulated customer has one order page open: logged in (20 %, with the header's unread badge
polled every 3 × POLL_SECONDS), by the signed link of a message (50 %) or in the shop's widget
(30 %). Every POLL_SECONDS its page polls the progress block with the ETag it holds, and about
once in five minutes it loads the whole page again. The client is open-loop (asyncio + aiohttp):
requests leave on schedule whether or not earlier ones were answered, and a latency is counted
from the moment a request was due, so a server that falls behind shows it.

Each watcher starts with the ETag of its open page (fetched before the run, not measured). For
each N of ``--levels`` it runs ``--seconds`` after one poll interval of warm-up and reports
p50/p99; the largest N with p99 < 250 ms is the result. Then, at ``--sync-level`` (or that N), a
second process moves 20 % of the watched orders one status on, as a carrier sync does (through
``lifecycle.change_status``, committing every 50 orders), and the run reports the p99 while it
runs and how long after its commit each watcher saw its order's change.

    python bench/saleday.py [--database sqlite|postgresql] [--levels 1000,2000,3000] [--seconds 30]

SQLite is served by one process; PostgreSQL (``BENCH_POSTGRES_URL``, a scratch database this
script creates and drops) by two processes sharing one listening socket. Traffic goes only to
127.0.0.1, and the run ends by itself.
"""
import argparse
import asyncio
import collections
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

POLL_SECONDS = 10
PAGE_EVERY_SECONDS = 300
ACCOUNTS = 50
ORDERS = 20_000
P99_LIMIT_MS = 250
SHARES = (("customer", 0.2), ("signed", 0.5), ("widget", 0.3))
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/posylka_saleday_bench"


def _app(url):
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SCHEDULER_ENABLED": False,
                       "PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_KIB": 1024})


def prepare(url):
    """Build the data set, give ``ACCOUNTS`` customers a log-in and some watched orders; return the
    watched orders as (kind, order id, number, token, account e-mail)."""
    from bench.dataset import BENCH_PASSWORD, build

    build(url, ORDERS, quiet=True)
    from app.auth.services import create_user
    from app.extensions import db
    from app.orders import links, statuses
    from app.orders.models import Order

    app = _app(url)
    with app.app_context():
        active = db.session.execute(db.select(Order).where(Order.status.in_(
            (statuses.AWAITING_SHIPMENT, statuses.SHIPPED, statuses.IN_TRANSIT))).order_by(Order.id)).scalars().all()
        accounts = [create_user(f"watcher{i}@example.com", BENCH_PASSWORD, "customer", name=f"Watcher {i}",
                                check_policy=False) for i in range(ACCOUNTS)]
        db.session.flush()
        watched = []
        for index, order in enumerate(active):
            if index % 5 == 0:  # a logged-in customer's order
                account = accounts[(index // 5) % ACCOUNTS]
                order.customer_id = account.customer.id
                watched.append(["customer", order.id, order.number, None, account.email])
            else:
                watched.append(["link", order.id, order.number, links.make_token(order), None])
        db.session.commit()
        db.engine.dispose()
    return watched


def move(url, ids_path, out_path):
    """The carrier sync stand-in (run in a process of its own): one status on for every order in
    ``ids_path``, 50 per commit; writes {order id: commit time} to ``out_path``."""
    from app.database import writing
    from app.extensions import db
    from app.orders import lifecycle, statuses
    from app.orders.models import Order

    with open(ids_path) as fh:
        ids = json.load(fh)
    app = _app(url)
    done = {}
    with app.app_context(), writing():
        for start in range(0, len(ids), 50):
            chunk = ids[start:start + 50]
            for order in db.session.execute(db.select(Order).where(Order.id.in_(chunk))).scalars():
                following = {statuses.AWAITING_SHIPMENT: statuses.SHIPPED, statuses.SHIPPED: statuses.IN_TRANSIT,
                             statuses.IN_TRANSIT: statuses.DELIVERED}[order.status]
                lifecycle.change_status(order, following, source="carrier", actor="nova_poshta")
            db.session.commit()
            committed = time.time()
            done.update({order_id: committed for order_id in chunk})
    with open(out_path, "w") as fh:
        json.dump(done, fh)


# ---- serving ----------------------------------------------------------------------------------

def serve(url, processes, log_path):
    """Start ``processes`` serving processes on one loopback port; return (base URL, processes)."""
    listening = socket.socket()
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listening.bind(("127.0.0.1", 0))
    listening.listen(2048)
    listening.set_inheritable(True)
    log = open(log_path, "ab")
    started = [subprocess.Popen([sys.executable, os.path.join(HERE, "serve.py"), url, f"fd:{listening.fileno()}"],
                                pass_fds=(listening.fileno(),), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
               for _ in range(processes)]
    base = f"http://127.0.0.1:{listening.getsockname()[1]}"
    listening.close()  # the children hold it
    import requests

    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            if requests.get(f"{base}/bench/bare", timeout=2).status_code == 200:
                return base, started
        except requests.RequestException:
            time.sleep(0.3)
    raise SystemExit("the server did not start; see " + log_path)


def stop(started):
    for process in started:
        process.terminate()
    for process in started:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def log_in(base, emails):
    import requests

    from bench.dataset import BENCH_PASSWORD

    cookies = {}
    for email in emails:
        session = requests.Session()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', session.get(f"{base}/login").text)
        answer = session.post(f"{base}/login", data={"email": email, "password": BENCH_PASSWORD,
                                                     "csrf_token": token.group(1) if token else ""},
                              allow_redirects=False)
        if answer.status_code != 302:
            raise SystemExit(f"log-in of {email} answered {answer.status_code}")
        cookies[email] = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    return cookies


# ---- the watchers -----------------------------------------------------------------------------

class Watcher:
    def __init__(self, kind, order_id, number, token, cookie):
        self.kind, self.order_id = kind, order_id
        self.headers = {"Cookie": cookie} if cookie else {}
        if kind == "customer":
            self.page, self.poll = f"/orders/{number}", f"/orders/{number}/progress"
        else:
            prefix = "/t/" if kind == "signed" else "/widget/"
            self.page, self.poll = f"{prefix}{token}", f"{prefix}{token}/progress"
        self.etag = self.badge_etag = None
        self.changed_at = None


async def watch(session, watcher, until, samples, offset):
    loop = asyncio.get_running_loop()
    due = loop.time() + offset
    badge_due = due + random.uniform(0, 3 * POLL_SECONDS)
    pending = set()
    while due < until:
        await asyncio.sleep(max(0.0, due - loop.time()))
        pending.add(asyncio.ensure_future(_poll(session, watcher, due, samples)))
        if random.random() < POLL_SECONDS / PAGE_EVERY_SECONDS:
            pending.add(asyncio.ensure_future(_get(session, watcher.page, watcher.headers, due, samples, "page")))
        if watcher.kind == "customer" and badge_due <= due:
            pending.add(asyncio.ensure_future(_badge(session, watcher, due, samples)))
            badge_due += 3 * POLL_SECONDS
        pending = {task for task in pending if not task.done()}
        due += POLL_SECONDS
    if pending:
        await asyncio.wait(pending, timeout=30)


async def _get(session, path, headers, due, samples, what):
    loop = asyncio.get_running_loop()
    try:
        async with session.get(path, headers=headers, allow_redirects=False) as answer:
            await answer.read()
            status, etag = answer.status, answer.headers.get("ETag")
    except Exception as error:  # a refused or dropped connection counts against the server
        samples.append((due, 30.0, what, f"error {type(error).__name__}"))
        return None, None
    samples.append((due, loop.time() - due, what, status))
    return status, etag


async def _poll(session, watcher, due, samples):
    headers = dict(watcher.headers, **{"HX-Request": "true"})
    if watcher.etag:
        headers["If-None-Match"] = watcher.etag
    status, etag = await _get(session, watcher.poll, headers, due, samples, "poll")
    if status in (200, 286) and etag:
        if watcher.etag is not None and etag != watcher.etag and watcher.changed_at is None:
            watcher.changed_at = time.time()
        watcher.etag = etag


async def _badge(session, watcher, due, samples):
    headers = dict(watcher.headers, **{"HX-Request": "true"})
    if watcher.badge_etag:
        headers["If-None-Match"] = watcher.badge_etag
    status, etag = await _get(session, "/notifications/unread", headers, due, samples, "badge")
    if status == 200 and etag:
        watcher.badge_etag = etag


async def load(base, watchers, seconds, on_start=None):
    """Run every watcher for one poll interval of warm-up plus ``seconds``; return the samples
    taken after the warm-up as (due, latency s, what, status)."""
    import aiohttp

    samples = []
    connector = aiohttp.TCPConnector(limit=400, limit_per_host=400)
    timeout = aiohttp.ClientTimeout(total=30)
    # the User-Agent of the log-ins (requests'): a browser keeps its own, and with another one every
    # logged-in poll would re-sign the session cookie (Flask-Login's session protection)
    import requests

    async with aiohttp.ClientSession(base, connector=connector, timeout=timeout,
                                     headers={"User-Agent": requests.utils.default_user_agent()}) as session:
        loop = asyncio.get_running_loop()
        start = loop.time()
        until = start + POLL_SECONDS + seconds
        tasks = [asyncio.ensure_future(watch(session, w, until, samples, random.uniform(0, POLL_SECONDS)))
                 for w in watchers]
        if on_start is not None:
            await asyncio.sleep(POLL_SECONDS + 5)
            await loop.run_in_executor(None, on_start)
        await asyncio.gather(*tasks)
    return [s for s in samples if s[0] >= start + POLL_SECONDS]


def summary(samples):
    latencies = sorted(s[1] * 1000 for s in samples)
    failed = collections.Counter(s[3] for s in samples if not isinstance(s[3], int) or s[3] >= 400)
    errors = sum(failed.values())
    if not latencies:
        return {"requests": 0, "p50": 0, "p99": 0, "errors": errors, "failures": dict(failed)}
    return {"requests": len(latencies), "p50": statistics.median(latencies),
            "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], "errors": errors,
            "failures": dict(failed)}


async def prime(base, watchers):
    """Give every watcher that has none the ETag of its open page, as a browser that loaded it a
    while ago holds it (not measured): the mix is the watchers of open pages polling, not all of
    them arriving within one poll interval, whose first renders (each a full tracking block) would
    otherwise queue into the measured window."""
    import aiohttp
    import requests

    limit = asyncio.Semaphore(16)

    async def one(session, watcher):
        async with limit, session.get(watcher.poll, headers=dict(watcher.headers, **{"HX-Request": "true"})) as answer:
            await answer.read()
            watcher.etag = answer.headers.get("ETag")

    async with aiohttp.ClientSession(base, headers={"User-Agent": requests.utils.default_user_agent()},
                                     timeout=aiohttp.ClientTimeout(total=300)) as session:
        await asyncio.gather(*(one(session, w) for w in watchers if w.etag is None))


def make_watchers(watched, cookies, n):
    rng = random.Random(n)
    customers = [w for w in watched if w[0] == "customer"]
    links = [w for w in watched if w[0] == "link"]
    watchers = []
    for i in range(n):
        roll = rng.random()
        if roll < SHARES[0][1]:
            _, order_id, number, _, email = customers[i % len(customers)]
            watchers.append(Watcher("customer", order_id, number, None, cookies[email]))
        else:
            kind = "signed" if roll < SHARES[0][1] + SHARES[1][1] else "widget"
            _, order_id, number, token, _ = links[i % len(links)]
            watchers.append(Watcher(kind, order_id, number, token, None))
    return watchers


def run(database, levels, seconds, sync_level, processes=None):
    workdir = tempfile.mkdtemp(prefix="posylka-saleday-")
    if database == "sqlite":
        url, processes = f"sqlite:///{workdir}/saleday.db", processes or 1
    else:
        from config import database_url

        url, processes = database_url(os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES)), processes or 2
        _recreate_postgres(url)
    print(f"== sale day on {database} ({processes} serving process{'es' if processes > 1 else ''}): building "
          f"{ORDERS:,} orders", flush=True)
    watched = prepare(url)
    log_path = os.path.join(workdir, "serve.log")
    base, started = serve(url, processes, log_path)
    try:
        cookies = log_in(base, sorted({w[4] for w in watched if w[4]}))
        results = {}
        for n in levels:
            watchers = make_watchers(watched, cookies, n)
            asyncio.run(prime(base, watchers))
            figures = summary(asyncio.run(load(base, watchers, seconds)))
            results[n] = figures
            print(f"   {n:>6,} watchers: {figures['requests'] / seconds:6.0f} req/s offered and answered, "
                  f"p50 {figures['p50']:6.1f} ms, p99 {figures['p99']:7.1f} ms, {figures['errors']} errors "
                  f"{figures['failures'] or ''}", flush=True)
        served = [n for n, f in results.items() if f["p99"] < P99_LIMIT_MS and not f["errors"]]
        best = max(served) if served else 0
        n = sync_level or best or levels[0]
        watchers = make_watchers(watched, cookies, n)
        asyncio.run(prime(base, watchers))
        moving = sorted({w.order_id for w in watchers})
        moving = random.Random(1).sample(moving, len(moving) // 5)
        ids_path, out_path = os.path.join(workdir, "move.json"), os.path.join(workdir, "moved.json")
        with open(ids_path, "w") as fh:
            json.dump(moving, fh)
        window = {}

        def sync():
            window["start"] = time.monotonic()  # the event loop's clock, as the samples' "due"
            subprocess.run([sys.executable, os.path.abspath(__file__), "--move", url, ids_path, out_path],
                           cwd=ROOT, check=True)
            window["end"] = time.monotonic()

        samples = asyncio.run(load(base, watchers, max(seconds, 3 * POLL_SECONDS), on_start=sync))
        with open(out_path) as fh:
            committed = {int(k): v for k, v in json.load(fh).items()}
        moved = set(committed)
        seen = [w.changed_at - committed[w.order_id] for w in watchers
                if w.order_id in moved and w.changed_at is not None]
        unseen = sum(1 for w in watchers if w.order_id in moved and w.changed_at is None)
        # while the sync runs, and one poll interval after it (the polls that fetch its changes)
        during = summary([x for x in samples if window["start"] <= x[0] <= window["end"] + POLL_SECONDS])
        seen.sort()
        sync_figures = {"watchers": n, "moved_orders": len(moved), "sync_seconds": window["end"] - window["start"],
                        "p50": during["p50"], "p99": during["p99"], "errors": during["errors"],
                        "seen": len(seen), "unseen": unseen,
                        "visible_p50": statistics.median(seen) if seen else None,
                        "visible_max": seen[-1] if seen else None}
        print(f"   with the sync: {n:,} watchers, {len(moved):,} orders moved in {sync_figures['sync_seconds']:.1f} s; "
              f"p50 {during['p50']:.1f} ms, p99 {during['p99']:.1f} ms, {during['errors']} errors; "
              f"{len(seen):,} watchers saw their change after {sync_figures['visible_p50'] or 0:.1f} s (median), "
              f"{sync_figures['visible_max'] or 0:.1f} s at most; {unseen} never saw it", flush=True)
        return {"database": database, "processes": processes, "levels": results, "largest_n": best,
                "sync": sync_figures}
    finally:
        stop(started)
        if database == "postgresql":
            _drop_postgres(url)
        shutil.rmtree(workdir, ignore_errors=True)


def _admin_url(url):
    from sqlalchemy.engine import make_url

    return make_url(url).set(database="postgres"), make_url(url).database


def _recreate_postgres(url):
    from sqlalchemy import create_engine, text

    admin, name = _admin_url(url)
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


def _drop_postgres(url):
    from sqlalchemy import create_engine, text

    admin, name = _admin_url(url)
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "--move":
        move(*sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--levels", default="1000,2000,3000,4000,5000")
    parser.add_argument("--seconds", type=int, default=30, help="measured seconds per level")
    parser.add_argument("--sync-level", type=int, help="watchers during the sync (default: the largest served N)")
    parser.add_argument("--processes", type=int, help="serving processes (default: 1 on SQLite, 2 on PostgreSQL)")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    databases = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    report = [run(database, levels, args.seconds, args.sync_level, args.processes) for database in databases]
    print("\n" + json.dumps(report, indent=1, default=str))
    targets = {"sqlite": 3000, "postgresql": 5000}
    failures = [f"{r['database']}: largest N with p99 < {P99_LIMIT_MS} ms is {r['largest_n']:,} (target "
                f"{targets[r['database']]:,})" for r in report if r["largest_n"] < targets[r["database"]]]
    for r in report:
        s = r["sync"]
        if s["p99"] >= 1000:
            failures.append(f"{r['database']}: p99 during the sync {s['p99']:.0f} ms ≥ 1 s")
        if s["unseen"] or (s["visible_max"] or 0) > POLL_SECONDS + 2:
            failures.append(f"{r['database']}: a change took {s['visible_max'] or 0:.1f} s to be seen, "
                            f"{s['unseen']} never seen (target ≤ {POLL_SECONDS + 2} s)")
    print("\nsale-day targets: " + ("all met" if not failures else "NOT MET:\n  " + "\n  ".join(failures)))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
