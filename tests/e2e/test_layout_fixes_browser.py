"""Pages a tester found cut off or pushing sideways, opened as a person sees them at a phone's 360 px (and
a laptop's 1280 px for the orders list): nothing scrolls sideways and what was cut off is on screen.
Screenshots go to test-output/ to be looked at."""
import pytest
from playwright.sync_api import expect

from tests.e2e.browsing import log_in, overflow

# what a page looks like at a width; one engine is enough
pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]

#: a carrier's 24-digit parcel number and a long name: the widest things an orders list row holds
LONG_TRACKING = "602620756199937054380215"


def _inside_window(page, selector):
    """Every element matching ``selector`` is visible and ends inside the window's width."""
    width = page.viewport_size["width"]
    boxes = [page.locator(selector).nth(i).bounding_box() for i in range(page.locator(selector).count())]
    assert boxes, f"nothing matches {selector}"
    return all(box and box["width"] > 0 and box["x"] >= 0 and box["x"] + box["width"] <= width + 1 for box in boxes)


def _radios_beside_their_labels(page):
    """Each radio is small and on the same line as its label's text, not a big circle above it."""
    radios = page.locator("label:has(> input[type=radio])")
    assert radios.count() >= 2, "no radio buttons on the page to check"
    for radio in radios.all():
        dot = radio.locator("input").bounding_box()
        label = radio.bounding_box()
        assert dot["width"] <= 26 and dot["height"] <= 26, dot
        assert label["height"] >= 44, label  # the label is the tap target
        assert abs((dot["y"] + dot["height"] / 2) - (label["y"] + label["height"] / 2)) < 12, (dot, label)
        assert dot["x"] - label["x"] < 4, (dot, label)  # at the label's start, its text to the right


def test_devices_page_fits_a_phone(app, db, make_user, live_server, browser, output_dir):
    user = make_user("customer")
    context, page = log_in(browser, live_server, user.email, 360, 740)
    try:
        page.goto(f"{live_server}/account/devices")
        page.screenshot(path=f"{output_dir}/devices-360.png", full_page=True)
        assert overflow(page) <= 1
        name = page.locator(".device-name").first
        expect(name).to_contain_text("Chrome")
        assert "Mozilla/5.0" in name.get_attribute("title")  # the full string, for whoever wants it
        assert _inside_window(page, "table.devices button")
    finally:
        context.close()


def test_staff_returns_page_fits_a_phone(app, db, make_order, make_user, live_server, browser, output_dir):
    order = make_order(status="delivered")
    staff = make_user("staff")
    context, page = log_in(browser, live_server, staff.email, 360, 740)
    try:
        page.goto(f"{live_server}/admin/returns/{order.number}")
        page.screenshot(path=f"{output_dir}/returns-360.png", full_page=True)
        assert overflow(page) <= 1
        assert _inside_window(page, ".returns-table select")  # the "Change" column, cut off before
        assert _inside_window(page, ".returns-table button")
        _radios_beside_their_labels(page)
    finally:
        context.close()


def test_import_page_radios_sit_beside_their_labels(app, db, make_user, live_server, browser, output_dir):
    admin = make_user("admin")
    for width in (360, 1280):
        context, page = log_in(browser, live_server, admin.email, width, 800)
        try:
            page.goto(f"{live_server}/admin/orders/import")
            page.screenshot(path=f"{output_dir}/import-{width}.png")
            assert overflow(page) <= 1
            _radios_beside_their_labels(page)
        finally:
            context.close()


def test_orders_list_shows_its_last_column_at_1280(app, db, make_order, make_user, live_server, browser, output_dir):
    from app.orders.models import Customer

    with app.app_context():
        customer = Customer(name="Олександра Кравченко-Мельник", email="long@example.com", phone="+380671234567")
        db.session.add(customer)
        db.session.commit()
    for n in range(12):
        make_order(customer=customer if n % 3 == 0 else None, status="in_transit", carrier="inpost",
                   tracking_number=f"{LONG_TRACKING[:-2]}{n:02d}",
                   delivery={"city": "Івано-Франківськ", "region": "Івано-Франківська", "pickup_point": "№3"})
    admin = make_user("admin")
    context, page = log_in(browser, live_server, admin.email, 1280, 800)
    try:
        page.goto(f"{live_server}/admin/orders")
        page.screenshot(path=f"{output_dir}/orders-1280.png")
        assert overflow(page) <= 1
        box = page.locator(".orders-table").locator("xpath=..")  # its scrolling box
        assert box.evaluate("b => b.scrollWidth - b.clientWidth") <= 1, "the orders table scrolls inside its box"
        assert _inside_window(page, ".orders-table thead th:last-child")
        expect(page.locator(".orders-table thead th").last).to_have_text("Створено")
        # on a phone each order is a card: its status and parcel on screen, not past a side-scroll
        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        page.screenshot(path=f"{output_dir}/orders-390.png")
        assert overflow(page) <= 1
        assert box.evaluate("b => b.scrollWidth - b.clientWidth") <= 1, "the orders table scrolls on a phone"
        first = page.locator(".orders-table tbody tr").first
        for cell in (".badge", "code"):
            assert _inside_window(page, f".orders-table tbody tr:first-child {cell}"), cell
        expect(first.locator('td[data-label="Статус"]')).to_be_visible()  # each value named on its card
    finally:
        context.close()


def test_analytics_chart_labels_are_not_cut_at_360(app, db, make_order, make_user, live_server, browser, output_dir):
    from app.orders.models import StatusEvent

    for _ in range(2):
        order = make_order(status="returned")
        with app.app_context():
            event = db.session.execute(db.select(StatusEvent).filter_by(order_id=order.id, status="returned")).scalar_one()
            event.reason_code = "refused_at_pickup"  # "Відмова при отриманні": wider than the label column
            db.session.commit()
    admin = make_user("admin")
    context, page = log_in(browser, live_server, admin.email, 360, 740)
    try:
        page.goto(f"{live_server}/admin/analytics")
        page.screenshot(path=f"{output_dir}/analytics-360.png", full_page=True)
        assert overflow(page) <= 1
        reasons = page.locator("figure.chart").filter(has=page.locator("figcaption", has_text="Причини повернень"))
        expect(reasons.locator(".chart-label")).to_have_text(["Відмова приотриманні"])  # two lines, no space between
        reasons.screenshot(path=f"{output_dir}/analytics-reasons-360.png")
        cut = page.evaluate("""() => [...document.querySelectorAll('figure.chart svg')].flatMap(svg => {
            const width = svg.viewBox.baseVal.width;
            return [...svg.querySelectorAll('text')].map(t => [t.textContent, t.getBBox()])
              .filter(([, b]) => b.x < 0 || b.x + b.width > width).map(([text]) => text); })""")
        assert cut == [], f"chart text past the chart's edge: {cut}"
    finally:
        context.close()


def test_carriers_page_is_a_reasonable_height_on_a_phone(app, db, make_user, live_server, browser, output_dir):
    admin = make_user("admin")
    context, page = log_in(browser, live_server, admin.email, 360, 740)
    try:
        page.goto(f"{live_server}/admin/carriers/")
        page.screenshot(path=f"{output_dir}/carriers-360.png", full_page=True)
        assert overflow(page) <= 1
        height = page.evaluate("() => document.documentElement.scrollHeight")
        assert height < 4000, f"the carriers page is {height} px tall at 360 px (was about 6,500)"
        # every carrier is still named with its mode and can be tested; its settings are one tap away
        expect(page.locator(".carrier-list .connection-test button").first).to_be_visible()
        settings = page.locator("#carrier-dhl details.carrier-settings")
        expect(settings.locator("select, input:not([type=hidden])").first).to_be_hidden()
        settings.locator("summary").click()
        expect(settings.locator("select, input:not([type=hidden])").first).to_be_visible()
        page.screenshot(path=f"{output_dir}/carriers-dhl-settings-360.png")
        assert overflow(page) <= 1
    finally:
        context.close()


def test_import_errors_read_as_cards_on_a_phone(app, db, make_order, make_user, live_server, browser, output_dir):
    order = make_order()
    admin = make_user("admin")
    csv = ("order_number,customer_name,item_name,item_price,customer_email\n"
           f"{order.number},Олена,Сукня,100,not-an-email\n").encode()
    context, page = log_in(browser, live_server, admin.email, 360, 740)
    try:
        page.goto(f"{live_server}/admin/orders/import")
        page.set_input_files("input[type=file]", {"name": "orders.csv", "mimeType": "text/csv", "buffer": csv})
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        page.locator(".import-errors").screenshot(path=f"{output_dir}/import-errors-360.png")
        assert overflow(page) <= 1
        assert _inside_window(page, ".import-errors td")  # the problem's text too, cut off before
        # a column's name in one piece, not "order_numbe r"
        names = page.locator(".import-errors td:nth-child(2) code")
        assert names.count() >= 1
        assert all(name.bounding_box()["height"] < 30 for name in names.all())
    finally:
        context.close()


def test_bulk_change_results_are_read_on_a_phone(app, db, make_order, make_user, live_server, browser, output_dir):
    """Staff shipping several orders at once from a phone: each refused order's reason ('no parcel yet…')
    was cut off at the window's edge, the one column that says what to do. Every order on the page is
    ticked at once, and the change is asked again (each customer is told): it went through at once."""
    orders = [make_order(tracking_number=False) for _ in range(2)]
    context, page = log_in(browser, live_server, make_user("staff").email, 360, 740)
    try:
        page.goto(f"{live_server}/admin/orders?status=new")
        page.locator("details.bulk summary").click()
        page.get_by_label("Усі замовлення на цій сторінці").check()
        for order in orders:
            expect(page.locator(f"input[name=order_ids][value='{order.id}']")).to_be_checked()
        page.locator("#bulk-status").select_option("shipped")
        asked = []
        page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
        page.locator("#bulk-form button[type=submit]").click()
        expect(page.locator("details.bulk")).to_have_attribute("open", "")  # still here: nothing was sent
        assert asked == ["Змінити статус вибраних замовлень (2) на «Відправлено»? Кожному з клієнтів буде "
                         "повідомлено, як про будь-яку зміну."]
        page.once("dialog", lambda dialog: dialog.accept())
        with page.expect_navigation():
            page.locator("#bulk-form button[type=submit]").click()
        page.screenshot(path=f"{output_dir}/bulk-results-360.png", full_page=True)
        expect(page.locator(".bulk-results tr.failed")).to_have_count(2)
        assert overflow(page) <= 1
        assert _inside_window(page, ".bulk-results tr.failed td")
    finally:
        context.close()


def test_a_right_to_left_name_leaves_the_phone_beside_it_readable(app, db, make_order, make_user, live_server,
                                                                  browser, output_dir):
    """A customer's name in Arabic script turned the phone after it in the orders list around:
    '+48 600 700 800' read '800 700 600 48+'."""
    from app.orders.models import Customer

    with app.app_context():
        customer = Customer(name="محمد علي", email="m@example.com", phone="+48600700800")
        db.session.add(customer)
        db.session.commit()
    make_order(customer=customer)
    context, page = log_in(browser, live_server, make_user("staff").email, 1280, 800)
    try:
        page.goto(f"{live_server}/admin/orders")
        page.screenshot(path=f"{output_dir}/orders-rtl-name.png")
        contact = page.locator(".orders-table .contact").first
        expect(contact).to_contain_text("+48")
        # where the '+' and the last digit are drawn: the '+' must come first, on the left
        plus_x, last_x = contact.evaluate("""span => {
            const text = span.firstChild, at = i => { const r = document.createRange();
              r.setStart(text, i); r.setEnd(text, i + 1); return r.getBoundingClientRect().left; };
            return [at(text.data.indexOf('+')), at(text.data.length - 1)];
        }""")
        assert plus_x < last_x
    finally:
        context.close()
