"""The carriers page tells the truth about runs and the breaker (issue #20): a sync run whose
process was killed is shown as interrupted (not "OK" with no end), and new credentials close
an open breaker at once (a fixed key does not wait out the pause)."""
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

from carrier_fixtures import np_envelope, np_item
from test_carrier_deadlines import TricklingCarrier, live

from app import settings
from app.carriers.models import CarrierState, SyncRun
from app.carriers.sync import sync_all
from app.orders.models import utcnow
from config import TestConfig

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_a_killed_sync_run_is_shown_interrupted(app, db, db_url, make_order, make_user, login, client, httpserver):
    make_order(status="shipped", carrier="nova_poshta", tracking_number="20400048799000")
    env = dict(os.environ, DATABASE_URL=db_url, SECRET_KEY=TestConfig.SECRET_KEY, SCHEDULER_ENABLED="0",
               OUTGOING_ALLOWED_HOSTS=TestConfig.OUTGOING_ALLOWED_HOSTS,
               CARRIER_TIMEOUT_SECONDS="60", CARRIER_RETRIES="0")
    with TricklingCarrier(interval=0.5, chunks=200) as slow:
        live(db, "NOVAPOSHTA", slow.url, API_KEY="np-key")
        sync = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "sync-carriers"], cwd=ROOT,
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not slow.open_calls:
                time.sleep(0.1)  # the process is asking the carrier: its run is recorded and open
            assert slow.open_calls, sync.stdout.read1().decode(errors="replace") if sync.poll() is not None else ""
        finally:
            os.kill(sync.pid, signal.SIGKILL)
            sync.wait(timeout=10)
    db.session.commit()
    killed = db.session.execute(db.select(SyncRun)).scalar_one()
    assert killed.finished_at is None

    httpserver.expect_request("/np/").respond_with_json(np_envelope([np_item("20400048799000")]))
    live(db, "NOVAPOSHTA", httpserver.url_for("/np/"), API_KEY="np-key")
    [summary] = sync_all(app, trigger="test", force=True)
    assert summary["outcome"] == "ok"

    login(make_user("admin", language="en").email)
    page = client.get("/admin/carriers/").get_data(as_text=True)
    runs = page[page.index('id="runs"'):]
    assert runs.count("Interrupted: stopped before it finished") == 1
    assert runs.count('run-outcome-ok">OK<') == 1  # the later run; the killed one is not "OK"


def test_a_run_still_going_is_shown_running(app, db, make_user, login, client):
    db.session.add(SyncRun(carrier="dhl", trigger="schedule", started_at=utcnow() - timedelta(minutes=2),
                           outcome="running"))
    db.session.add(SyncRun(carrier="meest", trigger="schedule", started_at=utcnow() - timedelta(hours=2),
                           outcome="running"))
    db.session.commit()
    login(make_user("admin", language="en").email)
    page = client.get("/admin/carriers/").get_data(as_text=True)
    assert 'run-outcome-running">Running<' in page
    assert page.count("Interrupted: stopped before it finished") == 1  # two hours without an end


def test_new_credentials_close_the_breaker(app, db, make_order, make_user, login, client, httpserver):
    make_order(status="shipped", carrier="nova_poshta", tracking_number="20400048799000")
    httpserver.expect_request("/np/").respond_with_json(np_envelope([np_item("20400048799000")]))
    live(db, "NOVAPOSHTA", httpserver.url_for("/np/"), API_KEY="a-revoked-key")
    db.session.add(CarrierState(carrier="nova_poshta", breaker_state="open", consecutive_failures=5,
                                open_until=utcnow() + timedelta(minutes=5), quota_used=0))
    db.session.commit()
    login(make_user("admin", language="en").email)
    response = client.post("/admin/carriers/nova_poshta", data={
        "nova_poshta-mode": "live", "nova_poshta-base_url": httpserver.url_for("/np/"),
        "nova_poshta-api_key": "the-new-key"})
    assert response.status_code == 302
    db.session.expire_all()
    state = db.session.get(CarrierState, "nova_poshta")
    assert state.breaker_state == "closed" and state.open_until is None and state.consecutive_failures == 0
    db.session.commit()  # the sync's threads write: end this thread's transaction first
    summary = {s["carrier"]: s for s in sync_all(app, trigger="test")}["nova_poshta"]
    # asked at once, not "paused by the circuit breaker"
    assert summary["outcome"] == "ok" and summary["new_events"] == 1, summary["errors"]
    assert settings.get("NOVAPOSHTA_API_KEY") == "the-new-key"
    from app.audit import AuditLog

    audit = db.session.execute(db.select(AuditLog).filter_by(action="carriers.settings")).scalar_one()
    assert audit.object_id == "nova_poshta" and audit.after_data == {"NOVAPOSHTA_API_KEY": "***"}  # never the key


def test_sync_runs_say_what_started_them_and_how_long_they_took_in_words(app, db, make_user, login, client):
    started = utcnow() - timedelta(minutes=5)
    db.session.add(SyncRun(carrier="meest", trigger="schedule", started_at=started, outcome="ok",
                           finished_at=started + timedelta(seconds=2.5)))
    db.session.add(SyncRun(carrier="dhl", trigger="admin", started_at=started, outcome="ok", finished_at=started))
    db.session.commit()
    login(make_user("admin").email)
    page = client.get("/admin/carriers/").get_data(as_text=True)
    runs = page[page.index('id="runs"'):]
    assert "· за розкладом" in runs and "· запущено вручну" in runs and "schedule<" not in runs
    assert "· 2,5 с" in runs and "· 0,0 с" in runs and "0.0 s" not in runs


def test_staff_are_told_when_parcels_wait_long_past_their_check(app, db, make_order, make_user, login, client):
    """No scheduler running anywhere (the app served by another WSGI server), a live carrier without its
    key, a carrier down for long: statuses stopped moving and no page said so. Every staff page now does,
    from the parcels themselves, until their checks are on time again; a carrier switched off is no alarm
    (the shop moves those by hand), and the carriers page counts its parcels as not tracked."""
    settings.put("NOVAPOSHTA_MODE", "live")  # switched on, its key not given yet
    settings.put("UKRPOSHTA_MODE", "simulated")
    waiting = make_order(status="shipped", carrier="nova_poshta", tracking_number="20400048799000")
    fresh = make_order(status="shipped", carrier="ukrposhta", tracking_number="0500123456789")
    waiting.shipments[0].next_sync_at = utcnow() - timedelta(hours=2)
    fresh.shipments[0].next_sync_at = utcnow() - timedelta(minutes=5)  # a tick or two late: a busy machine
    db.session.commit()
    login(make_user("staff").email)
    page = client.get("/admin/orders").get_data(as_text=True)
    assert "Статуси перевізників не перевіряються: 1 посилка чекає на перевірку з " in page
    assert "Що відповів кожен перевізник" not in page  # the carriers page is the admin's
    client.post("/logout")
    login(make_user("admin").email)
    assert "Що відповів кожен перевізник" in client.get("/admin/orders").get_data(as_text=True)

    waiting.shipments[0].next_sync_at = utcnow() + timedelta(minutes=15)  # checked: the next check is ahead
    db.session.commit()
    assert "Статуси перевізників не перевіряються" not in client.get("/admin/orders").get_data(as_text=True)
    waiting.shipments[0].next_sync_at = utcnow() - timedelta(hours=2)
    settings.put("NOVAPOSHTA_MODE", "off")
    db.session.commit()
    assert "Статуси перевізників не перевіряються" not in client.get("/admin/orders").get_data(as_text=True)
    assert "1 <span class=\"muted\">· не відстежуються: вимкнено</span>" in client.get("/admin/carriers/").get_data(
        as_text=True)


def test_carrier_settings_from_a_stale_tab_do_not_undo_another_admins_change(app, db, make_user, login, client):
    """Two tabs of the carriers page: the one shown before the other's save switched the carrier back."""
    import re

    login(make_user("admin").email)
    page = client.get("/admin/carriers/").get_data(as_text=True)
    shown = re.search(r'name="nova_poshta-settings_shown"[^>]*value="([^"]*)"', page).group(1)
    settings.put("NOVAPOSHTA_MODE", "simulated")  # the other tab switched Nova Poshta on
    db.session.commit()
    stale = client.post("/admin/carriers/nova_poshta", data={"nova_poshta-mode": "off", "nova_poshta-base_url": "",
                                                             "nova_poshta-settings_shown": shown})
    assert stale.status_code == 409 and "змінив хтось інший" in stale.get_data(as_text=True)
    db.session.expire_all()
    assert settings.get("NOVAPOSHTA_MODE", fresh=True) == "simulated"
