"""Telegram (and Viber) customers: deep-link binding, commands, sending through the outbox,
against a local server answering in each Bot API's documented format."""
import json
from datetime import timedelta

import pytest
from bot_servers import BLOCKED, CHAT_NOT_FOUND, TOKEN, USERNAME, FakeTelegram, private_message, too_many
from sqlalchemy import func
from test_notify import customer, later, rows
from werkzeug import Response

from app import settings
from app.audit import AuditLog
from app.notify.dispatcher import dispatch
from app.notify.models import MessengerLink
from app.orders import lifecycle
from app.orders.models import utcnow


@pytest.fixture
def bot(request, db, httpserver):
    request.getfixturevalue("notify")
    fake = FakeTelegram(httpserver)
    settings.put("TELEGRAM_API_URL", fake.url)
    settings.put("TELEGRAM_BOT_TOKEN", TOKEN, secret=True)
    settings.put("TELEGRAM_BOT_USERNAME", USERNAME)
    db.session.commit()
    return fake


def link_from(response):
    """The deep link on the "open the bot" page."""
    import re

    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    found = re.search(r'href="([^"]+)"\s+id="messenger-link"', response.get_data(as_text=True))
    assert found, response.get_data(as_text=True)
    return found.group(1).replace("&amp;", "&")


def start_link(client, channel="telegram", **form):
    return link_from(client.post(f"/notifications/messengers/{channel}/connect", data=form))


def poll(db):
    from app.notify.channels.telegram import poll_updates

    handled = poll_updates(timeout=0)
    db.session.expire_all()
    return handled


def refusals(db, reason=None):
    found = db.session.execute(db.select(AuditLog).filter_by(action="messenger.refused")).scalars().all()
    return [r for r in found if reason is None or r.after_data["reason"] == reason]


def test_customer_connects_by_deep_link_gets_the_next_status_and_nothing_after_stop(
        bot, db, make_order, make_user, login, client):
    user = make_user("customer", email="olena@example.com")
    person = customer(db, user_id=user.id)
    order = make_order(customer=person)
    login("olena@example.com")
    page = client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "Підключити Telegram" in page
    link = start_link(client)
    assert link.startswith(f"https://t.me/{USERNAME}?start=")
    token = link.split("start=", 1)[1]
    assert 20 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum()

    bot.updates = [private_message(700001, 5550001, f"/start {token}")]
    assert poll(db) == 1
    chat = db.session.execute(db.select(MessengerLink)).scalar_one()
    assert chat.customer_id == person.id and chat.chat_id == "5550001" and chat.stopped_at is None
    from app.notify.preferences import for_customer

    assert for_customer(person.id).telegram_consent_at is not None
    reply = bot.sent()[-1]
    assert reply["chat_id"] == 5550001 and "/stop" in reply["text"] and "Готово" in reply["text"]
    assert bot.sent("getUpdates")[-1]["timeout"] == 0

    lifecycle.change_status(order, "awaiting_shipment", source="staff")
    db.session.commit()
    dispatch(now=later())
    message = bot.sent()[-1]
    assert message["chat_id"] == "5550001" and order.number in message["text"]
    assert "пакуємо" in message["text"]  # the Ukrainian template for the status
    button = message["reply_markup"]["inline_keyboard"][0][0]
    assert button["text"] == "Відстежити замовлення" and button["url"].startswith("https://shop.example/t/")
    row = rows(db, order_id=order.id, channel="telegram")[-1]
    assert row.state == "sent" and row.provider_id

    # /status lists the open orders; the replayed /start changes nothing; /stop ends the messages
    bot.updates = [private_message(700001, 5550001, f"/start {token}"),
                   private_message(700002, 5550001, "/status"),
                   private_message(700003, 5550001, "/stop")]
    assert poll(db) == 3
    replies = [m["text"] for m in bot.sent()[-2:]]
    assert order.number in replies[0] and "/stop" not in replies[1]
    assert db.session.execute(db.select(MessengerLink)).scalar_one().stopped_at is not None
    assert not for_customer(person.id).telegram_enabled
    before = len(bot.sent())
    lifecycle.change_status(order, "shipped", source="staff")
    db.session.commit()
    dispatch(now=later(5))
    assert len(bot.sent()) == before
    assert rows(db, order_id=order.id, channel="telegram")[-1].status == "awaiting_shipment"


def test_a_token_is_single_use_and_expires(bot, db, make_order):
    from app.notify import messengers

    person = customer(db)
    token = messengers.create_invite(person, "telegram")
    old = messengers.create_invite(person, "telegram", now=utcnow() - timedelta(hours=25))
    db.session.commit()
    bot.updates = [private_message(800001, 111, f"/start {token}"),
                   private_message(800002, 222, f"/start {token}"),  # someone else reuses the link
                   private_message(800003, 333, f"/start {old}", language="en"),
                   private_message(800004, 444, "/start forged-token-that-was-never-issued")]
    assert poll(db) == 4
    links = db.session.execute(db.select(MessengerLink)).scalars().all()
    assert [(x.chat_id, x.customer_id) for x in links] == [("111", person.id)]
    assert {r.after_data["reason"] for r in refusals(db)} == {"used", "expired", "unknown"}
    answers = {m["chat_id"]: m["text"] for m in bot.sent()}
    assert "expired or was already used" in answers[333]
    assert "вже використали" in answers[222]


def test_rate_limit_waits_retry_after_and_a_blocked_bot_falls_back_to_sms(bot, db, make_order, httpserver):
    from app.notify import messengers, preferences

    sms = []
    httpserver.expect_request("/message/send.json", method="POST").respond_with_handler(
        lambda request: sms.append(request.get_json()) or Response(json.dumps(
            {"response_code": 800, "response_status": "SUCCESS_MESSAGE_ACCEPTED",
             "response_result": [{"response_code": 0, "message_id": "sms-1", "response_status": "OK"}]}),
            content_type="application/json"))
    for key, value in {"SMS_PROVIDER": "turbosms", "TURBOSMS_API_URL": bot.url, "TURBOSMS_TOKEN": "t",
                       "NOTIFY_SMS_STATUSES": "new,awaiting_shipment,shipped"}.items():
        settings.put(key, value)
    person = customer(db)
    preferences.set_sms_only_without_messenger(person.id, True)
    token = messengers.create_invite(person, "telegram")
    db.session.commit()
    bot.updates = [private_message(900001, 4242, f"/start {token}")]
    poll(db)

    bot.fail_next("sendMessage", too_many(42))
    order = make_order(customer=person)
    clock = later()  # after the order: a slow make_order must not leave its messages due after the clock
    sms_row = rows(db, order_id=order.id, channel="sms")[0]
    assert sms_row.state == "skipped" and sms_row.skip_reason == "messenger_first"
    assert dispatch(now=clock).retrying == 1
    row = rows(db, order_id=order.id, channel="telegram")[0]
    assert row.state == "queued" and row.next_attempt_at >= clock + timedelta(seconds=42)
    assert "429" in row.last_error and "retry after 42" in row.last_error

    bot.fail_next("sendMessage", BLOCKED)
    dispatch(now=clock + timedelta(seconds=300))
    row = rows(db, order_id=order.id, channel="telegram")[0]
    assert row.state == "failed" and "blocked" in row.last_error
    assert db.session.execute(db.select(MessengerLink)).scalar_one().stopped_at is not None
    # the SMS held back for the messenger is sent instead, and later messages go by SMS
    dispatch(now=clock + timedelta(seconds=301))
    assert len(sms) == 1 and order.number in sms[0]["sms"]["text"]
    lifecycle.change_status(order, "awaiting_shipment", source="staff")
    db.session.commit()
    assert rows(db, order_id=order.id, channel="sms")[-1].state == "queued"
    assert len(rows(db, order_id=order.id, channel="telegram")) == 1


def test_unknown_chat_stops_the_link_without_retrying(bot, db, make_order):
    from app.notify import messengers

    person = customer(db)
    token = messengers.create_invite(person, "telegram")
    db.session.commit()
    bot.updates = [private_message(910001, 9999, f"/start {token}")]
    poll(db)
    bot.fail_next("sendMessage", CHAT_NOT_FOUND)
    order = make_order(customer=person)
    result = dispatch(now=later())
    assert result.failed == 1 and result.retrying == 0
    assert "chat not found" in rows(db, order_id=order.id, channel="telegram")[0].last_error
    reason = db.session.execute(db.select(MessengerLink)).scalar_one().stop_reason
    assert reason.startswith("Telegram") and "400" in reason and "chat not found" in reason


def test_webhook_mode_checks_the_secret_and_refuses_replays_and_junk(bot, db, make_order, make_user, login, client):
    from app.notify import messengers

    make_user("admin", email="boss@example.com")
    login("boss@example.com")
    response = client.post("/admin/notifications/messengers/telegram/connect")
    assert response.status_code == 302
    hook = bot.sent("setWebhook")[-1]
    assert hook["url"] == "https://shop.example/notifications/messengers/telegram/webhook"
    secret = hook["secret_token"]
    assert 1 <= len(secret) <= 256 and set(secret) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
    assert "@posylka_shop_bot" in client.get("/admin/notifications/settings").get_data(as_text=True)
    client.post("/logout")
    assert poll(db) == 0 and not bot.sent("getUpdates")  # a webhook is set: no polling

    person = customer(db)
    token = messengers.create_invite(person, "telegram")
    db.session.commit()
    url = "/notifications/messengers/telegram/webhook"
    update = private_message(600001, 31337, f"/start {token}")
    forged = client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
    assert forged.status_code == 401 and not db.session.execute(db.select(MessengerLink)).first()
    assert refusals(db, "webhook secret token missing or wrong")
    junk = client.post(url, data=b"<html>", headers={"X-Telegram-Bot-Api-Secret-Token": secret})
    assert junk.status_code == 400 and refusals(db, "webhook body is not JSON")

    good = client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret})
    assert good.status_code == 200
    answer = good.get_json()
    assert answer["method"] == "sendMessage" and answer["chat_id"] == 31337
    replay = client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret})
    assert replay.status_code == 200 and replay.get_json() == {}
    assert db.session.execute(db.select(MessengerLink)).scalar_one().customer_id == person.id


def test_guest_connects_from_the_signed_tracking_page(bot, db, make_order, client):
    from app.orders.links import tracking_url

    order = make_order(customer=customer(db))
    with client.application.test_request_context():
        url = tracking_url(order, external=False)
    db.session.commit()
    token = url.rsplit("/", 1)[1]
    assert "Підключити Telegram" in client.get(url).get_data(as_text=True)
    assert start_link(client, tracking_token=token).startswith(f"https://t.me/{USERNAME}?start=")
    refused = client.post("/notifications/messengers/telegram/connect", data={"tracking_token": "forged"})
    assert refused.status_code == 303 and "t.me" not in refused.headers["Location"]  # back, with a message


def test_customer_chooses_messenger_before_sms_on_the_settings_page(bot, db, make_user, login, client):
    from app.notify.preferences import for_customer

    user = make_user("customer", email="olena@example.com")
    person = customer(db, user_id=user.id)
    login("olena@example.com")
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert "Надсилати SMS лише тоді, коли мене немає в месенджері" in page and "Підключити Telegram" in page
    response = client.post("/notifications/settings", data={"email": "y", "sms": "y", "telegram": "y",
                                                             "sms_only_without_messenger": "y", "language": "uk"})
    assert response.status_code == 302
    prefs = for_customer(person.id)
    assert prefs.sms_only_without_messenger and prefs.telegram_enabled and prefs.viber_enabled
    settings.put("TELEGRAM_BOT_TOKEN", None)  # the bot is switched off: its choice is neither shown nor changed
    db.session.commit()
    client.post("/notifications/settings", data={"email": "y", "sms": "y", "language": "uk"})
    prefs = for_customer(person.id)
    assert prefs.telegram_enabled and prefs.sms_only_without_messenger
    assert "Telegram" not in client.get("/notifications/settings").get_data(as_text=True)


# ---- Viber -----------------------------------------------------------------------------------

@pytest.fixture
def viber(request, db, httpserver):
    from bot_servers import VIBER_TOKEN, FakeViber

    request.getfixturevalue("notify")
    fake = FakeViber(httpserver)
    settings.put("VIBER_API_URL", fake.url)
    settings.put("VIBER_BOT_TOKEN", VIBER_TOKEN, secret=True)
    db.session.commit()
    return fake


def viber_post(client, event, token=None):
    import hashlib
    import hmac
    import time

    from bot_servers import VIBER_TOKEN

    if event.get("timestamp") is None:
        event = dict(event, timestamp=int(time.time() * 1000))
    body = json.dumps(event).encode()
    signature = hmac.new((token or VIBER_TOKEN).encode(), body, hashlib.sha256).hexdigest()
    return client.post("/notifications/messengers/viber/webhook", data=body,
                       headers={"X-Viber-Content-Signature": signature, "Content-Type": "application/json"})


def test_viber_customer_subscribes_by_deep_link_and_gets_the_next_status(
        viber, db, make_order, make_user, login, client):
    from bot_servers import NOT_SUBSCRIBED, VIBER_TOO_MANY, VIBER_URI, viber_event, viber_user

    make_user("admin", email="boss@example.com")
    login("boss@example.com")
    client.post("/admin/notifications/messengers/viber/connect")
    assert viber.sent("set_webhook")[-1]["url"] == "https://shop.example/notifications/messengers/viber/webhook"
    assert "posylkashop" in client.get("/admin/notifications/settings").get_data(as_text=True)
    client.post("/logout")

    user = make_user("customer", email="olena@example.com")
    person = customer(db, user_id=user.id)
    order = make_order(customer=person)
    login("olena@example.com")
    assert "Підключити Viber" in client.get(f"/orders/{order.number}").get_data(as_text=True)
    link = start_link(client, "viber")
    assert link.startswith(f"viber://pa?chatURI={VIBER_URI}&context=")
    token = link.split("context=", 1)[1]

    started = viber_post(client, viber_event("conversation_started", 4912661846655238145, None, type="open",
                                             context=token, subscribed=False, user=viber_user("01234567890A=")))
    welcome = started.get_json()
    assert started.status_code == 200 and welcome["type"] == "text" and welcome["sender"]["name"]
    reply_button = welcome["keyboard"]["Buttons"][0]
    assert reply_button["ActionType"] == "reply" and reply_button["ActionBody"] == f"/start {token}"
    assert not db.session.execute(db.select(MessengerLink)).first()  # not yet: Viber needs the customer's message

    pressed = viber_event("message", 4912661846655238146, None, sender=viber_user("01234567890A="),
                          message={"type": "text", "text": f"/start {token}"})
    assert viber_post(client, pressed).status_code == 200
    db.session.expire_all()
    chat = db.session.execute(db.select(MessengerLink)).scalar_one()
    assert (chat.channel, chat.chat_id, chat.customer_id) == ("viber", "01234567890A=", person.id)
    assert "Готово" in viber.sent()[-1]["text"]
    assert viber_post(client, pressed).get_json() == {}  # a replay changes nothing
    assert len(viber.sent()) == 1

    lifecycle.change_status(order, "awaiting_shipment", source="staff")
    db.session.commit()
    dispatch(now=later())
    message = viber.sent()[-1]
    assert message["receiver"] == "01234567890A=" and order.number in message["text"]
    track = message["keyboard"]["Buttons"][0]
    assert track["ActionType"] == "open-url" and track["ActionBody"].startswith("https://shop.example/t/")
    assert track["Text"] == "Відстежити замовлення" and message["min_api_version"] >= 1

    viber.failures.append(VIBER_TOO_MANY)
    lifecycle.change_status(order, "shipped", source="staff")
    db.session.commit()
    assert dispatch(now=later(2)).retrying == 1
    viber.failures.append(NOT_SUBSCRIBED)
    assert dispatch(now=later(3600)).failed == 1
    db.session.expire_all()
    assert db.session.execute(db.select(MessengerLink)).scalar_one().stopped_at is not None
    assert "receiverNotSubscribed" in rows(db, order_id=order.id, channel="viber")[-1].last_error


def test_viber_refuses_forged_stale_and_junk_callbacks_and_honours_unsubscribe(viber, db, client):
    from bot_servers import viber_event, viber_user

    from app.notify import messengers

    person = customer(db)
    token = messengers.create_invite(person, "viber")
    db.session.commit()
    event = viber_event("message", 5000000000000000001, None, sender=viber_user("u-1="),
                        message={"type": "text", "text": f"/start {token}"})
    assert viber_post(client, event, token="not-the-bot-token").status_code == 401
    stale = dict(event, message_token=5000000000000000002, timestamp=1_600_000_000_000)
    assert viber_post(client, stale).status_code == 400
    junk = client.post("/notifications/messengers/viber/webhook", data=b"[1, 2]", headers={
        "X-Viber-Content-Signature": __import__("hmac").new(b"x", b"", "sha256").hexdigest()})
    assert junk.status_code == 401
    assert not db.session.execute(db.select(MessengerLink)).first()
    reasons = {r.after_data["reason"] for r in refusals(db)}
    assert "webhook signature missing or wrong" in reasons and "webhook event is too old (a replay?)" in reasons

    hostile = dict(event, message_token=5000000000000000003,
                   sender=viber_user("u-1=" + "\u202e" * 3 + "<script>alert(1)</script>" + "я" * 10000))
    assert viber_post(client, hostile).status_code == 200
    db.session.expire_all()
    chat = db.session.execute(db.select(MessengerLink)).scalar_one()
    assert len(chat.chat_id) == 100  # stored cut to size; never rendered as HTML
    assert viber_post(client, viber_event("unsubscribed", 5000000000000000004, None,
                                          user_id=chat.chat_id)).status_code == 200
    db.session.expire_all()
    assert db.session.execute(db.select(MessengerLink)).scalar_one().stop_reason == "unsubscribed"


@pytest.mark.browser
def test_the_connect_button_in_chromium_opens_the_bot_with_a_one_time_link(
        bot, live_server, browser, make_user, make_order, db, output_dir):
    import os

    from test_notify_browser import log_in

    user = make_user("customer", email="olena@example.com")
    order = make_order(customer=user.customer, status="shipped")
    context = browser.new_context(locale="uk-UA")
    page = context.new_page()
    opened = []
    # t.me is outside this machine: the redirected request is only recorded (and aborted)
    context.on("request", lambda request: opened.append(request.url) if request.url.startswith("https://t.me/")
               else None)
    context.route("https://t.me/**", lambda route: route.abort())
    log_in(page, live_server, "olena@example.com")
    page.goto(f"{live_server}/orders/{order.number}")
    button = page.locator("form[action$='/telegram/connect'] button")
    assert button.inner_text() == "Підключити Telegram"
    page.screenshot(path=os.path.join(output_dir, "order-connect-telegram.png"), full_page=True)
    button.click()
    page.wait_for_load_state()
    link = page.locator("#messenger-link")
    assert link.inner_text() == "Відкрити Telegram"
    page.screenshot(path=os.path.join(output_dir, "telegram-link.png"), full_page=True)
    link.click()
    page.wait_for_timeout(500)
    assert len(opened) == 1, (page.url, page.content()[:3000])
    assert opened[0].startswith(f"https://t.me/{USERNAME}?start=")
    context.close()


def test_old_updates_and_expired_links_are_pruned_by_the_retention_run(bot, db):
    from app.notify import messengers
    from app.notify.models import MessengerInvite, MessengerUpdate
    from app.privacy.registry import rules

    old = utcnow() - timedelta(days=10)
    person = customer(db)
    messengers.create_invite(person, "telegram", now=old)
    fresh = messengers.create_invite(person, "telegram")
    for n in range(3):
        messengers.first_time("telegram", f"{n:020d}", now=old)
    db.session.commit()
    [rule] = [r for r in rules() if r.name == "messengers"]
    assert rule.preview(utcnow()) == 3  # two old updates (the newest one stays) and one expired link
    assert rule.apply(utcnow()) == 3
    assert db.session.execute(db.select(MessengerUpdate.update_id)).scalars().all() == [f"{2:020d}"]
    assert db.session.execute(db.select(func.count(MessengerInvite.token_hash))).scalar_one() == 1
    assert db.session.get(MessengerInvite, messengers._hash(fresh)) is not None


def test_a_chat_connected_from_a_signed_link_gets_that_one_order_only(bot, app, db, make_order, make_user, client):
    """The signed link opens one order; connecting a messenger from its page bound the chat to the whole
    customer: every other order's news (each with a working tracking link) and /status's list of them
    reached whoever held that one link (a forwarded link, or the look-up with a known e-mail and one order
    number). Such a chat now gets that order only, and revoking the order's links ends it."""
    from app.orders.links import make_token

    person = customer(db)
    mine, other = make_order(customer=person), make_order(customer=person)
    token = make_token(mine)
    db.session.commit()
    deep = start_link(client, tracking_token=token)
    bot.updates = [private_message(900001, 5550009, f"/start {deep.split('start=', 1)[1]}", language="en"),
                   private_message(900002, 5550009, "/status", language="en")]
    assert poll(db) == 2
    done, status = [m["text"] for m in bot.sent()[-2:]]
    assert f"новини про замовлення {mine.number}" in done and other.number not in done  # in the customer's language
    assert mine.number in status and other.number not in status

    for order in (other, mine):
        lifecycle.change_status(db.session.get(type(order), order.id), "awaiting_shipment", source="staff")
    db.session.commit()
    dispatch(now=later())
    texts = [m["text"] for m in bot.sent() if m.get("chat_id") == "5550009"]
    assert any(mine.number in text for text in texts) and not any(other.number in text for text in texts)

    admin = app.test_client()
    admin.post("/login", data={"email": make_user("admin").email, "password": "correct-horse-battery"})
    assert admin.post("/admin/branding/revoke", data={"order": mine.number}).status_code == 302
    db.session.expire_all()
    assert db.session.execute(db.select(MessengerLink)).scalar_one().stopped_at is not None


def test_a_connect_link_asked_for_before_the_orders_links_were_revoked_connects_nothing(bot, app, db, make_order,
                                                                                        make_user, client):
    """Revoking an order's links stopped the chats connected from them, but a deep link asked for on
    the signed page before (valid MESSENGER_INVITE_HOURS) still connected a chat afterwards: whoever
    held the forwarded link kept getting the order's news, each message with a fresh working link."""
    from app.orders.links import make_token

    order = make_order(customer=customer(db))
    token = make_token(order)
    db.session.commit()
    deep = start_link(client, tracking_token=token)
    admin = app.test_client()
    admin.post("/login", data={"email": make_user("admin").email, "password": "correct-horse-battery"})
    assert admin.post("/admin/branding/revoke", data={"order": order.number}).status_code == 302
    bot.updates = [private_message(900001, 5550010, f"/start {deep.split('start=', 1)[1]}", language="en")]
    assert poll(db) == 1
    assert "This link has expired or was already used" in bot.sent()[-1]["text"]
    assert db.session.execute(db.select(func.count(MessengerLink.id))).scalar_one() == 0
