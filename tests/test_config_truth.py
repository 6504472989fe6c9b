"""Configuration that tells the truth (issue 14): an explicit carrier setting in the environment is
not hidden by what the demo stored, the admin carriers page says where each value comes from, and
``flask settings`` lists and sets admin settings."""
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from app import settings
from app.database import writing
from tests.carrier_fixtures import np_envelope, np_item
from tests.conftest import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class _FakeNovaPoshta(BaseHTTPRequestHandler):
    """Nova Poshta's getStatusDocuments on loopback: every waybill is at the branch."""

    calls = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        self.calls.append(body)
        documents = (body.get("methodProperties") or {}).get("Documents") or []
        answer = json.dumps(np_envelope([np_item(d["DocumentNumber"]) for d in documents])).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def _run(args, env):
    done = subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _serve(env, until, seconds=90):
    """Start ``wsgi.py`` (what ``make run`` starts) until ``until()`` holds; returns its output."""
    port = env["PORT"]
    server = subprocess.Popen([sys.executable, "wsgi.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + seconds
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200 and until():
                    break
            except requests.RequestException:  # not listening yet, or slow on a busy machine
                pass
            assert time.monotonic() < deadline and server.poll() is None, "the condition never held"
            time.sleep(0.3)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    return output


def test_make_run_then_an_explicit_mode_really_asks_the_configured_carrier(sqlite_template, tmp_path):
    fake = ThreadingHTTPServer(("127.0.0.1", 0), _FakeNovaPoshta)
    _FakeNovaPoshta.calls = []
    threading.Thread(target=fake.serve_forever, daemon=True).start()
    database = tmp_path / "shop.db"
    shutil.copyfile(sqlite_template, database)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("NOVAPOSHTA_", "CARRIER_"))}
    env = dict(base, DATABASE_URL=f"sqlite:///{database}", FLASK_APP="wsgi", PORT=str(free_port()),
               SCHEDULER_ENABLED="1", SECRET_KEY="test-secret", SYNC_TICK_SECONDS="1")
    try:
        # make run: upgrade, the demo (which stores "simulated" for every carrier), serve
        _run(["db", "upgrade"], env)
        _run(["demo-data"], env)
        _serve(env, until=lambda: True)
        assert _FakeNovaPoshta.calls == []
        # make run again, with Nova Poshta configured in the environment
        live = dict(env, NOVAPOSHTA_MODE="live", NOVAPOSHTA_API_URL=f"http://127.0.0.1:{fake.server_port}/",
                    NOVAPOSHTA_API_KEY="np-key-from-the-environment", OUTGOING_ALLOWED_HOSTS="127.0.0.1")
        _run(["db", "upgrade"], live)
        assert "already loaded" in _run(["demo-data"], live)
        _serve(live, until=lambda: bool(_FakeNovaPoshta.calls))
        listed = _run(["settings", "list", "NOVAPOSHTA_MODE", "DHL_MODE"], live)
    finally:
        fake.shutdown()
    call = _FakeNovaPoshta.calls[0]
    assert call["apiKey"] == "np-key-from-the-environment"
    assert call["calledMethod"] == "getStatusDocuments" and call["methodProperties"]["Documents"]
    assert "NOVAPOSHTA_MODE = live  [environment (a stored admin value is hidden by it)]" in listed
    assert "DHL_MODE = simulated  [admin]" in listed


def test_an_explicit_environment_value_wins_only_for_carrier_settings(app, db):
    from app.carriers.registry import carrier_settings

    with writing():
        settings.put("NOVAPOSHTA_MODE", "simulated")
        settings.put("SHOP_NAME", "Льон і Вовна")
        db.session.commit()
    app.config.update(NOVAPOSHTA_MODE="live", SHOP_NAME="From env",
                      EXPLICIT_SETTINGS=frozenset({"NOVAPOSHTA_MODE", "SHOP_NAME"}))
    assert carrier_settings("nova_poshta").mode == "live"
    assert settings.source("NOVAPOSHTA_MODE") == settings.ENVIRONMENT
    # every other admin setting still wins over the environment, as the README says
    assert settings.get("SHOP_NAME") == "Льон і Вовна"
    assert settings.source("SHOP_NAME") == settings.ADMIN
    assert settings.source("DHL_MODE") == settings.DEFAULT


def test_the_carriers_page_says_where_each_value_comes_from(app, db, client, make_user, login):
    admin = make_user("admin")
    with writing():
        settings.put("DHL_MODE", "simulated")
        db.session.commit()
    app.config.update(NOVAPOSHTA_MODE="live", NOVAPOSHTA_API_KEY="k" * 32,
                      EXPLICIT_SETTINGS=frozenset({"NOVAPOSHTA_MODE", "NOVAPOSHTA_API_KEY"}))
    login(admin.email)
    page = client.get("/admin/carriers/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Set in the environment (NOVAPOSHTA_MODE); change it there" in page
    assert "Set in the environment (NOVAPOSHTA_API_KEY)" in page
    assert "Admin setting (DHL_MODE)." in page
    assert "Default (UKRPOSHTA_MODE is not set)." in page
    assert '<select disabled id="nova_poshta-mode"' in page  # shown, not editable here
    assert '<select id="dhl-mode"' in page
    # saving the form leaves the environment's value alone and stores the rest
    response = client.post("/admin/carriers/nova_poshta", data={"nova_poshta-base_url": "https://np.example/v2/"})
    assert response.status_code == 302
    assert settings.get("NOVAPOSHTA_API_URL") == "https://np.example/v2/"
    assert settings.get("NOVAPOSHTA_MODE") == "live"
    from app.settings import Setting

    assert db.session.get(Setting, "NOVAPOSHTA_MODE") is None


def test_settings_command_lists_sets_and_refuses_bad_values(app, db, runner):
    result = runner.invoke(args=["settings", "set", "DHL_MODE", "live"])
    assert result.exit_code == 0, result.output
    assert "DHL_MODE = live  [admin]" in result.output
    result = runner.invoke(args=["settings", "set", "DHL_API_KEY", "secret-value-123"])
    assert "DHL_API_KEY = ***  [admin]" in result.output
    assert settings.get("DHL_API_KEY") == "secret-value-123"
    from app.settings import Setting

    assert db.session.get(Setting, "DHL_API_KEY").secret is True
    listed = runner.invoke(args=["settings"]).output
    assert "DHL_MODE = live  [admin]" in listed and "secret-value-123" not in listed
    for args, message in ((["settings", "set", "DHL_MODE", "sometimes"], "DHL_MODE must be off, live or simulated"),
                          (["settings", "set", "NO_SUCH_SETTING", "1"], "unknown setting 'NO_SUCH_SETTING'")):
        result = runner.invoke(args=args)
        assert result.exit_code == 1 and message in result.output
    assert settings.get("DHL_MODE") == "live"  # nothing changed
    assert runner.invoke(args=["settings", "unset", "DHL_MODE"]).exit_code == 0
    assert settings.source("DHL_MODE") == settings.DEFAULT
    from app.audit import AuditLog

    actions = db.session.execute(db.select(AuditLog.object_id).where(AuditLog.action == "settings.command_line")
                                 ).scalars().all()
    assert actions == ["DHL_MODE", "DHL_API_KEY", "DHL_MODE"]


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
