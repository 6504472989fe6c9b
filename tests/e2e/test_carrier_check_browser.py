"""The carriers page's "Test connection" in a real browser: the answer appears next to the button,
in the admin's language, naming the real cause with the real time it took."""
import re
import time

import pytest
from notify_servers import SilentServer
from playwright.sync_api import expect

from app import settings
from app.carriers import services
from app.database import writing
from tests.conftest import free_port
from tests.e2e.browsing import log_in


def _live_dhl(db, url):
    db.session.rollback()  # no stale read snapshot (SQLite) left open by this thread
    with writing():  # the live server's threads share the SQLite file
        settings.put("DHL_MODE", "live")
        settings.put("DHL_API_URL", url)
        settings.put("DHL_API_KEY", "key-1", secret=True)
        settings.put("CARRIER_RETRIES", "0")
        db.session.commit()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # where the result is shown; one engine is enough
def test_the_result_is_shown_next_to_the_button_with_the_cause_and_time(app, db, make_user, live_server, browser,
                                                                        httpserver, output_dir):
    httpserver.expect_request("/dhl/shipments").respond_with_json({"title": "Unauthorized", "status": 401},
                                                                   status=401)
    admin = make_user("admin")  # Ukrainian, the default
    context, page = log_in(browser, live_server, admin.email, 1280, 800)
    try:
        page.wait_for_load_state("networkidle")
        _live_dhl(db, f"http://127.0.0.1:{free_port()}/dhl")  # nothing listens there
        page.goto(f"{live_server}/admin/carriers/")
        form = page.locator("form.connection-test").filter(has=page.locator("#connection-check-dhl"))
        form.locator("button[type=submit]").click()
        result = page.locator("#connection-check-dhl")
        expect(result).to_contain_text("відхилив з’єднання")
        expect(result).to_be_in_viewport()  # where the person clicked, not at the top of the page
        seconds = float(re.search(r"(\d+(?:,\d+)?) с", result.inner_text()).group(1).replace(",", "."))
        assert seconds < 2  # a refusal is immediate: not "no answer within 10 s"
        page.wait_for_load_state("networkidle")
        _live_dhl(db, httpserver.url_for("/dhl"))
        form.locator("button[type=submit]").click()
        expect(result).to_contain_text("відхилив облікові дані")
        page.screenshot(path=f"{output_dir}/carriers-connection-check-1280.png")
    finally:
        context.close()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the causes are the carrier's, timed on the wire; one engine is enough
def test_each_cause_is_named_with_its_real_duration(app, db, httpserver):
    settings.put("CARRIER_CONNECT_TIMEOUT_SECONDS", "0.5")
    settings.put("CARRIER_TIMEOUT_SECONDS", "0.5")
    _live_dhl(db, "http://no-such-host.invalid/dhl")
    assert services.test_connection("dhl").cause == "dns"
    with SilentServer() as silent:  # accepts the connection, never answers
        _live_dhl(db, f"http://127.0.0.1:{silent.port}/dhl")
        started = time.monotonic()
        check = services.test_connection("dhl")
        assert check.cause == "timeout" and 0.4 < check.seconds <= time.monotonic() - started + 0.01
    _live_dhl(db, f"https://127.0.0.1:{httpserver.port}/dhl")  # TLS spoken to a plain HTTP server
    assert services.test_connection("dhl").cause == "tls"
