"""Staff and admin pages on a 360 px phone: nothing wider than the screen.

Wide tables scroll inside their own box, forms stack and charts shrink, so the page itself never
scrolls sideways. Checked in Chromium on the demo shop (long Ukrainian names, every status).
"""
import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
WIDTH = 360

# What sticks out past the viewport (for the failure message): elements outside any scrolling box,
# and absolutely placed ones (they escape a scrolling box that is not their containing block).
TOO_WIDE = """(width) => {
  const scrolls = (el) => { for (let p = el.parentElement; p; p = p.parentElement) {
    const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll') return true; } return false; };
  const placed = (el) => ['absolute', 'fixed'].includes(getComputedStyle(el).position);
  return [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > width + 0.5 && (placed(el) || !scrolls(el)))
    .slice(0, 8).map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
      ' ' + Math.round(el.getBoundingClientRect().right) + 'px');
}"""


def _log_in(page, email):
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/admin/orders")


def _too_wide(page, path, output_dir):
    """None when ``path`` fits the screen, else what sticks out (and a screenshot in test-output/)."""
    response = page.goto(path)
    assert response.status == 200, path
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width <= WIDTH:
        return None
    page.screenshot(path=f"{output_dir}/{path.strip('/').replace('/', '_')}.png", full_page=True)
    return f"{path} is {scroll_width}px wide: {page.evaluate(TOO_WIDE, WIDTH)}"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # a layout check; one engine is enough
def test_staff_and_admin_pages_fit_a_360px_screen(app, db, runner, make_user, live_server, browser, output_dir):
    from app.api.services import create_client
    from app.notify.models import Notification
    from app.orders.models import Order
    from tests.conftest import write_transaction

    assert runner.invoke(args=["demo-data"]).exit_code == 0
    with write_transaction(db):
        create_client("Інтернет-магазин на WooCommerce (основний)", "read:shipments write:shipments")
        db.session.commit()
    order = db.session.execute(db.select(Order).filter_by(status="returned").order_by(Order.id)).scalars().first()
    message = db.session.execute(db.select(Notification).filter_by(channel="email").order_by(Notification.id)).scalars().first()
    staff, admin = make_user("staff"), make_user("admin")

    pages = {
        staff: (f"/admin/orders/{order.id}", "/admin/orders/new", "/admin/orders/import", "/admin/orders",
                "/admin/analytics/", "/admin/analytics/monthly", "/admin/attention/", "/admin/notifications/",
                f"/admin/notifications/orders/{order.id}", f"/admin/notifications/{message.id}", "/api/docs"),
        admin: ("/admin/carriers/", "/admin/api-clients/", "/admin/users", "/admin/audit", "/admin/settings",
                "/admin/branding", "/admin/privacy", "/admin/notifications/templates",
                "/admin/notifications/settings", "/admin/notifications/webhooks", "/admin/notifications/mailbox"),
    }
    problems = []
    for user, paths in pages.items():
        context = browser.new_context(base_url=live_server, viewport={"width": WIDTH, "height": 740},
                                      locale="uk-UA")
        page = context.new_page()
        try:
            _log_in(page, user.email)
            problems += [p for p in (_too_wide(page, path, output_dir) for path in paths) if p]
        finally:
            context.close()
    assert not problems, "\n".join(problems)
