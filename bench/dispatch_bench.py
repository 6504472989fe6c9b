"""Dispatch benchmark: N queued e-mails sent to a local SMTP server (aiosmtpd) by the dispatcher.

    .venv/bin/python bench/dispatch_bench.py [--count 10000] [--workers 8] [--database-url URL]

Uses a fresh SQLite file unless --database-url names an empty PostgreSQL database. Prints the
figure (messages per second) and exits non-zero below --min-rate (default 200).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from app import create_app  # noqa: E402
from config import Config, database_url  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--min-rate", type=float, default=200.0)
    parser.add_argument("--workers", type=int, default=8, help="NOTIFY_WORKERS (sending threads)")
    parser.add_argument("--batch-size", type=int, default=200, help="NOTIFY_BATCH_SIZE")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="posylka-bench-")
    url = database_url(args.database_url) if args.database_url else f"sqlite:///{tmp}/bench.db"
    config = type("BenchConfig", (Config,), {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret",
                                             "SCHEDULER_ENABLED": False, "NOTIFY_BATCH_SIZE": args.batch_size,
                                             "NOTIFY_WORKERS": args.workers})
    app = create_app(config)
    app.instance_path = tmp
    sink = subprocess.Popen([sys.executable, os.path.join(HERE, "smtp_sink.py")], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    smtp_port = int(sink.stdout.readline().split()[1])
    with app.app_context():
        from flask_migrate import upgrade

        from app import settings
        from app.clock import utcnow
        from app.extensions import db
        from app.notify.dispatcher import dispatch
        from app.notify.models import Notification
        from app.orders.models import Customer
        from app.orders.services import create_order

        upgrade()
        settings.put("SMTP_HOST", "127.0.0.1")
        settings.put("SMTP_PORT", str(smtp_port))
        settings.put("PUBLIC_URL", "https://shop.example")
        orders = []
        for i in range(args.orders):
            person = Customer(name=f"Клієнт {i}", email=f"client{i}@example.com", language=("uk", "en", "pl", "ru")[i % 4])
            db.session.add(person)
            orders.append(create_order(person, [{"name": "Сукня льняна", "price": "1450.00"}],
                                       delivery={"city": "Львів", "pickup_point": "Відділення №12"},
                                       shipments=[{"carrier": "nova_poshta", "tracking_number": f"2045{i:010d}"}]))
        db.session.flush()
        db.session.execute(db.delete(Notification))  # only the benchmark's own rows below
        now = utcnow()
        db.session.execute(db.insert(Notification), [
            {"event_id": f"evt_bench_{n}", "order_id": orders[n % len(orders)].id,
             "customer_id": orders[n % len(orders)].customer_id, "channel": "email", "kind": "status",
             "status": "shipped", "recipient": f"client{n % len(orders)}@example.com", "state": "queued",
             "attempts": 0, "max_attempts": 8, "next_attempt_at": now, "merged_count": 0, "created_at": now,
             "updated_at": now} for n in range(args.count)])
        db.session.commit()
        db.session.remove()  # start like the dispatcher process does: with an empty session

        started = time.perf_counter()
        result = dispatch()
        elapsed = time.perf_counter() - started
        sink.stdin.close()
        received = int(sink.stdout.readline().split()[1])
        sink.wait(timeout=30)
        rate = result.sent / elapsed if elapsed else 0.0
        engine = db.engine.dialect.name
        print(f"dispatch benchmark ({engine}, {args.workers} workers): {result.sent} e-mails sent, {received} received by SMTP, "
              f"{elapsed:.1f} s, {rate:.0f} messages/s (failed {result.failed}, retrying {result.retrying})")
        ok = result.sent == args.count and received == args.count and rate >= args.min_rate
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
