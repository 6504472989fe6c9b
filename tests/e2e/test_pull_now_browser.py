"""A store's "Pull now" in a real browser: the press is answered at once, the pull runs in the
scheduler, and the store's row says queued, running and then the result without a reload."""
import copy
import threading

from playwright.sync_api import expect
from store_fixtures import MAGENTO_ORDER, magento_page, magento_shipments
from test_platform_pull import json_response

from app import settings
from tests.e2e.browsing import log_in


def test_pull_now_shows_queued_running_then_the_result(app, db, make_user, httpserver, live_server, browser,
                                                       output_dir):
    from app.scheduler import scheduled_jobs, start_scheduler

    release, asked = threading.Event(), threading.Event()

    def held_orders(request):  # the store holds its answer until the test lets it go
        asked.set()
        release.wait(30)
        return json_response(magento_page([copy.deepcopy(MAGENTO_ORDER)]))

    httpserver.expect_request("/rest/V1/orders").respond_with_handler(held_orders)
    httpserver.expect_request("/rest/V1/shipments").respond_with_handler(lambda r: json_response(magento_shipments()))
    settings.put("MAGENTO_URL", httpserver.url_for("/").rstrip("/"))
    settings.put("MAGENTO_TOKEN", "mag-integration-token", secret=True)
    admin = make_user("admin")  # Ukrainian, the default
    app.config["SCHEDULER_ENABLED"] = True
    scheduler = start_scheduler(app, jobs=[job for job in scheduled_jobs(app) if job[0] == "pull-requests"])
    context, page = log_in(browser, live_server, admin.email, 1280, 800)
    try:
        page.goto(f"{live_server}/admin/api-clients/")
        with page.expect_navigation():
            page.click("form[action$='/stores/magento/pull'] button")
        expect(page.locator(".flash, [role=alert], main").first).to_contain_text(
            "Читання магазину поставлено в чергу")
        page.evaluate("window.__noReload = true")
        panel = page.locator("#pull-magento")
        expect(panel).to_contain_text("Читання триває з", timeout=15000)
        assert asked.is_set()
        stores = page.locator("table", has=panel)
        stores.screenshot(path=f"{output_dir}/running.png")
        release.set()
        expect(panel).to_contain_text("Читання завершено о", timeout=15000)
        expect(panel).to_contain_text("прийнято замовлень: 1, відхилено: 0")
        assert page.evaluate("window.__noReload") is True  # updated in place
        stores.screenshot(path=f"{output_dir}/finished.png")
    finally:
        release.set()
        context.close()
        scheduler.shutdown(wait=False)
        app.extensions["posylka_leadership"].release()
