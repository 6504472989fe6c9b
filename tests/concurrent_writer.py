"""A separate OS process that writes to the shop's database (run by tests/test_faults.py).

``python tests/concurrent_writer.py URL WORKER COUNT [read|sync|dispatch]``: creates COUNT orders and
moves each through the whole lifecycle, one transaction per step, each step reading the order and
then writing the status, an audit row and a shared setting (so writers contend for the same
row). With ``read`` it only reads in a loop for COUNT seconds; with ``sync`` it runs the real
carrier sync (the sandbox carrier, its clock moved on an hour per round) and with ``dispatch`` the
notification dispatcher, in a loop for COUNT seconds (and at least three rounds). Prints one JSON line with what it did.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy.exc import OperationalError  # noqa: E402

from app import create_app  # noqa: E402
from config import TestConfig  # noqa: E402


def main(url, worker, count, mode="write"):
    app = create_app(type("Config", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url}))
    errors, done, reads = [], [], 0
    with app.app_context():
        from app import settings
        from app.audit import record
        from app.database import writing
        from app.extensions import db
        from app.orders import lifecycle, statuses
        from app.orders.models import Customer, Order
        from app.orders.services import create_order

        if mode in ("sync", "dispatch"):
            from datetime import timedelta

            from app.carriers.sync import sync_all
            from app.clock import utcnow
            from app.notify.dispatcher import dispatch

            deadline, rounds, work = time.monotonic() + count, 0, 0
            # at least three rounds however slow the machine: the test is that repeated runs meet
            # the writers, not how many fit in COUNT seconds
            while time.monotonic() < deadline or rounds < 3:
                rounds += 1
                try:
                    if mode == "sync":
                        for summary in sync_all(app, carriers=["sandbox"], force=True,
                                                now=utcnow() + timedelta(hours=rounds)):
                            work += summary["status_changes"]
                            if "locked" in (summary.get("errors") or ""):
                                errors.append(summary["errors"])
                    else:
                        with writing():  # as the scheduler runs its jobs (app/scheduler.py)
                            result = dispatch()
                        work += result.sent
                        errors.extend(str(e) for e in result.errors if "locked" in str(e))
                except OperationalError as error:
                    errors.append(str(error.orig))
                    db.session.rollback()
                time.sleep(0.05)
            print(json.dumps({"worker": worker, "errors": errors, "rounds": rounds, "work": work}))
            return
        if mode == "read":
            deadline = time.monotonic() + count
            while time.monotonic() < deadline:
                try:
                    db.session.execute(db.select(Order).limit(50)).scalars().all()
                    db.session.rollback()
                    reads += 1
                except OperationalError as error:
                    errors.append(str(error.orig))
                    db.session.rollback()
            print(json.dumps({"worker": worker, "errors": errors, "reads": reads}))
            return
        for n in range(count):
            try:
                with writing():
                    customer = Customer(name=f"Writer {worker}", email=f"w{worker}-{n}@example.com")
                    order = create_order(customer, [{"name": "Сукня", "quantity": 1, "price": "100.00"}],
                                         shipments=[{"carrier": "nova_poshta",
                                                     "tracking_number": f"59{worker:02d}{n:010d}"}], source="system")
                    db.session.commit()
                    order_id = order.id
                for step in statuses.CHAIN[1:]:
                    with writing():
                        order = db.session.get(Order, order_id)
                        lifecycle.change_status(order, step, source="system", actor=f"writer-{worker}")
                        record("test.step", "order", order_id, after={"status": step}, actor_label=f"writer-{worker}")
                        settings.put("last_writer", f"{worker}:{n}:{step}")
                        db.session.commit()
                done.append(order_id)
            except OperationalError as error:
                errors.append(str(error.orig))
                db.session.rollback()
    print(json.dumps({"worker": worker, "errors": errors, "orders": done}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), *(sys.argv[4:5] or ["write"]))
