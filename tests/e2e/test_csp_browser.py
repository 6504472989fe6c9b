"""In Chromium: the strict CSP blocks nothing the app needs, and htmx still swaps content."""
import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
"""


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="en-GB", extra_http_headers={"Accept-Language": "en"})
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


def _assert_clean(page, where):
    violations = page.evaluate("window.__cspViolations")
    assert violations == [], f"{where}: {violations}"
    csp = [m for m in page.console_errors if "Content Security Policy" in m or "Refused" in m]
    assert csp == [], f"{where}: {csp}"


def _log_in(page, email):
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit] >> text=Log in")
    page.wait_for_load_state()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # a browser check; once is enough
def test_pages_load_without_csp_violations_and_htmx_swaps(app, db, make_user, make_order, page, output_dir):
    customer = make_user("customer", email="zoryana.browser@example.com", name="Zoryana Browser")
    order = make_order(customer=customer.customer, status="in_transit")
    admin = make_user("admin")

    for path in ("/", "/login", "/privacy"):
        page.goto(path)
        assert page.evaluate("typeof htmx") == "object"  # the vendored script ran
        _assert_clean(page, path)

    _log_in(page, customer.email)
    page.goto(f"/orders/{order.number}")
    assert order.number in page.content()
    _assert_clean(page, "order page")
    page.click("text=Log out")
    page.wait_for_load_state()

    _log_in(page, admin.email)
    page.goto("/admin/privacy")
    page.evaluate("window.__notReloaded = true")
    with page.expect_response(lambda r: "/admin/privacy?q=" in r.url) as info:
        page.fill("input[name=q]", "zoryana.browser")
        page.press("input[name=q]", "Enter")
    response = info.value
    assert response.request.headers.get("hx-request") == "true"
    page.wait_for_selector("#search-results a:has-text('Zoryana Browser')")
    assert page.evaluate("window.__notReloaded") is True  # swapped in place, not a new page
    assert "q=zoryana.browser" in page.url  # hx-push-url
    page.screenshot(path=f"{output_dir}/privacy-search.png")
    _assert_clean(page, "admin privacy search")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_pages_show_the_apps_own_icon_without_a_404(app, db, page, live_server):
    icons = []
    page.on("response", lambda r: "favicon" in r.url and icons.append((r.url, r.status, r.headers["content-type"])))
    for path in ("/", "/login", "/privacy", "/track"):
        with page.expect_response(lambda r: "favicon" in r.url, timeout=5000):
            page.goto(path)
        assert page.console_errors == [], f"{path}: {page.console_errors}"
        _assert_clean(page, path)
    assert icons and all(status == 200 and content_type.startswith("image/") for _url, status, content_type in icons)
    assert all(url.startswith(live_server + "/") for url, _status, _type in icons)  # served by the app, no CDN
