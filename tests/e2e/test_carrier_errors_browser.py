"""In Chromium, a Polish admin presses "Sync all carriers now" while Nova Poshta answers 503: the
carriers page tells the carrier's last error and the run's errors in Polish, with the HTTP status as
it came (screenshots in test-output/)."""
import pytest
from playwright.sync_api import expect

from app import settings
from app.database import writing
from tests.e2e.browsing import log_in

pytestmark = pytest.mark.browser

SAID = "Serwer przewoźnika odpowiedział błędem (HTTP 503)."


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # a page check; one engine is enough
def test_a_polish_admin_reads_the_carriers_failure_in_polish(app, db, make_order, make_user, live_server, browser,
                                                            httpserver, output_dir):
    from app.scheduler import scheduled_jobs, start_scheduler

    httpserver.expect_request("/np/").respond_with_data("Service Unavailable", status=503)
    make_order(status="shipped", carrier="nova_poshta", tracking_number="20400048799060")
    admin = make_user("admin", language="pl")
    with writing():
        for key, value in {"NOVAPOSHTA_MODE": "live", "NOVAPOSHTA_API_URL": httpserver.url_for("/np/"),
                           "CARRIER_RETRIES": "0"}.items():
            settings.put(key, value)
        settings.put("NOVAPOSHTA_API_KEY", "k" * 32, secret=True)
        db.session.commit()
    app.config["SCHEDULER_ENABLED"] = True
    scheduler = start_scheduler(app, jobs=[job for job in scheduled_jobs(app) if job[0] == "sync-requests"])
    context, page = log_in(browser, live_server, admin.email, 1280, 900, locale="pl-PL")
    try:
        page.goto(f"{live_server}/admin/carriers/")
        with page.expect_navigation():
            page.click("form[action$='/admin/carriers/sync'] button")
        expect(page.locator("#sync-request")).to_contain_text("Synchronizacja zakończona", timeout=15000)
        assert len(httpserver.log) == 1  # the carrier was really asked, and answered 503

        page.reload()
        row = page.locator("tr").filter(has=page.locator("a[href='#carrier-nova_poshta']"))
        expect(row.locator("td.carrier-last-error")).to_have_text(SAID)
        run = page.locator("#runs tbody tr").first
        expect(run).to_contain_text("Niepowodzenie")
        run.locator("details summary").click()
        expect(run.locator("pre.run-errors")).to_have_text(SAID)
        visible = page.locator("main").inner_text()
        assert "answered with an error" not in visible and '{"problem"' not in visible
        page.screenshot(path=f"{output_dir}/carriers-last-error-pl.png", full_page=True)
        run.scroll_into_view_if_needed()
        page.screenshot(path=f"{output_dir}/carriers-run-errors-pl.png")
    finally:
        context.close()
        scheduler.shutdown(wait=False)
        app.extensions["posylka_leadership"].release()
