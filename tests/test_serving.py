"""The serving entry point: a SIGTERM stops the server cleanly."""
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
import requests
from notify_servers import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _serve(sqlite_template, tmp_path, *, ready="/healthz", visit=None, database=None, **env):
    """Serve a copy of the test database (or the ``database`` file) with ``wsgi.py`` (``env`` added to
    its environment) until ``ready`` answers, then ``visit(base_url)``, then stop it with SIGTERM.
    Returns the exit code, everything it printed, the ``ready`` answer and what ``visit`` returned."""
    if database is None:
        database = tmp_path / "shop.db"
        shutil.copyfile(sqlite_template, database)
    port = free_port()
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{database}", PORT=str(port), SECRET_KEY="test-secret",
               LOG_LEVEL="INFO", **env)
    server = subprocess.Popen([sys.executable, "wsgi.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = requests.get(base + ready, timeout=2)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline and server.poll() is None, "the server did not start"
                time.sleep(0.2)
        visited = visit(base) if visit is not None else None
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
    return server.returncode, output, answer, visited


def test_sigterm_finishes_the_process_cleanly(sqlite_template, tmp_path):
    """systemd and docker stop a service with SIGTERM: the server stops accepting, the exit
    handlers run (the last log lines are written, the scheduler hands its lease on) and the
    process exits 0, instead of dying mid-write with the signal."""
    returncode, output, answer, _ = _serve(sqlite_template, tmp_path, ready="/healthz?last=1", SCHEDULER_ENABLED="1")
    assert answer.status_code == 200
    assert returncode == 0, output[-3000:]
    assert "GET /healthz 200" in output  # the request's access line
    assert output.rstrip().splitlines()[-1].endswith("Posylka stopped"), output[-3000:]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("app_config", [{"SECRET_KEY": "test-secret"}])  # the server's key signs the link
@pytest.mark.parametrize("scheduler", ["1", "0"])  # a process without the scheduler writes them as it stops, too
def test_the_page_views_counted_since_the_last_tick_are_written_at_sigterm(app, db, make_order, tmp_path, scheduler):
    from app.orders.links import tracking_url
    from app.tracking.models import TrackingView

    order = make_order(status="shipped")
    with app.test_request_context():
        path = tracking_url(order, external=False)
    db.session.commit()
    returncode, output, _, status = _serve(None, tmp_path, database=db.engine.url.database, SCHEDULER_ENABLED=scheduler,
                                           visit=lambda base: requests.get(base + path, timeout=10).status_code)
    assert status == 200 and returncode == 0, output[-3000:]
    # the view's tick (every 15 s) had not come: the shutdown wrote it
    assert [v.views for v in db.session.query(TrackingView).filter_by(order_id=order.id)] == [1]


def test_importing_the_entry_point_starts_no_thread(sqlite_template, tmp_path):
    """A WSGI server or a CLI command imports wsgi.py: no scheduler, no log writer, nothing running."""
    database = tmp_path / "shop.db"
    shutil.copyfile(sqlite_template, database)
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{database}")
    done = subprocess.run([sys.executable, "-c", "import threading, wsgi; print(threading.active_count())"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1"


def test_behind_nginx_the_app_sees_the_visitors_address_and_https(sqlite_template, tmp_path):
    """With PROXY_FIX_X_FOR/PROTO=1 (one nginx in front) the served app reads X-Forwarded-For and
    -Proto: waitress must not delete them first. Else every visitor is 127.0.0.1 (one log-in throttle
    for the whole shop) and every link the app builds from a request starts with http://."""
    nginx = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "Host": "shop.example.com"}
    # the request came over https: the answer says so (HSTS is only sent on https)
    _, output, _, answer = _serve(
        sqlite_template, tmp_path, SCHEDULER_ENABLED="0", LOG_FORMAT="json", PROXY_FIX_X_FOR="1", PROXY_FIX_X_PROTO="1",
        visit=lambda base: requests.get(f"{base}/login", headers=nginx, timeout=5, allow_redirects=False))
    assert answer.status_code == 200
    access = [line for line in output.splitlines() if '"GET /login 200"' in line]
    assert access and '"remote_addr": "203.0.113.7"' in access[0], output[-3000:]
    assert "Strict-Transport-Security" in answer.headers, dict(answer.headers)
