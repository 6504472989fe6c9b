"""The admin's "Sync all carriers now" in a real browser: the press is answered at once, the sync
runs in the scheduler, and the page says queued, running and then the result without a reload."""
from playwright.sync_api import expect
from test_carrier_deadlines import live
from test_sync_lock import NUMBER, HeldCarrier

from tests.e2e.browsing import log_in


def test_sync_now_shows_queued_running_then_the_result(app, db, make_order, make_user, live_server, browser,
                                                       output_dir):
    from app.scheduler import scheduled_jobs, start_scheduler

    make_order(status="shipped", carrier="nova_poshta", tracking_number=NUMBER)
    admin = make_user("admin")  # Ukrainian, the default
    with HeldCarrier() as carrier:
        live(db, "NOVAPOSHTA", carrier.url, API_KEY="np-key")
        app.config["SCHEDULER_ENABLED"] = True
        scheduler = start_scheduler(app, jobs=[job for job in scheduled_jobs(app) if job[0] == "sync-requests"])
        context, page = log_in(browser, live_server, admin.email, 1280, 800)
        try:
            page.goto(f"{live_server}/admin/carriers/")
            with page.expect_navigation():
                page.click("form[action$='/admin/carriers/sync'] button")
            expect(page.locator(".flash, [role=alert], main").first).to_contain_text(
                "Синхронізацію поставлено в чергу")
            page.evaluate("window.__noReload = true")
            panel = page.locator("#sync-request")
            expect(panel).to_contain_text("Синхронізація триває з", timeout=15000)
            assert carrier.requests == 1
            page.screenshot(path=f"{output_dir}/running.png")
            carrier.release.set()
            expect(panel).to_contain_text("Синхронізацію завершено о", timeout=15000)
            expect(panel).to_contain_text("перевірено посилок — 1, змін статусу — 1")
            assert page.evaluate("window.__noReload") is True  # updated in place
            page.screenshot(path=f"{output_dir}/finished.png")
        finally:
            context.close()
            scheduler.shutdown(wait=False)
            app.extensions["posylka_leadership"].release()
    assert carrier.requests == 1
