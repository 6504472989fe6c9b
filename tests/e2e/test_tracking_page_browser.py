"""The customer's tracking pages as a person sees them, in Chromium: on a 360 × 780 phone the
order number, the current step, when it arrives and the latest news show without scrolling (order
page, signed link, widget), in plain words in the reader's language, with the route and a copy
button for the tracking number. Screenshots at 360 and 1280 px in uk and en go to test-output/."""
import os
from datetime import timedelta

import pytest

from app import settings
from app.clock import local_today, utcnow
from app.orders import lifecycle
from app.orders.models import CarrierEvent
from tests.conftest import PASSWORD, write_transaction

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]
PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}
LATEST = {"uk": "Ваша посилка в дорозі: Вінниця", "en": "Your parcel is on its way: Vinnytsia"}
ARRIVES = {"uk": "Прибуде завтра", "en": "Arrives tomorrow"}
STEP = {"uk": "Прямує до вас", "en": "On the way to you"}


def travelling_order(db, make_user, make_order):
    """A customer's order on its way from Kyiv through Vinnytsia to Odesa, due tomorrow."""
    user = make_user("customer", name="Олена Коваль")
    order = make_order(customer=user.customer, status="in_transit", tracking_number="20450000000777",
                       delivery={"city": "Одеса", "region": "Одеська", "pickup_point": "Відділення №3"},
                       items=[{"name": "Сукня льняна", "size": "M", "color": "синій", "quantity": 1, "price": "1450.00"},
                              {"name": "Шарф кашеміровий", "color": "бежевий", "quantity": 2, "price": "750.00"}])
    with write_transaction(db):
        shipment = order.shipments[0]
        shipment.scheduled_delivery_date = local_today() + timedelta(days=1)  # the shop's tomorrow, also past its midnight
        at = utcnow().replace(microsecond=0) - timedelta(hours=6)
        for hours, code, text, place in ((0, "4", "Відправлення у місті Київ", "Київ"),
                                         (2, "5", "Відправлення прямує до міста Одеса", "КИЇВ ЦОКК"),
                                         (5, "5", "Відправлення прямує до міста Одеса", "Вінниця")):
            db.session.add(CarrierEvent(shipment=shipment, occurred_at=at + timedelta(hours=hours), raw_code=code,
                                        raw_text=text, location=place,
                                        mapped_status="shipped" if code == "4" else "in_transit"))
        # the shop's own changes came just before the carrier's scans (they say the same: told once)
        times = {"new": 9 * 60, "awaiting_shipment": 8 * 60, "shipped": 6 * 60 + 10, "in_transit": 4 * 60 + 10}
        for change in order.history:
            change.created_at = at + timedelta(hours=6) - timedelta(minutes=times[change.status])
        lifecycle.touch(order)
        db.session.commit()
    return user, order


def log_in(page, base, email):
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/orders/")


def above_the_fold(page, selectors, height=PHONE["height"]):
    """Each selector's first visible element, and whether it ends within the first screen."""
    out = {}
    for selector in selectors:
        box = page.locator(selector).first.bounding_box()
        out[selector] = bool(box) and box["y"] >= 0 and box["y"] + box["height"] <= height
    return out


def test_the_first_screen_of_every_customer_page_on_a_phone(app, db, make_user, make_order, live_server, browser,
                                                           output_dir):
    from playwright.sync_api import expect

    from app.orders import links

    user, order = travelling_order(db, make_user, make_order)
    with write_transaction(db):
        token = links.make_token(order)
        db.session.commit()
    for lang in ("uk", "en"):
        context = browser.new_context(viewport=PHONE, locale="uk-UA" if lang == "uk" else "en-GB")
        page = context.new_page()
        log_in(page, live_server, user.email)
        pages = {"order": f"{live_server}/orders/{order.number}",
                 "signed": f"{live_server}/t/{token}?lang={lang}",
                 "widget": f"{live_server}/widget/{token}?lang={lang}"}
        for name, url in pages.items():
            page.set_viewport_size(PHONE)
            page.goto(url)
            number = ".widget-order" if name == "widget" else "h1"
            expect(page.locator(number)).to_contain_text(order.number)
            expect(page.locator(".progress [aria-current=step]")).to_contain_text(STEP[lang])
            expect(page.locator(".arrival-headline")).to_have_text(ARRIVES[lang])
            expect(page.locator(".latest-news .latest-text")).to_have_text(LATEST[lang])
            seen = above_the_fold(page, [number, ".progress [aria-current=step]", ".arrival-headline",
                                         ".latest-news"])
            page.screenshot(path=os.path.join(output_dir, f"{name}-{lang}-360.png"))
            assert all(seen.values()), (name, lang, seen)
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], (name, lang)
            page.screenshot(path=os.path.join(output_dir, f"{name}-{lang}-360-full.png"), full_page=True)
            page.set_viewport_size(DESKTOP)
            page.screenshot(path=os.path.join(output_dir, f"{name}-{lang}-1280.png"), full_page=True)
        page.goto(f"{live_server}/track")
        page.screenshot(path=os.path.join(output_dir, f"lookup-{lang}-1280.png"), full_page=True)
        page.set_viewport_size(PHONE)
        page.screenshot(path=os.path.join(output_dir, f"lookup-{lang}-360.png"), full_page=True)
        context.close()


def test_the_menu_folds_on_a_phone(app, db, make_user, make_order, live_server, browser, output_dir):
    from playwright.sync_api import expect

    user, order = travelling_order(db, make_user, make_order)
    context = browser.new_context(viewport=PHONE, locale="uk-UA")
    page = context.new_page()
    log_in(page, live_server, user.email)
    page.goto(f"{live_server}/orders/{order.number}")
    menu = page.get_by_role("link", name="Меню")
    nav = page.locator("#main-nav")
    expect(nav).to_be_hidden()
    assert page.locator(".site-header").bounding_box()["height"] <= 64
    menu.click()
    expect(nav).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Мої замовлення")).to_be_visible()
    page.screenshot(path=os.path.join(output_dir, "menu-open-360.png"))
    menu.click()
    expect(nav).to_be_hidden()
    page.set_viewport_size(DESKTOP)  # a wide screen shows the menu as it is
    expect(menu).to_be_hidden()
    expect(nav.get_by_role("link", name="Мої замовлення")).to_be_visible()
    # a long shop name took four lines of a phone's header; it takes two, and the link's title holds it all
    long_name = "Льон і Вовна — одяг з натурального льону та вовни від майстерні з Коломиї, Івано-Франківщина"
    with write_transaction(db):
        settings.put("SHOP_NAME", long_name)
        db.session.commit()
    page.set_viewport_size(PHONE)
    page.reload()
    name = page.locator(".site-header .brand-name")
    assert name.bounding_box()["height"] <= 2 * 1.2 * 16 * 1.6  # two lines of the brand's 1.2rem
    expect(page.locator(".site-header .brand")).to_have_attribute("title", long_name)
    page.screenshot(path=os.path.join(output_dir, "long-shop-name-360.png"))
    context.close()


def test_plain_words_route_and_copy_button(app, db, make_user, make_order, live_server, browser, output_dir):
    from playwright.sync_api import expect

    user, order = travelling_order(db, make_user, make_order)
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    log_in(page, live_server, user.email)
    page.goto(f"{live_server}/orders/{order.number}")
    history = page.locator(".history .event-title")
    expect(history.first).to_have_text("Your parcel is on its way: Vinnytsia")
    expect(page.locator(".history")).to_contain_text("The carrier has taken your parcel in Kyiv")
    expect(page.locator(".event-original .event-detail").first).to_be_hidden()  # the carrier's words: one tap away
    page.locator(".event-original summary").first.click()
    expect(page.locator(".event-original .event-detail").first).to_have_text(
        "Відправлення прямує до міста Одеса · Вінниця")
    strip = page.locator(".route-strip .route-stop")
    expect(strip).to_have_text(["Kyiv (passed)", "Vinnytsia (the parcel is here)", "Odesa (still ahead)"])
    expect(page.locator("svg.route-map circle")).to_have_count(3)
    expect(page.get_by_role("link", name="Track on the Nova Poshta site")).to_have_attribute(
        "href", "https://novaposhta.ua/tracking/?cargo_number=20450000000777")
    page.get_by_role("button", name="Copy the tracking number").click()
    expect(page.locator("#tracking-announcer")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == "20450000000777"
    page.locator(".route").screenshot(path=os.path.join(output_dir, "route-en-360.png"))
    context.close()


def test_the_language_stays_the_same_across_log_in(app, db, make_user, make_order, live_server, browser):
    """The log-in page follows the browser (English here); the pages after log-in stay in English
    although the customer's profile says Ukrainian."""
    from playwright.sync_api import expect

    user, order = travelling_order(db, make_user, make_order)
    with write_transaction(db):
        user.language = "uk"  # as the demo's customer has it
        db.session.commit()
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    log_in(page, live_server, user.email)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_contain_text("My orders")
    page.goto(f"{live_server}/orders/{order.number}")
    expect(page.locator(".arrival-headline")).to_have_text("Arrives tomorrow")
    context.close()


def test_a_tracking_number_alone_shows_status_and_route_only(app, db, make_user, make_order, live_server, browser,
                                                             output_dir):
    from playwright.sync_api import expect

    user, order = travelling_order(db, make_user, make_order)
    for lang, viewport in (("uk", PHONE), ("en", DESKTOP)):
        context = browser.new_context(viewport=viewport, locale="uk-UA" if lang == "uk" else "en-GB")
        page = context.new_page()
        page.goto(f"{live_server}/track")
        page.fill("input[name=number]", "2045 0000 000777")
        page.click("main form button[type=submit]")
        expect(page.locator("h1")).to_contain_text("20450000000777")
        expect(page.locator(".arrival-headline")).to_have_text(ARRIVES[lang])
        expect(page.locator(".latest-news .latest-text")).to_have_text(LATEST[lang])
        expect(page.locator(".route-strip .route-stop")).to_have_count(2)  # passed places; the destination is not told
        body = page.locator("body").inner_text()
        for private in ("Олена Коваль", "Одеса", "Відділення №3", "Сукня льняна", order.number):
            assert private not in body, private
        page.screenshot(path=os.path.join(output_dir, f"parcel-{lang}-{viewport['width']}.png"), full_page=True)
        context.close()


def test_an_order_number_without_contact_asks_for_it_and_an_unknown_tracking_number_is_named(
        app, db, make_user, make_order, client):
    user, order = travelling_order(db, make_user, make_order)
    for number, answer in ((order.number, "Enter the phone number or e-mail."),
                           ("20459999999999", "No parcel has this tracking number yet.")):
        response = client.post("/track", data={"number": number, "contact": ""}, headers={"Accept-Language": "en"})
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and answer in html
        assert "Олена Коваль" not in html


def test_help_follow_pictures_and_the_shops_brand_on_the_signed_page(app, db, make_user, make_order, live_server,
                                                                     browser, output_dir):
    """On a phone, a guest with the order's link: the shop's name and (adjusted) colour, the items
    with a picture or a placeholder, follows the order by e-mail and reports a problem."""
    from playwright.sync_api import expect

    from app import settings
    from app.orders import links
    from app.tracking import branding
    from app.tracking.models import OrderFollower, ProblemReport

    user, order = travelling_order(db, make_user, make_order)
    with write_transaction(db):
        settings.put("SHOP_NAME", "Льон і Вовна")
        settings.put("SHOP_EMAIL", "shop@example.com")
        branding.save("#ffcc00", "#ffffff")  # too light: the pages use a readable shade of it
        order.items[0].image_url = f"{live_server}/static/favicon.svg"
        token = links.make_token(order)
        db.session.commit()
    used = branding.readable_on("#ffcc00")
    context = browser.new_context(viewport=PHONE, locale="uk-UA")
    page = context.new_page()
    page.goto(f"{live_server}/t/{token}")
    expect(page.locator(".brand-name")).to_have_text("Льон і Вовна")
    rgb = "rgb({}, {}, {})".format(*(int(used[i:i + 2], 16) for i in (1, 3, 5)))
    expect(page.locator(".brand-name")).to_have_css("color", rgb)
    expect(page.locator(".item-picture").first).to_have_attribute("src", f"{live_server}/static/favicon.svg")
    expect(page.locator(".item-placeholder")).to_have_count(1)

    page.fill("#follow-address", "mama@example.com")
    page.get_by_label("Я погоджуюся отримувати повідомлення").check()
    page.get_by_role("button", name="Стежити за замовленням").click()
    expect(page.locator(".flash-success")).to_contain_text("ви отримуватимете новини про це замовлення")
    page.get_by_text("Повідомити про проблему").click()
    page.fill("#problem-message", "Посилка стоїть у Вінниці вже тиждень")
    page.get_by_role("button", name="Надіслати в магазин").click()
    expect(page.locator(".flash-success")).to_contain_text("Магазин отримав ваше повідомлення")
    expect(page.get_by_role("link", name="shop@example.com")).to_have_attribute("href", "mailto:shop@example.com")
    page.get_by_text("Що означає «у пункті видачі»?").click()
    expect(page.locator(".faq-item[open] p")).to_contain_text("чекає на вас")
    page.screenshot(path=os.path.join(output_dir, "signed-help-uk-360.png"), full_page=True)
    db.session.expire_all()
    assert [f.address for f in db.session.query(OrderFollower).filter_by(order_id=order.id)] == ["mama@example.com"]
    assert [r.message for r in db.session.query(ProblemReport).filter_by(order_id=order.id)] == [
        "Посилка стоїть у Вінниці вже тиждень"]
    context.close()
