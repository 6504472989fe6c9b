"""Customer tracking: the polled partial, the customer's pages and actions, /track, signed links."""
import re
import time
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import event

from app import settings
from app.clock import utcnow
from app.orders import lifecycle, links
from app.orders.models import CarrierEvent, StatusEvent
from app.tracking.models import ReturnRequest
from tests.conftest import write_transaction

HX = {"HX-Request": "true"}


def _customer(make_user, **kwargs):
    user = make_user("customer", **kwargs)
    return user, user.customer


class QueryCounter:
    def __init__(self, engine):
        self.engine, self.statements = engine, []

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, conn, cursor, statement, *args):
        # Transaction control is not a query (SQLite's BEGIN is emitted explicitly, see app/database.py)
        if statement.strip().upper() not in {"BEGIN", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"}:
            self.statements.append(statement)


# ---- the polled partial ----------------------------------------------------------------------

def test_partial_is_304_when_unchanged_and_200_after_a_change(app, db, make_user, make_order, client, login):
    user, customer = _customer(make_user)
    order = make_order(customer=customer, status="awaiting_shipment")
    login(user.email)
    url = f"/orders/{order.number}/progress"
    first = client.get(url, headers=HX)
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    assert html.lstrip().startswith("<section id=\"tracking-progress\"")  # a fragment, not a page
    assert "<html" not in html and 'hx-trigger="every 10s"' in html and 'hx-swap="outerHTML"' in html
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache"

    again = client.get(url, headers={**HX, "If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""

    lifecycle.change_status(order, "shipped", source="staff", note="Передано перевізнику")
    db.session.commit()
    changed = client.get(url, headers={**HX, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    body = changed.get_data(as_text=True)
    assert "Крок 3 з 5: Відправлено" in body and "Передано перевізнику" in body

    # another language is another representation
    english = client.get(url, headers={**HX, "If-None-Match": changed.headers["ETag"], "Accept-Language": "en"})
    assert english.status_code == 200 and "Step 3 of 5: Shipped" in english.get_data(as_text=True)


def test_unchanged_poll_costs_one_small_query(app, db, make_user, make_order, client, login):
    order = make_order(status="shipped")
    token = links.make_token(order)
    db.session.commit()
    url = f"/t/{token}/progress"
    etag = client.get(url, headers=HX).headers["ETag"]
    db.session.expunge_all()  # the test client shares this session; a real request starts empty
    with QueryCounter(db.engine) as counter:
        response = client.get(url, headers={**HX, "If-None-Match": etag})
    assert response.status_code == 304
    assert len(counter.statements) == 1 and "FROM orders" in counter.statements[0]

    # logged in: the session's user plus the order, nothing rendered
    user, customer = _customer(make_user)
    mine = make_order(customer=customer, status="in_transit")
    login(user.email)
    url = f"/orders/{mine.number}/progress"
    etag = client.get(url, headers=HX).headers["ETag"]
    db.session.expunge_all()
    with QueryCounter(db.engine) as counter:
        assert client.get(url, headers={**HX, "If-None-Match": etag}).status_code == 304
    assert len(counter.statements) <= 2
    assert not any("status_events" in s or "order_items" in s for s in counter.statements)


def test_terminal_order_answers_286_and_stops_polling(app, db, make_user, make_order, client, login):
    user, customer = _customer(make_user)
    order = make_order(customer=customer, status="in_transit")
    login(user.email)
    url = f"/orders/{order.number}/progress"
    etag = client.get(url, headers=HX).headers["ETag"]
    lifecycle.change_status(order, "delivered", source="carrier", actor="nova_poshta")
    db.session.commit()
    final = client.get(url, headers={**HX, "If-None-Match": etag})
    assert final.status_code == 286
    html = final.get_data(as_text=True)
    assert "hx-trigger" not in html and "Крок 5 з 5: Доставлено" in html
    # the same URL without htmx is an ordinary page
    page = client.get(url)
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)


# ---- the customer's pages ----------------------------------------------------------------------

def test_another_customers_order_is_404_everywhere(app, db, make_user, make_order, client, login):
    alice, alice_customer = _customer(make_user)
    bob, bob_customer = _customer(make_user, name="Bob Secret")
    theirs = make_order(customer=bob_customer, status="shipped")
    login(alice.email)
    for method, path in (("get", ""), ("get", "/progress"), ("post", "/received"), ("post", "/returns")):
        response = getattr(client, method)(f"/orders/{theirs.number}{path}", headers=HX if path == "/progress" else {})
        assert response.status_code == 404, path
        assert "Bob Secret" not in response.get_data(as_text=True)
    db.session.refresh(theirs)
    assert theirs.status == "shipped" and theirs.return_requests == []


def test_order_page_shows_everything_a_customer_asks_for(app, db, make_user, make_order, client, login):
    user, customer = _customer(make_user, name="Олена Коваль")
    order = make_order(customer=customer, status="in_transit", tracking_number="20450000000123",
                       items=[{"name": "Сукня льняна", "size": "M", "color": "синій", "quantity": 2, "price": "1450.00"}])
    shipment = order.shipments[0]
    shipment.scheduled_delivery_date = (utcnow() + timedelta(days=2)).date()
    db.session.add(CarrierEvent(shipment=shipment, occurred_at=utcnow() - timedelta(hours=3), raw_code="ARR",
                                raw_text="Прибуло у відділення", location="Львів, Відділення №12", at_pickup_point=True))
    lifecycle.set_flags(order, at_pickup_point=True)
    db.session.commit()
    login(user.email)
    html = client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "Сукня льняна" in html and re.search(r"2\s900,00", html)  # items and a Ukrainian-formatted total
    assert "20450000000123" in html and "novaposhta.ua/tracking/?cargo_number=20450000000123" in html
    assert "Прибуло у відділення" in html and "Львів, Відділення №12" in html  # carrier event on the timeline
    assert "Чекає на вас у пункті видачі" in html
    assert "Очікувана доставка" in html and "дата від перевізника" in html
    assert 'aria-current="step"' in html and "(поточний етап)" in html  # readable without colour
    assert "Перевізник · Нова пошта" in html and "Перевізник · Перевізник" not in html

    lifecycle.set_flags(order, at_pickup_point=False, problem=True, problem_note="Затримка на сортувальному центрі")
    db.session.commit()
    html = client.get(f"/orders/{order.number}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Delayed" in html and "Затримка на сортувальному центрі" in html


def test_my_orders_lists_active_and_finished(app, db, make_user, make_order, client, login):
    user, customer = _customer(make_user)
    active = make_order(customer=customer, status="shipped")
    done = make_order(customer=customer, status="cancelled")
    make_order(status="new")  # someone else's
    login(user.email)
    html = client.get("/orders/").get_data(as_text=True)
    assert active.number in html and done.number in html and html.count("order-card ") == 2
    assert html.index("Активні") < html.index(active.number) < html.index("Завершені") < html.index(done.number)


def test_cancelled_and_returned_are_distinct_end_states(app, db, make_user, make_order, client, login):
    user, customer = _customer(make_user)
    cancelled = make_order(customer=customer, status="cancelled")
    returned = make_order(customer=customer, status="returned")
    login(user.email)
    html = client.get(f"/orders/{cancelled.number}").get_data(as_text=True)
    assert "end-cancelled" in html and "Замовлення скасовано на кроці 1 з 5" in html and "test reason" in html
    assert html.count("step-not_reached") == 4
    html = client.get(f"/orders/{returned.number}").get_data(as_text=True)
    assert "end-returned" in html and "Замовлення повернуто після кроку 3 з 5" in html


# ---- customer actions ----------------------------------------------------------------------------

def test_confirm_receipt_delivers_through_the_lifecycle(app, db, make_user, make_order, client, login):
    user, customer = _customer(make_user)
    order = make_order(customer=customer, status="in_transit")
    waiting = make_order(customer=customer, status="new")
    login(user.email)
    # one tap is not enough: without the tick nothing changes, and the page says what is missing
    untick = client.post(f"/orders/{order.number}/received", follow_redirects=True)
    assert "Позначте «Посилка в мене в руках»" in untick.get_data(as_text=True)
    db.session.refresh(order)
    assert order.status == "in_transit"
    response = client.post(f"/orders/{order.number}/received", data={"confirm": "yes"}, follow_redirects=True)
    assert "Замовлення позначено як доставлене" in response.get_data(as_text=True)
    db.session.refresh(order)
    last = order.history[-1]
    assert order.status == "delivered" and last.source == "customer" and last.actor_user_id == user.id

    refused = client.post(f"/orders/{waiting.number}/received", data={"confirm": "yes"}, follow_redirects=True)
    assert "не можна підтвердити" in refused.get_data(as_text=True)
    db.session.refresh(waiting)
    assert waiting.status == "new" and len(waiting.history) == 1


def test_return_request_shows_on_the_timeline_until_staff_record_it(app, db, make_user, make_order, client, login):
    """A free-text return request made before returns had their own section (the form that made it
    is gone: new requests are return cases) still shows until staff record the return."""
    user, customer = _customer(make_user)
    order = make_order(customer=customer, status="delivered")
    with write_transaction(db):
        db.session.add(ReturnRequest(order_id=order.id, reason="Не підійшов розмір", requested_by_user_id=user.id))
        db.session.commit()
    login(user.email)
    assert client.post(f"/orders/{order.number}/return", data={"reason": "Ще раз"}).status_code in (404, 405)
    html = client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "event-return_request" in html and "Не підійшов розмір" in html
    assert 'id="return-reason"' not in html  # one way to ask for a return: the returns section

    lifecycle.change_status(order, "returned", source="staff", note="Повернення прийнято: не підійшов розмір")
    db.session.commit()
    html = client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "event-return_request" not in html and "end-returned" in html
    assert "Повернення прийнято: не підійшов розмір" in html


# ---- public look-up -----------------------------------------------------------------------------

def _lookup(client, number, contact, **headers):
    return client.post("/track", data={"number": number, "contact": contact}, headers=headers)


def test_lookup_finds_the_order_by_phone_or_email_in_any_usual_form(app, db, make_order, client):
    from app.orders.models import Customer

    customer = Customer(name="Олена Коваль", email="olena@example.com", phone="+380671234567")
    db.session.add(customer)
    order = make_order(customer=customer, status="shipped")
    for contact in ("+380671234567", "+38 (067) 123-45-67", "0671234567", "380671234567", "067 123 45 67",
                    "OLENA@example.com", " olena@example.com "):
        response = _lookup(client, order.number.lower(), contact)
        assert response.status_code == 303, contact
        assert response.headers["Location"].startswith("/t/")
    digits = order.number.removeprefix("PS-")
    for number in (f"PS {digits}", f"ps{digits}", f" №{digits} ", f"PS_{digits}"):  # the number as people type it
        assert _lookup(client, number, "0671234567").status_code == 303, number
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and order.number in html and "Відправлено" in html
    assert page.headers["Referrer-Policy"] == "no-referrer"
    # the signed view shows this order only, and no account data
    assert "Олена Коваль" not in html and "olena@example.com" not in html and "671234567" not in html
    assert "Мої замовлення" not in html


def test_wrong_pair_looks_exactly_like_a_missing_order(app, db, make_order, client):
    order = make_order(status="shipped")
    wrong_pair = _lookup(client, order.number, "+380990000000")
    missing = _lookup(client, "PS-999999", "+380990000000")
    wrong_email = _lookup(client, order.number, "someone@example.com")
    assert wrong_pair.status_code == missing.status_code == wrong_email.status_code == 200
    # the same page, apart from the number the person typed in
    bodies = [r.get_data(as_text=True).replace(order.number, "N").replace("PS-999999", "N")
              .replace("someone@example.com", "C").replace("+380990000000", "C")
              for r in (wrong_pair, missing, wrong_email)]
    assert bodies[0] == bodies[1] == bodies[2]
    assert "Не вдалося знайти це замовлення" in missing.get_data(as_text=True)


def test_wrong_phone_does_the_same_work_as_a_missing_order(app, db, make_order, client, monkeypatch):
    """The phone typed is read in every usual form (about a millisecond) whether or not the order exists:
    before, a missing order was refused without reading it, so the answer's time told which order
    numbers exist. Counted as the phone library's parses (a time would be noisy on a busy machine)."""
    import phonenumbers

    order = make_order(status="shipped")
    calls = []
    real_parse = phonenumbers.parse
    monkeypatch.setattr(phonenumbers, "parse", lambda *args, **kwargs: calls.append(args) or real_parse(*args, **kwargs))
    work = {}
    for number in (order.number, "PS-999999"):
        calls.clear()
        assert _lookup(client, number, "0990000000").status_code == 200
        work[number] = len(calls)
    assert work[order.number] == work["PS-999999"] > 0, work


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True, "TRACK_LOOKUP_RATE_LIMIT": "3 per minute"}])
def test_repeated_failures_are_throttled(app, db, make_order, client):
    order = make_order(status="shipped")
    right = order.customer.email
    for _ in range(4):  # successes are not counted
        assert _lookup(client, order.number, right).status_code == 303
    for _ in range(4):  # nor a parcel found by its tracking number alone (a shop's desk looks up dozens)
        found = _lookup(client, order.shipments[0].tracking_number, "")
        assert found.status_code == 200 and order.shipments[0].tracking_number in found.get_data(as_text=True)
    for _ in range(3):  # nor a form refused before anything is looked up (an empty field)
        assert _lookup(client, "", "0671234567").status_code == 422
    for _ in range(3):
        assert _lookup(client, order.number, "+380990000000").status_code == 200
    settings.put("SHOP_EMAIL", "shop@example.com")
    db.session.commit()
    blocked = _lookup(client, order.number, right)
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    # the look-up page again, what was typed still in its fields, when to try again and ways out
    page = blocked.get_data(as_text=True)
    assert f'value="{order.number}"' in page and f'value="{right}"' in page
    assert "Забагато невдалих пошуків з цього підключення." in page
    assert re.search(r"Спробуйте ще раз через [12] хвилин[уи]; введене збережено нижче\.", page)
    assert 'href="mailto:shop@example.com"' in page and 'href="/login"' in page
    parcel = client.get(f"/track?number={order.shipments[0].tracking_number}", headers={"Accept-Language": "en"})
    assert parcel.status_code == 429  # the same count
    assert f'value="{order.shipments[0].tracking_number}"' in parcel.get_data(as_text=True)
    assert "You can try again in" in parcel.get_data(as_text=True)
    assert client.get("/track").status_code == 200  # the form itself stays open


def test_lookup_form_errors_are_translated(app, client):
    response = client.post("/track", data={"number": "", "contact": ""}, headers={"Accept-Language": "pl"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Wpisz numer zamówienia." in html and "Wpisz numer telefonu lub e-mail." in html


def test_an_unknown_tracking_number_alone_is_named_as_such(app, client):
    """The hint offers a waybill alone; an unknown one was answered "enter the phone or e-mail", which
    then failed as an order number."""
    unknown = client.post("/track", data={"number": "20450000000999", "contact": ""}).get_data(as_text=True)
    assert "Посилки з таким номером відстеження ще немає." in unknown
    order_number = client.post("/track", data={"number": "PS-100001", "contact": ""}).get_data(as_text=True)
    assert "Введіть номер телефону або e-mail." in order_number and "Посилки з таким" not in order_number



@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True, "TRACK_LOOKUP_RATE_LIMIT": "2 per minute"}])
def test_a_blank_typed_into_the_contact_is_no_contact(app, db, make_order, client):
    """A tracking number with a stray space in the phone-or-e-mail field (a phone's keyboard, a paste) was
    looked up as an order number with the contact ' ': 'we could not find this order', counted as a failed
    look-up. It is the tracking number alone, and the same blank with an order number asks for the contact."""
    order = make_order(status="shipped")
    number = order.shipments[0].tracking_number
    for _ in range(3):
        found = client.post("/track", data={"number": f" {number} ", "contact": "  "})
        assert found.status_code == 200 and f"Посилка {number}" in found.get_data(as_text=True)
    asked = client.post("/track", data={"number": order.number, "contact": " "}).get_data(as_text=True)
    assert "Введіть номер телефону або e-mail." in asked and "Не вдалося знайти" not in asked


# ---- signed links -------------------------------------------------------------------------------

def _old_token(app, order, days):
    class PastSigner(TimestampSigner):
        def get_timestamp(self):
            return int(time.time()) - days * 86400

    serializer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=links.SALT, signer=PastSigner)
    return serializer.dumps([order.id, order.link_nonce])


def test_tampered_expired_and_revoked_links_are_refused(app, db, make_order, client):
    order = make_order(status="in_transit")
    token = links.make_token(order)
    db.session.commit()
    assert client.get(f"/t/{token}").status_code == 200

    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    expired = _old_token(app, order, days=91)
    assert client.get(f"/t/{_old_token(app, order, days=89)}").status_code == 200
    for bad in (tampered, expired, "not-a-token"):
        for lang, text in (("uk", "Посилання більше не дійсне"), ("en", "This link is no longer valid"),
                           ("pl", "Ten link jest już nieważny"), ("ru", "Ссылка больше не действительна")):
            response = client.get(f"/t/{bad}", headers={"Accept-Language": lang})
            assert response.status_code == 404 and text in response.get_data(as_text=True)
            assert order.number not in response.get_data(as_text=True)
        assert client.get(f"/widget/{bad}").status_code == 404

    links.revoke_links(order)
    db.session.commit()
    assert client.get(f"/t/{token}").status_code == 404
    # an open page that polls a revoked link stops polling and says why
    poll = client.get(f"/t/{token}/progress", headers=HX)
    assert poll.status_code == 286 and "Посилання більше не дійсне" in poll.get_data(as_text=True)
    assert client.get(f"/t/{links.make_token(order)}").status_code == 200


def test_signed_link_partial_polls_its_own_url(app, db, make_order, client):
    order = make_order(status="shipped")
    token = links.make_token(order)
    db.session.commit()
    html = client.get(f"/t/{token}").get_data(as_text=True)
    assert f'hx-get="/t/{token}/progress"' in html
    assert "Замовлення отримано" not in html  # no actions without an account


# ---- timeline --------------------------------------------------------------------------------

def test_timeline_merges_status_changes_and_carrier_events_in_local_time(app, db, make_user, make_order, client, login):
    user, customer = _customer(make_user)
    order = make_order(customer=customer, status="shipped")
    shipment = order.shipments[0]
    departed = CarrierEvent(shipment=shipment, occurred_at=utcnow().replace(hour=10, minute=5, second=0, microsecond=0),
                            raw_code="DEP", raw_text="Відправлено з сортувального центру", location="Київ")
    db.session.add(departed)
    db.session.flush()
    lifecycle.change_status(order, "in_transit", source="carrier", actor="nova_poshta", carrier_event=departed,
                            at=departed.occurred_at)
    db.session.commit()
    login(user.email)
    html = client.get(f"/orders/{order.number}").get_data(as_text=True)
    # the carrier event that moved the status is shown once, on the status row, with the carrier named
    assert html.count("Відправлено з сортувального центру") == 1
    assert "Перевізник · Нова пошта" in html
    assert "12:05" in html  # 10:05 UTC shown in Kyiv time (UTC+2 in November)
    events = db.session.query(StatusEvent).filter_by(order_id=order.id).count()
    assert html.count('class="event event-status') == events


def test_carrier_scans_read_in_the_customers_language_with_the_carriers_words_below(
        app, db, make_user, make_order, client, login):
    user, customer = _customer(make_user, language="en")
    order = make_order(customer=customer, status="in_transit")
    shipment = order.shipments[0]
    at = utcnow().replace(microsecond=0)
    db.session.add_all([
        CarrierEvent(shipment=shipment, occurred_at=at - timedelta(hours=2), raw_code="6",
                     raw_text="Відправлення у місті Львів", mapped_status="in_transit", location="Львів"),
        CarrierEvent(shipment=shipment, occurred_at=at, raw_code="7", raw_text="Прибув на відділення",
                     mapped_status="in_transit", at_pickup_point=True, location="Львів"),
        CarrierEvent(shipment=shipment, occurred_at=at - timedelta(hours=1), raw_code="999",
                     raw_text="Щось нове", unmapped=True)])
    db.session.commit()
    login(user.email)
    html = client.get(f"/orders/{order.number}").get_data(as_text=True)
    items = [chunk for chunk in html.split('<li class="event ')[1:] if chunk.startswith("event-carrier")]
    titles = [(re.search(r'<p class="event-title">([^<]*)</p>', item).group(1).strip(),
               re.search(r'<p class="event-detail">([^<]*)</p>', item).group(1).strip()) for item in items]
    # a sentence in the reader's language from what the event means and where; the carrier's words below
    assert titles[:3] == [
        ("Your parcel is waiting for you in Lviv", "Прибув на відділення · Львів"),
        ("News from the carrier about your parcel", "Щось нове"),
        ("Your parcel is on its way: Lviv", "Відправлення у місті Львів · Львів")]
    assert html.count("The carrier's own words") == 3


# ---- languages ---------------------------------------------------------------------------------

PAGES_TEXT = {
    "uk": ("Де зараз замовлення", "Мої замовлення", "Відстежити замовлення", "Віджет і фірмовий стиль"),
    "en": ("Where is the order now", "My orders", "Track an order", "Widget and branding"),
    "pl": ("Gdzie jest teraz zamówienie", "Moje zamówienia", "Śledź zamówienie", "Widżet i wygląd marki"),
    "ru": ("Где сейчас заказ", "Мои заказы", "Отследить заказ", "Виджет и фирменный стиль"),
}


def test_every_tracking_page_in_every_language(app, db, make_user, make_order, client, login):
    user, customer = _customer(make_user)
    order = make_order(customer=customer, status="in_transit")
    token = links.make_token(order)
    db.session.commit()
    admin = make_user("admin")
    for lang, (progress, my_orders, track, branding) in PAGES_TEXT.items():
        headers = {"Accept-Language": f"{lang};q=0.9,de;q=0.5"}
        pages = {f"/t/{token}": progress, f"/widget/{token}": progress, "/track": track,
                 "/t/broken": None}
        login(user.email)
        pages.update({"/orders/": my_orders, f"/orders/{order.number}": progress})
        for path, text in pages.items():
            response = client.get(path, headers=headers)
            html = response.get_data(as_text=True)
            assert f'<html lang="{lang}"' in html, path
            if text:
                assert text in html, (lang, path)
        client.post("/logout")
        login(admin.email)
        html = client.get("/admin/branding", headers=headers).get_data(as_text=True)
        assert branding in html and f'<html lang="{lang}">' in html
        client.post("/logout")


def test_unknown_language_gives_ukrainian_and_the_choice_is_remembered(app, db, make_user, make_order, client, login):
    user, customer = _customer(make_user)
    order = make_order(customer=customer, status="shipped")
    login(user.email)
    html = client.get(f"/orders/{order.number}", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="uk">' in html and "Де зараз замовлення" in html
    client.post("/language", data={"lang": "pl", "next": f"/orders/{order.number}"})
    db.session.refresh(user)
    assert user.language == "pl" and user.customer.language == "pl"
    fresh = app.test_client()
    fresh.post("/login", data={"email": user.email, "password": "correct-horse-battery"})
    html = fresh.get(f"/orders/{order.number}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Gdzie jest teraz zamówienie" in html
    assert re.search(r"Złożone \d{1,2} \w+ \d{4}", html)  # the date in Polish


def test_expected_window_and_dates_follow_the_language(app):
    from datetime import date

    from flask_babel import force_locale

    from app.carriers.eta import ExpectedDelivery
    from app.tracking.presenters import format_expected

    window = ExpectedDelivery(date(2026, 11, 24), date(2026, 11, 26), "estimate")
    day = ExpectedDelivery(date(2026, 11, 24), date(2026, 11, 24), "carrier")
    expected = {"uk": ("24–26 лист.", "вт, 24 листопада"), "en": ("Nov 24\u2009–\u200926", "Tue, Nov 24"),
                "pl": ("24–26 listopada", "wt., 24 listopada"), "ru": ("24–26 нояб.", "вт, 24 нояб.")}
    with app.test_request_context():
        for lang, (window_text, day_text) in expected.items():
            with force_locale(lang):
                assert format_expected(window) == window_text
                assert format_expected(day) == day_text


def test_every_demo_order_page_renders(app, db, runner, client):
    from app.orders.models import Customer, Order

    runner.invoke(args=["demo-data"])
    client.post("/login", data={"email": "olena@example.com", "password": "demo-pass-1"})
    orders = db.session.execute(db.select(Order).join(Customer).where(Customer.email == "olena@example.com")
                                ).scalars().all()
    assert len(orders) >= 7
    assert client.get("/orders/").status_code == 200
    for order in orders:
        assert client.get(f"/orders/{order.number}").status_code == 200
        partial = client.get(f"/orders/{order.number}/progress", headers=HX)
        assert partial.status_code == (286 if order.is_terminal else 200)
        assert str(order.status_label) in partial.get_data(as_text=True)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_first_lookup_waits_for_other_writers_and_gives_the_same_link_as_later_ones(app, db, make_order, client):
    """An order's first look-up writes (its link nonce): while another writer holds SQLite's write
    lock it waits its turn, and then gets the same link as every later one."""
    import threading

    from app.database import writing
    from app.orders.models import Order

    order = make_order(status="shipped")
    order.link_nonce = None  # as an order made before signed links had one
    db.session.commit()
    order_id, number, email = order.id, order.number, order.customer.email
    holding, release = threading.Event(), threading.Event()

    def hold_the_write_lock():
        with app.app_context(), writing(), db.engine.begin() as conn:
            conn.execute(db.text("UPDATE settings SET value = value WHERE key = 'none'"))
            holding.set()
            release.wait(10)

    def look_up():
        started = time.monotonic()
        response = _lookup(client, number, email)
        return response, time.monotonic() - started

    holder = threading.Thread(target=hold_the_write_lock)
    holder.start()
    try:
        assert holding.wait(10)
        threading.Timer(1.5, release.set).start()
        first, waited = look_up()  # writes the nonce: waits for the lock
    finally:
        release.set()
        holder.join(10)
    assert first.status_code == 303 and waited >= 1.0
    again = _lookup(client, number, email)
    assert again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    db.session.expire_all()
    assert db.session.get(Order, order_id).link_nonce


def test_staff_undo_a_customers_receipt_only_while_it_is_the_last_change(app, db, make_user, make_order, client,
                                                                         login):
    from app.audit import AuditLog

    user, customer = _customer(make_user)
    order = make_order(customer=customer, status="in_transit")
    login(user.email)
    client.post(f"/orders/{order.number}/received", data={"confirm": "yes"})
    client.post("/logout")
    staff = make_user("staff")
    login(staff.email)
    db.session.refresh(order)
    # a stale form (the order changed since the page was read) is refused in words, nothing changes
    stale = client.post(f"/admin/orders/{order.id}/undo-receipt", data={"version": order.version - 1})
    assert stale.status_code == 409 and "змінив хтось інший" in stale.get_data(as_text=True)
    done = client.post(f"/admin/orders/{order.id}/undo-receipt", data={"version": order.version, "note": "помилка"})
    assert done.status_code == 302
    db.session.refresh(order)
    assert order.status == "in_transit" and order.history[-1].source == "staff" and order.history[-1].note == "помилка"
    entry = db.session.execute(db.select(AuditLog).filter_by(action="order.undo_receipt")).scalar_one()
    assert entry.actor_user_id == staff.id
    # nothing left to undo: the last change is no longer the customer's confirmation
    again = client.post(f"/admin/orders/{order.id}/undo-receipt", data={"version": order.version})
    assert again.status_code == 409 and "Немає підтвердження клієнта" in again.get_data(as_text=True)
    db.session.refresh(order)
    assert order.status == "in_transit"


def test_a_carrier_change_told_twice_names_the_carrier_once(app, db, make_user, make_order, client, login):
    """A carrier's status change without the carrier's code (the demo's, an import's) and that carrier's
    scan of the same step are one history line: "Перевізник · Нова пошта", the kind said once."""
    user, customer = _customer(make_user)
    order = make_order(customer=customer, status="shipped", tracking_number="20450000000123")
    lifecycle.change_status(order, "in_transit", source="carrier", actor="nova_poshta")
    db.session.add(CarrierEvent(shipment=order.shipments[0], occurred_at=utcnow(), raw_code="MOVE",
                                raw_text="Прямує до міста", location="Львів", mapped_status="in_transit"))
    db.session.commit()
    login(user.email)
    for language, kind, carrier in (("uk", "Перевізник", "Нова пошта"), ("en", "Carrier", "Nova Poshta")):
        html = client.get(f"/orders/{order.number}", headers={"Accept-Language": language}).get_data(as_text=True)
        assert f"{kind} · {carrier}" in html and f"{kind} · {kind}" not in html


def test_a_staff_return_reason_reads_in_the_customers_language(app, db, make_order, make_user, client, login):
    """Staff choose a return's reason from a list; it was written into the history in the shop's language,
    so a Polish customer read 'Powód: Не підійшов розмір'. The staff's own words stay as they wrote them."""
    order = make_order(status="delivered")
    login(make_user("staff").email)
    saved = client.post(f"/admin/orders/{order.id}", data={
        "status": "returned", "reason": "wrong_size", "note": "Повернули на відділенні", "version": order.version})
    assert saved.status_code == 302
    token = links.make_token(order)
    db.session.commit()
    for language, reason in (("pl", "Zły rozmiar"), ("en", "Wrong size"), ("uk", "Не підійшов розмір")):
        page = app.test_client().get(f"/t/{token}", headers={"Accept-Language": language}).get_data(as_text=True)
        assert f"{reason}. Повернули на відділенні" in page, language
        if language != "uk":
            assert "Не підійшов розмір" not in page, language
