"""Every staff page shows the staff menu, with the page's own entry marked.

The test walks the app's URL map: every GET rule under /admin is opened as an administrator and as a staff
member in a demo shop (``app.demo``, plus a webhook endpoint and a sent e-mail). A rule with arguments in its
path is opened at an address the staff pages themselves link to, so the values are real demo objects and a
new page is checked without being listed here. Only the addresses that are not pages are listed below, each
with what it returns, and the test checks that they indeed are not pages.
"""
import re
from collections import deque
from datetime import timedelta

import pytest
from werkzeug.exceptions import HTTPException

from app.clock import utcnow
from tests.conftest import PASSWORD
from tests.notify_servers import send_at_once

#: GET rules under /admin that answer something other than a page of the site: endpoint -> what it answers
NOT_PAGES = {
    "admin.index": "a redirect to the orders list",
    "admin.export_orders": "the orders list as a CSV, Excel or JSON download",
    "analytics_admin.kpis_download": "a CSV or Excel download",
    "analytics_admin.monthly_download": "a CSV or Excel download",
    "analytics_admin.period_download": "a CSV or Excel download",
    "carriers_admin.detect_carrier": "an htmx fragment: the carrier guessed from a tracking number",
    "carriers_admin.sync_state": "an htmx fragment: the state of a requested sync",
    "api_admin.store_pull_state": "an htmx fragment: the state of a requested store pull",
    "notify_admin.mail_html": "an e-mail's own HTML, shown in a sandboxed frame on the mail's page",
}
#: addresses the walk starts from besides the rules without arguments (a search that finds a customer; the
#: state of a store's "pull now", polled by its row only while a pull is queued or running)
STARTS = ("/admin/privacy?q=example.com", "/admin/api-clients/stores/magento/pull")


def _menu(html):
    parts = html.split('<nav class="admin-nav"', 1)
    return parts[1].split("</nav>", 1)[0] if len(parts) == 2 else None


def _staff_get_rules(app):
    return [rule for rule in app.url_map.iter_rules()
            if (rule.rule == "/admin" or rule.rule.startswith("/admin/")) and "GET" in rule.methods]


@pytest.fixture
def demo_shop(app, db, make_order):
    """The demo shop, a webhook endpoint and a message sent to the dev mailbox."""
    from app import demo
    from app.notify import services as notify_services
    from app.notify.dispatcher import dispatch

    demo.load()
    db.session.commit()
    send_at_once()
    make_order()  # its customer's "order received" e-mail goes to the dev mailbox
    notify_services.add_endpoint("https://shop.example/hooks/orders", "ERP", allow_private=False)
    db.session.commit()
    assert dispatch(now=utcnow() + timedelta(seconds=5)).sent >= 1


def _walk(app, client):
    """{endpoint: (url, response)} for every /admin GET page reached from the pages without arguments."""
    adapter = app.url_map.bind("localhost")
    rules = _staff_get_rules(app)
    queue = deque([adapter.build(rule.endpoint, {}) for rule in rules if not rule.arguments] + list(STARTS))
    seen = {}
    while queue:
        url = queue.popleft()
        try:
            endpoint, _args = adapter.match(url.split("?")[0], method="GET")
        except HTTPException:
            continue
        if endpoint in seen and url not in STARTS:
            continue
        response = client.get(url)
        if endpoint not in seen or response.status_code == 200:
            seen[endpoint] = (url, response)
        if response.status_code == 200 and response.mimetype == "text/html":
            queue.extend(href.replace("&amp;", "&") for href in
                         re.findall(r'href="(/admin[^"#]*)"', response.get_data(as_text=True)))
    return seen


def _check_page(adapter, endpoint, url, response):
    """The page has the staff menu, and exactly one entry in it is marked: one of the page's own blueprint."""
    assert response.status_code == 200 and response.mimetype == "text/html", (url, response.status_code)
    menu = _menu(response.get_data(as_text=True))
    assert menu is not None, f"{url} ({endpoint}) has no staff menu"
    marked = re.findall(r'<a href="([^"]+)" aria-current="page"', menu)
    assert len(marked) == 1, (url, marked)
    marked_endpoint, _args = adapter.match(marked[0], method="GET")
    assert marked_endpoint.split(".")[0] == endpoint.split(".")[0], (url, marked)


def test_every_staff_page_shows_the_staff_menu_with_its_entry_marked(app, db, demo_shop, make_user, client, login):
    login(make_user("admin").email)
    adapter = app.url_map.bind("localhost")
    rules = _staff_get_rules(app)
    assert len(rules) > 30
    assert set(NOT_PAGES) <= {rule.endpoint for rule in rules}, "a listed endpoint is gone: take it off the list"
    seen = _walk(app, client)
    unreached = sorted({rule.rule for rule in rules if rule.endpoint not in seen})
    assert unreached == [], f"no staff page links to these (seed a demo object or add a start): {unreached}"
    pages = {}
    for endpoint, (url, response) in sorted(seen.items()):
        if endpoint in NOT_PAGES:
            html = response.get_data(as_text=True)
            assert 'class="site-header"' not in html, f"{url} is a page now: take {endpoint} off NOT_PAGES"
            continue
        _check_page(adapter, endpoint, url, response)
        pages[endpoint] = url
    assert len(pages) >= 25, sorted(pages)

    # a staff member (not an administrator) sees the same menu on the pages open to them
    staff = app.test_client()
    staff.post("/login", data={"email": make_user("staff").email, "password": PASSWORD})
    open_to_staff = 0
    for endpoint, url in sorted(pages.items()):
        response = staff.get(url)
        if response.status_code == 403:  # an administrator's page
            continue
        _check_page(adapter, endpoint, url, response)
        open_to_staff += 1
    assert open_to_staff >= 12, open_to_staff
