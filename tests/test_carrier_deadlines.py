"""A carrier call has one deadline for all of it, and a slow carrier never delays the others (issue #20).

The carriers here are real HTTP servers on loopback: one that trickles its answer a few bytes at
a time (each read gets something, so per-read timeouts never fire), one that answers at once.
"""
import json
import socket
import threading
import time
from datetime import timedelta

import pytest
from carrier_fixtures import np_envelope, np_item

from app import settings
from app.carriers.models import SyncRun
from app.carriers.sync import sync_all
from app.clock import utcnow
from app.orders.models import Shipment


@pytest.fixture
def app_config():
    return {"CARRIER_RETRIES": 0, "CARRIER_TIMEOUT_SECONDS": 2, "CARRIER_CONNECT_TIMEOUT_SECONDS": 1,
            "CARRIER_BACKOFF_SECONDS": 0.01, "CARRIER_BACKOFF_MAX_SECONDS": 0.05, "SYNC_TICK_SECONDS": 1}


class TricklingCarrier:
    """Answers every request slowly: the status line and headers at once (or byte by byte),
    then a JSON body one chunk every ``interval`` seconds, for ``chunks`` chunks."""

    def __init__(self, *, interval=0.5, chunks=40, trickle_headers=False):
        self.interval, self.chunks, self.trickle_headers = interval, chunks, trickle_headers
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.open_calls = 0
        self._stop = threading.Event()

    def _serve(self, conn):
        self.open_calls += 1
        try:
            conn.recv(65536)
            body = b" " * self.chunks
            head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
            pieces = [head[i:i + 1] for i in range(len(head))] if self.trickle_headers else [head]
            pieces += [body[i:i + 1] for i in range(len(body))]
            for piece in pieces:
                if self._stop.is_set():
                    return
                conn.sendall(piece)
                if piece is not head:
                    time.sleep(self.interval)
        except OSError:
            pass  # the client gave up: that is the point
        finally:
            self.open_calls -= 1
            conn.close()

    def _accept(self):
        self.sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def __enter__(self):
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self.sock.close()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/np/"


def live(db, prefix, url, **extra):
    settings.put(f"{prefix}_MODE", "live")
    settings.put(f"{prefix}_API_URL", url)
    for key, value in extra.items():
        settings.put(f"{prefix}_{key}", value, secret=True)
    db.session.commit()


@pytest.mark.parametrize("trickle_headers", [False, True], ids=["body", "headers"])
def test_a_trickling_carrier_call_ends_within_its_deadline(app, db, make_order, trickle_headers):
    make_order(status="shipped", carrier="nova_poshta", tracking_number="20400048799000")
    with TricklingCarrier(interval=0.5, chunks=40, trickle_headers=trickle_headers) as carrier:
        live(db, "NOVAPOSHTA", carrier.url, API_KEY="np-key")
        started = time.monotonic()
        [summary] = sync_all(app, trigger="test")
        took = time.monotonic() - started
    # CARRIER_TIMEOUT_SECONDS=2 for the whole call; the answer would take 20 s to trickle in
    assert took < 3.5, f"the call took {took:.1f} s"
    assert summary["outcome"] == "failed" and "no answer within 2 s" in summary["errors"], summary


def test_a_slow_carrier_does_not_delay_another_carriers_next_tick(app, db, make_order, httpserver):
    """The scheduler ticks each carrier on its own: Ukrposhta's call hanging (within its deadline)
    does not hold back Nova Poshta's next tick, which has a parcel falling due meanwhile."""
    from app.scheduler import scheduled_jobs, start_scheduler

    settings.put("CARRIER_TIMEOUT_SECONDS", "8")  # Ukrposhta's call may take this long
    first = make_order(status="shipped", carrier="nova_poshta", tracking_number="20400048799000")
    later = make_order(status="shipped", carrier="nova_poshta", tracking_number="20400048799001")
    make_order(status="shipped", carrier="ukrposhta", tracking_number="0500123456789")
    db.session.commit()
    httpserver.expect_request("/np/", method="POST").respond_with_handler(
        lambda request: __import__("werkzeug").Response(json.dumps(np_envelope([
            np_item(d["DocumentNumber"]) for d in json.loads(request.get_data())["methodProperties"]["Documents"]])),
            content_type="application/json"))
    with TricklingCarrier(interval=0.5, chunks=40) as slow:
        live(db, "NOVAPOSHTA", httpserver.url_for("/np/"), API_KEY="np-key")
        live(db, "UKRPOSHTA", f"http://127.0.0.1:{slow.port}/up", TOKEN="up-token")
        due_later = utcnow() + timedelta(seconds=9)  # falls due while Ukrposhta's call hangs
        db.session.execute(db.update(Shipment).where(Shipment.order_id == later.id).values(next_sync_at=due_later))
        db.session.commit()
        jobs = [job for job in scheduled_jobs(app) if job[0].startswith("carrier-sync")]
        app.config["SCHEDULER_ENABLED"] = True
        scheduler = start_scheduler(app, jobs=jobs)
        try:
            deadline = time.monotonic() + 30
            synced = None
            while time.monotonic() < deadline and synced is None:
                time.sleep(0.2)
                db.session.commit()
                synced = db.session.execute(db.select(Shipment.last_synced_at)
                                            .where(Shipment.order_id == later.id)).scalar()
                up_started = db.session.execute(db.select(SyncRun.started_at).filter_by(carrier="ukrposhta")).scalar()
        finally:
            scheduler.shutdown(wait=False)
            app.extensions["posylka_leadership"].release()
    assert synced is not None, "Nova Poshta's second parcel was never polled"
    assert db.session.get(Shipment, first.shipments[0].id).last_synced_at is not None
    assert up_started is not None
    # due 9 s after the start; a tick a second: polled within ~2 s of falling due, not after
    # Ukrposhta's 8-second call has ended and the next common tick came round
    assert synced - due_later < timedelta(seconds=2.5), (synced - due_later, synced - up_started)
