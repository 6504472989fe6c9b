"""Checked by machines: axe-core (vendored from the npm package, tests/vendor/axe-core) finds no
violation on the customer pages in all four languages; the order page loads under 100 KB of CSS
and JavaScript; a swap of the polled partial moves nothing on the page (no layout shift)."""
import os

import pytest

from app.orders import lifecycle
from tests.conftest import write_transaction
from tests.e2e.test_tracking_page_browser import PHONE, log_in, travelling_order

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]
AXE = os.path.join(os.path.dirname(__file__), "..", "vendor", "axe-core", "axe.min.js")
LANGUAGES = ("uk", "en", "pl", "ru")
RUN_AXE = """async () => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
                                          resultTypes: ['violations']});
  return result.violations.map(v => v.id + ': ' + v.help + ' — ' +
    v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
}"""


@pytest.fixture
def app_config():
    return {"POLL_SECONDS": 1}


def _violations(page, url):
    response = page.goto(url)
    assert response.status in (200, 404), url
    page.add_script_tag(path=AXE)
    return page.evaluate(RUN_AXE)


def test_axe_finds_no_violation_on_the_customer_pages_in_four_languages(app, db, make_user, make_order, live_server,
                                                                         browser):
    from app.orders import links

    user, order = travelling_order(db, make_user, make_order)
    with write_transaction(db):
        token = links.make_token(order)
        db.session.commit()
    found = {}
    for lang in LANGUAGES:
        # bypass_csp: axe is injected by the test (the app's CSP rightly refuses inline scripts)
        context = browser.new_context(viewport=PHONE, locale=lang, bypass_csp=True,
                                      extra_http_headers={"Accept-Language": lang})
        page = context.new_page()
        for url in (f"/track?lang={lang}", f"/t/{token}?lang={lang}", f"/widget/{token}?lang={lang}",
                    f"/login?lang={lang}"):
            found[(lang, url)] = _violations(page, live_server + url)
        page.goto(f"{live_server}/track?lang={lang}")  # the look-up by tracking number alone
        page.fill("input[name=number]", "20450000000777")
        page.click("main form button[type=submit]")
        page.wait_for_selector(".parcel-only")
        page.add_script_tag(path=AXE)
        found[(lang, "parcel page")] = page.evaluate(RUN_AXE)
        log_in(page, live_server, user.email)
        for url in ("/orders/", f"/orders/{order.number}"):
            found[(lang, url)] = _violations(page, live_server + url)
        context.close()
    problems = {key: value for key, value in found.items() if value}
    assert not problems, problems


def test_the_order_page_stays_light_and_still_when_the_partial_swaps(app, db, make_user, make_order, live_server,
                                                                      browser, output_dir):
    from playwright.sync_api import expect

    user, order = travelling_order(db, make_user, make_order)
    context = browser.new_context(viewport=PHONE, locale="uk-UA")
    page = context.new_page()
    log_in(page, live_server, user.email)
    sizes = {}

    def measured(response):
        if response.request.resource_type in ("stylesheet", "script"):
            sizes[response.url] = len(response.body())

    page.on("response", measured)
    page.goto(f"{live_server}/orders/{order.number}")
    page.wait_for_load_state("networkidle")
    total = sum(sizes.values())
    assert total < 100 * 1024, (total, sizes)

    page.evaluate("""() => { window.__shift = 0; new PerformanceObserver(list => {
        for (const entry of list.getEntries()) { if (!entry.hadRecentInput) window.__shift += entry.value; }
      }).observe({type: 'layout-shift', buffered: false}); }""")
    etag = page.locator("#tracking-progress").get_attribute("data-etag")
    with write_transaction(db):  # a new version with the same content: the poll swaps the block in
        lifecycle.touch(order)
        db.session.commit()
    expect(page.locator("#tracking-progress")).not_to_have_attribute("data-etag", etag, timeout=6000)
    page.wait_for_timeout(500)
    assert page.evaluate("window.__shift") == 0
    page.screenshot(path=os.path.join(output_dir, "after-swap-360.png"))
    context.close()
