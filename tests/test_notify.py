"""Notifications: outbox, channels against real local servers, rules, pages."""
import base64
import json
import os
import time
from datetime import datetime, timedelta

import pytest
from notify_servers import SilentServer, SmtpServer, free_port, later, use_smtp
from werkzeug import Response

from app import settings
from app.clock import utcnow
from app.notify import outbox, problems
from app.notify.dispatcher import dispatch
from app.notify.models import DevMail, Notification, NotificationTemplate, PickupWatch, WebhookEndpoint
from app.orders import lifecycle
from app.orders.models import Customer
from tests.conftest import PASSWORD


def rows(db, **filters):
    return db.session.execute(db.select(Notification).filter_by(**filters).order_by(Notification.id)).scalars().all()


def customer(db, user_id=None, **kwargs):
    values = {"name": "Олена Коваль", "email": "olena@example.com", "phone": "+380671234567", "language": "uk"}
    values.update(kwargs)
    row = db.session.execute(db.select(Customer).filter_by(user_id=user_id)).scalar_one_or_none() if user_id else None
    if row is None:
        row = Customer(user_id=user_id, **values)
        db.session.add(row)
    else:
        for key, value in values.items():
            setattr(row, key, value)
    db.session.commit()
    return row


# ---- outbox ----------------------------------------------------------------------------------

def test_status_change_writes_the_outbox_in_the_same_transaction(notify, db, make_order):
    order = make_order(customer=customer(db))
    assert [r.channel for r in rows(db, order_id=order.id)] == ["inapp", "email"]
    lifecycle.change_status(order, "awaiting_shipment", source="staff")
    db.session.rollback()  # the caller gives up: the notification goes with the status change
    assert len(rows(db, order_id=order.id, channel="email")) == 1
    lifecycle.change_status(order, "awaiting_shipment", source="staff")
    db.session.commit()
    assert [r.status for r in rows(db, order_id=order.id, channel="email")] == ["new", "awaiting_shipment"]


def test_changes_within_the_window_merge_into_one_message_with_the_latest_status(notify, db, make_order):
    settings.put("NOTIFY_MERGE_SECONDS", "120")
    db.session.commit()
    order = make_order(customer=customer(db), status="shipped")  # new → awaiting → shipped at once
    emails = rows(db, order_id=order.id, channel="email")
    assert len(emails) == 1 and emails[0].status == "shipped" and emails[0].merged_count == 2
    assert dispatch(now=later()).sent == 0  # not due before the window closes
    assert dispatch(now=later(121)).sent == 1
    mail = db.session.execute(db.select(DevMail)).scalars().one()
    assert "передано перевізнику Нова пошта" in mail.text_body


def test_daily_cap_skips_with_a_reason(notify, db, make_order):
    settings.put("NOTIFY_DAILY_CAP", "2")
    db.session.commit()
    person = customer(db)
    for _ in range(3):
        make_order(customer=person)
    states = [(r.state, r.skip_reason) for r in rows(db, customer_id=person.id, channel="email")]
    assert states == [("queued", None), ("queued", None), ("skipped", "daily_cap")]


def test_daily_cap_never_holds_back_what_the_customer_needs_and_reasons_read_in_the_readers_language(
        notify, db, make_order, make_user, login, client):
    settings.put("NOTIFY_DAILY_CAP", "2")
    db.session.commit()
    person = customer(db, language="ru")  # the customer's language must not leak into the staff log
    first, second, third = (make_order(customer=person) for _ in range(3))  # "new": capped
    for status in ("awaiting_shipment", "shipped", "in_transit", "delivered"):
        lifecycle.change_status(first, status, source="carrier")
        db.session.commit()
    states = {r.status: (r.state, r.skip_reason) for r in rows(db, order_id=first.id, channel="email")}
    assert states["awaiting_shipment"] == ("skipped", "daily_cap") == states["in_transit"]
    assert states["shipped"] == ("queued", None) == states["delivered"]  # exempt, and not counted
    settings.put("NOTIFY_CAP_EXEMPT", "delivered")  # cancellations no longer exempt
    db.session.commit()
    lifecycle.change_status(second, "cancelled", source="staff", note="test")
    db.session.commit()
    assert rows(db, order_id=second.id, channel="email")[-1].skip_reason == "daily_cap"
    login(make_user("staff", language="uk").email)
    log = client.get(f"/admin/notifications/?q={first.number}").get_data(as_text=True)
    assert "Досягнуто денного ліміту" in log and "лимит" not in log
    client.post("/language", data={"lang": "en", "next": "/"})
    log = client.get(f"/admin/notifications/?q={first.number}").get_data(as_text=True)
    assert "The daily limit of messages for this customer was reached." in log


def test_bad_email_and_phone_are_skipped_with_a_reason_and_the_status_still_changes(notify, db, make_order):
    settings.put("SMS_PROVIDER", "turbosms")
    settings.put("NOTIFY_SMS_STATUSES", "shipped")
    db.session.commit()
    order = make_order(customer=customer(db, email="not-an-address", phone="12"), status="shipped")
    assert order.status == "shipped"
    skipped = {r.channel: r.skip_reason for r in rows(db, order_id=order.id, state="skipped")}
    assert skipped == {"email": "invalid_email", "sms": "invalid_phone"}


# ---- e-mail ----------------------------------------------------------------------------------

def test_cyrillic_sender_and_customer_names_keep_their_addresses_readable(notify, db, make_order):
    """A sender set to ``Льон і вовна <shop@example.com>`` once went out as one encoded word with
    the address inside it: mail servers found no sender address."""
    with SmtpServer() as smtp:
        use_smtp(smtp.port, MAIL_SENDER="Льон і вовна <shop@example.com>")
        make_order(customer=customer(db), status="new")
        assert dispatch(now=later()).sent >= 1 and smtp.wait_for(1)
        envelope_from = smtp.sink.envelopes[0]
    mail = smtp.messages[0]
    sender = mail["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == ("Льон і вовна", "shop@example.com")
    recipient = mail["To"].addresses[0]
    assert (recipient.display_name, recipient.addr_spec) == ("Олена", "olena@example.com")  # the greeting name
    assert mail["From"].defects == () and envelope_from == "shop@example.com"


def test_email_over_smtp_with_both_parts_headers_and_working_unsubscribe(notify, db, make_order, client):
    with SmtpServer() as smtp:
        use_smtp(smtp.port)
        order = make_order(customer=customer(db, language="en"), status="shipped")
        result = dispatch(now=later())
        assert result.sent == 3 and smtp.wait_for(3)
    mail = next(m for m in smtp.messages if "Shipped" in m["Subject"])  # sent in parallel: any order
    assert mail["To"].addresses[0].addr_spec == "olena@example.com"
    assert order.number in mail["Subject"] and "Shipped" in mail["Subject"]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = mail["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith("https://shop.example/notifications/unsubscribe/")
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "has been handed to Nova Poshta, tracking number" in text
    assert "https://shop.example/t/" in text and 'href="https://shop.example/t/' in html
    assert "Track your order" in html and unsubscribe in html
    assert "background:#1f5eff;color:#ffffff" in html  # the shop's colour (admin branding; here the default)
    # one click, no log-in: GET shows a confirmation, POST turns e-mail off
    path = unsubscribe.replace("https://shop.example", "")
    page = client.get(path)
    assert page.status_code == 200 and "Unsubscribe" in page.get_data(as_text=True) or "Відписатися" in \
        page.get_data(as_text=True)
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    lifecycle.change_status(order, "in_transit", source="staff")
    db.session.commit()
    last = rows(db, order_id=order.id, channel="email")[-1]
    assert last.state == "skipped" and last.skip_reason
    assert client.get("/notifications/unsubscribe/forged-token").status_code == 404


def test_a_customer_without_a_language_is_written_to_in_the_shops_default_language(notify, db, make_order):
    """The admin's "Default language" setting, not the server's DEFAULT_LANGUAGE, is the shop's: a
    customer who came with no language (an API order, an import) got Ukrainian mail from a shop set
    to Polish."""
    from notify_servers import put_settings

    from app.orders.services import find_or_create_customer

    put_settings(DEFAULT_LANGUAGE="pl")
    with SmtpServer() as smtp:
        use_smtp(smtp.port)
        make_order(customer=find_or_create_customer(name="Anna Nowak", email="anna@example.com"), status="new")
        assert dispatch(now=later()).sent == 1 and smtp.wait_for(1)
    html = smtp.messages[0].get_body(("html",)).get_content()
    assert '<html lang="pl">' in html and "zamówienie PS-" in smtp.messages[0]["Subject"]


def test_smtp_down_retries_then_fails_visibly(notify, db, make_order):
    use_smtp(free_port(), NOTIFY_MAX_ATTEMPTS="2")  # nothing listens there
    order = make_order(customer=customer(db))
    first = dispatch(now=later())
    assert first.retrying == 1
    row = rows(db, order_id=order.id, channel="email")[0]
    assert row.state == "queued" and row.attempts == 1 and problems.read(row.last_error).code == "smtp_refused"
    assert dispatch(now=later(3600)).failed == 1
    db.session.refresh(row)
    assert row.state == "failed" and len(row.attempt_log) == 2


def test_without_smtp_mail_goes_to_the_dev_mailbox_admins_can_read(notify, db, make_order, make_user, login, client):
    make_order(customer=customer(db))
    assert dispatch(now=later()).sent == 1
    mail = db.session.execute(db.select(DevMail)).scalars().one()
    make_user("admin", email="boss@example.com")
    login("boss@example.com")
    page = client.get("/admin/notifications/mailbox").get_data(as_text=True)
    assert mail.subject in page
    shown = client.get(f"/admin/notifications/mailbox/{mail.id}").get_data(as_text=True)
    assert "Вітаємо, Олена!" in shown
    # the names read as names, under headings in the page's language (they showed as "=?utf-8?b?…?=")
    assert f"<dt>Кому</dt><dd>Олена &lt;{mail.recipient}&gt;</dd>" in shown and "=?utf-8?" not in shown
    html = client.get(f"/admin/notifications/mailbox/{mail.id}/html")
    assert "sandbox" in html.headers["Content-Security-Policy"]


# ---- SMS -------------------------------------------------------------------------------------

def test_turbosms_request_format_and_segments(notify, db, make_order, httpserver):
    seen = []

    def handler(request):
        seen.append((request.headers.get("Authorization"), request.get_json()))
        return Response(json.dumps({"response_code": 800, "response_status": "SUCCESS_MESSAGE_ACCEPTED",
                                    "response_result": [{"phone": "380671234567", "response_code": 0,
                                                         "message_id": "f83f8868-5e46-c6cf-e4fb-615e5a293754",
                                                         "response_status": "OK"}]}),
                        content_type="application/json")

    httpserver.expect_request("/message/send.json", method="POST").respond_with_handler(handler)
    for key, value in {"SMS_PROVIDER": "turbosms", "TURBOSMS_API_URL": httpserver.url_for("/").rstrip("/"),
                       "TURBOSMS_TOKEN": "tok-123", "TURBOSMS_SENDER": "Posylka",
                       "NOTIFY_SMS_STATUSES": "shipped"}.items():
        settings.put(key, value, secret=key.endswith("TOKEN"))
    db.session.commit()
    order = make_order(customer=customer(db, phone="067 123 45 67"), status="shipped")
    dispatch(now=later())
    auth, body = seen[0]
    assert auth == "Bearer tok-123"
    assert body["recipients"] == ["380671234567"] and body["sms"]["sender"] == "Posylka"
    from app.notify.channels.sms import segments

    assert order.number in body["sms"]["text"] and "https://shop.example/t/" in body["sms"]["text"]
    assert segments(body["sms"]["text"]) <= 2
    row = rows(db, order_id=order.id, channel="sms")[0]
    assert row.state == "sent" and row.provider_id.startswith("f83f8868")


def test_smsapi_request_format_and_gateway_error_retry(notify, db, make_order, httpserver):
    calls = []

    def handler(request):
        calls.append((request.headers.get("Authorization"), dict(request.form)))
        if len(calls) == 1:
            return Response("busy", status=503)
        return Response(json.dumps({"count": 1, "list": [{"id": "6F5E4D3C2B1A", "points": 0.16,
                                                          "number": "48501234567", "status": "QUEUE"}]}),
                        content_type="application/json")

    httpserver.expect_request("/sms.do", method="POST").respond_with_handler(handler)
    for key, value in {"SMS_PROVIDER": "smsapi", "SMSAPI_API_URL": httpserver.url_for("/").rstrip("/"),
                       "SMSAPI_TOKEN": "pl-token", "NOTIFY_SMS_STATUSES": "new"}.items():
        settings.put(key, value, secret=key.endswith("TOKEN"))
    db.session.commit()
    order = make_order(customer=customer(db, phone="+48 501 234 567", language="pl"),
                       delivery={"city": "Kraków", "pickup_point": "Paczkomat KRA01M"})
    assert dispatch(now=later()).retrying == 1
    row = rows(db, order_id=order.id, channel="sms")[0]
    assert row.state == "queued" and "503" in row.last_error
    assert dispatch(now=later(600)).sent == 1
    auth, form = calls[-1]
    assert auth == "Bearer pl-token"
    assert form["to"] == "48501234567" and form["format"] == "json" and "zamówienie" in form["message"]


def test_sms_fits_two_segments_and_keeps_the_link():
    from app.notify.channels.sms import fit, segments

    link = "https://shop.example/t/abcdefghijklmnopqrstuvwxyz0123456789"
    long_uk = "Ваше замовлення PS-100001 прямує до вас, очікувана дата 14 травня 2026 р. Пункт видачі: " \
              "Відділення №12, вул. Городоцька 100, Львів " + link
    fitted = fit(long_uk)
    assert segments(fitted) <= 2 and fitted.endswith(link) and "…" in fitted
    assert segments("a" * 160) == 1 and segments("a" * 161) == 2 and segments("ї" * 70) == 1
    assert segments("ї" * 71) == 2 and segments("€" * 80) == 1 and segments("€" * 81) == 2


# ---- web push --------------------------------------------------------------------------------

def test_web_push_is_encrypted_for_the_subscription_and_decrypts_locally(notify, db, make_order, make_user,
                                                                         login, client, httpserver):
    import http_ece
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    received = []
    receiver_key = ec.generate_private_key(ec.SECP256R1())
    auth_secret = os.urandom(16)

    def handler(request):
        received.append(http_ece.decrypt(request.get_data(), private_key=receiver_key, auth_secret=auth_secret,
                                         version=request.headers.get("Content-Encoding")))
        assert request.headers["Authorization"].startswith("vapid t=")
        return Response("", status=201)

    httpserver.expect_request("/push/abc", method="POST").respond_with_handler(handler)
    settings.put("PUSH_ALLOW_PRIVATE", "1")  # the test receiver is on loopback
    db.session.commit()
    user = make_user("customer", email="olena@example.com")
    person = customer(db, user_id=user.id)
    login("olena@example.com")
    key = client.get("/notifications/push/key").get_json()["publicKey"]
    assert len(base64.urlsafe_b64decode(key + "==")) == 65
    public = receiver_key.public_key().public_bytes(serialization.Encoding.X962,
                                                    serialization.PublicFormat.UncompressedPoint)
    b64 = lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode()  # noqa: E731
    response = client.post("/notifications/push/subscribe", json={
        "endpoint": httpserver.url_for("/push/abc"), "keys": {"p256dh": b64(public), "auth": b64(auth_secret)}})
    assert response.status_code == 201
    assert client.post("/notifications/push/subscribe", json={"endpoint": "x"}).status_code == 400
    order = make_order(customer=person, status="awaiting_shipment")
    dispatch(now=later())
    payload = json.loads(received[-1])
    assert order.number in payload["body"] and payload["url"].startswith("https://shop.example/t/")
    assert rows(db, order_id=order.id, channel="push")[-1].state == "sent"


def test_a_push_endpoint_moves_to_another_account_only_with_the_browsers_keys(notify, app, db, make_user, login,
                                                                              client):
    """Whoever knows a browser's push endpoint (it is in the owner's data export) used to take it
    over by posting it with keys of their own: the owner's news
    went to a browser that could no longer decrypt them. The same browser, signed in to another
    account, sends the same keys (``pushManager.subscribe`` hands back the existing subscription)
    and still moves it."""
    from app.notify.models import PushSubscription

    owner, other = make_user("customer"), make_user("customer")
    endpoint = "https://push.example/send/owners-browser"
    browser = {"endpoint": endpoint, "keys": {"p256dh": "BOwnersPublicKey", "auth": "owners-secret"}}
    login(owner.email)
    assert client.post("/notifications/push/subscribe", json=browser).status_code == 201
    assert client.post("/notifications/push/subscribe", json=browser).status_code == 201  # the browser again

    def stored():
        db.session.expire_all()
        row = db.session.execute(db.select(PushSubscription).filter_by(endpoint=endpoint)).scalar_one()
        return row.customer_id, row.p256dh, row.auth

    assert stored() == (owner.customer.id, "BOwnersPublicKey", "owners-secret")
    attacker = app.test_client()
    attacker.post("/login", data={"email": other.email, "password": PASSWORD})
    for keys in ({"p256dh": "BAttackersKey", "auth": "attackers-secret"},
                 {"p256dh": "BOwnersPublicKey", "auth": "guessed-secret"}):
        response = attacker.post("/notifications/push/subscribe", json={"endpoint": endpoint, "keys": keys},
                                 headers={"Accept-Language": "en"})
        assert response.status_code == 400
        assert response.get_json()["error"] == "This browser subscription is not valid."
        assert stored() == (owner.customer.id, "BOwnersPublicKey", "owners-secret")
    assert attacker.post("/notifications/push/subscribe", json=browser).status_code == 201  # the same browser
    assert stored() == (other.customer.id, "BOwnersPublicKey", "owners-secret")


def test_push_without_the_shops_signing_key_is_skipped_once_with_a_reason_staff_can_read(
        notify, app, db, make_order, make_user, login, client, httpserver):
    """The shop's VAPID private key can no longer be read (here: SECRET_KEY changed after browsers
    subscribed). No push can be signed until it is set up again, so trying later cannot help: the
    message used to count as a network error and was retried until its attempts ran out."""
    from app.notify.channels.push import subscribe, vapid_public_key

    received = []
    httpserver.expect_request("/push/abc", method="POST").respond_with_handler(
        lambda request: received.append(request) or Response("", status=201))
    settings.put("PUSH_ALLOW_PRIVATE", "1")  # the test receiver is on loopback
    vapid_public_key()  # made when the first browser asked for it
    person = customer(db)
    subscribe(person, httpserver.url_for("/push/abc"), "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u"
              "-Ts1XbjhazAkj7I99e8QcYP7DkM", "tBHItJI5svbpez7KI4CCXg")
    db.session.commit()
    app.config["SECRET_KEY"] = "another-secret-key-for-this-instance"  # the stored key cannot be decrypted now
    order = make_order(customer=person, status="awaiting_shipment")

    dispatch(now=later())  # the push was skipped when it was queued
    assert dispatch(now=later(24 * 3600)).total == 0  # a day later: nothing to try again
    [push] = rows(db, order_id=order.id, channel="push", status="awaiting_shipment")
    assert (push.state, push.skip_reason, push.attempts) == ("skipped", "push_not_set_up", 0)
    assert received == []

    login(make_user("staff", language="uk").email)
    log = client.get(f"/admin/notifications/?q={order.number}&channel=push").get_data(as_text=True)
    assert "Push-сповіщення не налаштовано: немає ключа магазину, яким вони підписуються." in log
    client.post("/language", data={"lang": "en", "next": "/"})
    log = client.get(f"/admin/notifications/?q={order.number}&channel=push").get_data(as_text=True)
    assert "Push notifications are not set up: the shop&#39;s signing key is missing." in log

    from app.notify.outbox import resend  # sent again by staff before the key is set up: fails, not retried

    resend(push)
    db.session.commit()
    assert dispatch(now=later(2 * 24 * 3600)).failed == 1 and received == []
    db.session.refresh(push)
    assert (push.state, push.attempts) == ("failed", 1) and problems.read(push.last_error).code == "push_not_set_up"


def test_push_service_worker_is_served_from_the_root(notify, client):
    response = client.get("/notify-sw.js")
    assert response.status_code == 200 and response.headers["Service-Worker-Allowed"] == "/"
    assert "showNotification" in response.get_data(as_text=True)


# ---- webhooks --------------------------------------------------------------------------------

def add_endpoint(db, url, allow_private=True):
    from app.notify.channels.webhook import new_secret

    secret = new_secret()
    endpoint = WebhookEndpoint(url=url, allow_private=allow_private, secret_encrypted=settings.encrypt(secret))
    db.session.add(endpoint)
    db.session.commit()
    return endpoint, secret


def test_webhook_is_signed_retried_with_the_same_id_and_verifiable(notify, db, make_order, httpserver):
    from standardwebhooks.webhooks import Webhook, WebhookVerificationError

    calls = []

    def handler(request):
        calls.append((dict(request.headers), request.get_data()))
        return Response("", status=500 if len(calls) == 1 else 204)

    httpserver.expect_request("/hook", method="POST").respond_with_handler(handler)
    endpoint, secret = add_endpoint(db, httpserver.url_for("/hook"))
    order = make_order(customer=customer(db))
    assert dispatch(now=later()).retrying == 1
    row = rows(db, endpoint_id=endpoint.id)[0]
    assert row.state == "queued" and 4 <= (row.next_attempt_at - utcnow()).total_seconds() <= 7
    dispatch(now=later(10))
    assert len(calls) == 2 and calls[0][0]["Webhook-Id"] == calls[1][0]["Webhook-Id"] == row.event_id
    for headers, body in calls:
        event = Webhook(secret).verify(body, headers)  # the receiver's own verification
        assert event["type"] == "order.status_changed" and event["data"]["order_number"] == order.number
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(calls[1][1].replace(b"new", b"old"), calls[1][0])
    db.session.refresh(row)
    assert row.state == "sent" and [a.outcome for a in row.attempt_log] == ["failed", "sent"]


def test_webhook_410_disables_and_3xx_is_not_followed(notify, db, make_order, httpserver):
    httpserver.expect_request("/gone").respond_with_data("", status=410)
    httpserver.expect_request("/moved").respond_with_data("", status=302, headers={"Location": "/elsewhere"})
    gone, _ = add_endpoint(db, httpserver.url_for("/gone"))
    moved, _ = add_endpoint(db, httpserver.url_for("/moved"))
    make_order(customer=customer(db))
    dispatch(now=later())
    db.session.refresh(gone)
    assert not gone.enabled and "410" in gone.disabled_reason
    assert rows(db, endpoint_id=gone.id)[0].state == "failed"
    moved_row = rows(db, endpoint_id=moved.id)[0]
    assert moved_row.state == "queued" and "302" in moved_row.last_error
    assert not [r for r in httpserver.log if r[0].path == "/elsewhere"]


def test_hanging_webhook_receiver_times_out_and_is_retried(notify, db, make_order):
    settings.put("WEBHOOK_TIMEOUT_SECONDS", "1")
    db.session.commit()
    with SilentServer() as silent:
        endpoint, _ = add_endpoint(db, f"http://127.0.0.1:{silent.port}/hook")
        make_order(customer=customer(db))
        result = dispatch(now=later())
    assert result.retrying == 1
    row = rows(db, endpoint_id=endpoint.id)[0]
    assert row.state == "queued" and str(problems.read(row.last_error)) == "No answer came within 1 s."


def test_webhook_to_a_private_address_is_refused_unless_allowed(notify, db, make_order, httpserver):
    notify.config["OUTGOING_ALLOWED_HOSTS"] = ""  # the suite allows 127.0.0.1; this test does not
    httpserver.expect_request("/hook").respond_with_data("", status=204)
    endpoint, _ = add_endpoint(db, httpserver.url_for("/hook"), allow_private=False)
    make_order(customer=customer(db))
    dispatch(now=later())
    row = rows(db, endpoint_id=endpoint.id)[0]
    assert row.state == "failed" and "127.0.0.1" in row.last_error and not httpserver.log
    from app.outbound import Guard, RefusedAddress

    for url in ("http://10.1.2.3/", "http://169.254.169.254/latest", "http://[::1]/", "ftp://example.com/",
                "http://100.100.100.200/latest/meta-data", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/",
                "http://192.0.0.8/", "http://198.18.0.1/", "http://224.0.0.1/"):
        with pytest.raises(RefusedAddress):
            Guard().check_url(url)


# ---- reminder --------------------------------------------------------------------------------

def test_pickup_reminder_once_after_n_days(notify, db, make_order):
    order = make_order(customer=customer(db), status="in_transit")
    lifecycle.set_flags(order, at_pickup_point=True)
    db.session.commit()
    start = utcnow()
    assert outbox.pickup_reminders(now=start) == 0
    arrived = rows(db, order_id=order.id, kind="pickup")  # told at once on first sight
    assert {r.channel for r in arrived} == {"inapp", "email"}
    assert outbox.pickup_reminders(now=start + timedelta(days=2)) == 0
    assert outbox.pickup_reminders(now=start + timedelta(days=3, seconds=1)) == 1
    assert outbox.pickup_reminders(now=start + timedelta(days=5)) == 0
    db.session.commit()
    reminders = rows(db, order_id=order.id, kind="reminder")
    assert {r.channel for r in reminders} == {"inapp", "email"}
    assert db.session.get(PickupWatch, order.id).reminded_at is not None
    dispatch(now=start + timedelta(days=3, seconds=2))
    bodies = db.session.execute(db.select(DevMail.text_body)).scalars().all()
    assert any("чекає на вас у пункті видачі: Відділення №12" in body for body in bodies)
    assert any("прибуло до пункту видачі: Відділення №12. Його вже можна забрати." in body for body in bodies)


# ---- quiet hours -----------------------------------------------------------------------------

def test_quiet_hours_delay_sms_and_push_only(app):
    from app.notify.rules import after_quiet_hours

    settings.put("NOTIFY_QUIET_HOURS", "21:00-08:00")
    night = datetime(2026, 6, 1, 20, 30)  # 23:30 in Kyiv (UTC+3)
    assert after_quiet_hours(night) == datetime(2026, 6, 2, 5, 0)  # 08:00 Kyiv
    day = datetime(2026, 6, 1, 9, 0)
    assert after_quiet_hours(day) == day
    # one rule for a first attempt and every retry: the channels that keep quiet hours wait, the others do not
    from app.notify import channels

    assert channels.get("sms").earliest(night) == channels.get("push").earliest(night) == datetime(2026, 6, 2, 5, 0)
    assert channels.get("email").earliest(night) == night and channels.get("sms").earliest(day) == day


# ---- templates -------------------------------------------------------------------------------

def test_template_editor_previews_and_rejects_broken_templates(notify, db, make_order, make_user, login, client):
    make_user("admin", email="boss@example.com")
    login("boss@example.com")
    url = "/admin/notifications/templates/shipped/email/en"
    grid = client.get("/admin/notifications/templates")
    assert grid.status_code == 200 and url in grid.get_data(as_text=True)
    page = client.get(url).get_data(as_text=True)
    assert "has been handed to" in page
    preview = client.post(url + "/preview", data={"subject": "Hi {{ order_number }}", "body": "Go {{ carrier }}"},
                          headers={"HX-Request": "true"})
    text = preview.get_data(as_text=True)
    assert "<html" not in text and "Hi PS-100042" in text and "Go Nova Poshta" in text
    # the sample order is at the template's own status (every preview said "On the way to you")
    status = client.post(url + "/preview", data={"subject": "", "body": "{{ status }}"}, headers={"HX-Request": "true"})
    assert "Shipped" in status.get_data(as_text=True) and "On the way" not in status.get_data(as_text=True)
    broken = client.post(url, data={"subject": "x", "body": "{{ order_numbr }} {% if %}"})
    assert broken.status_code == 422
    assert "Не збережено: у шаблоні помилка" in broken.get_data(as_text=True)
    unknown = client.post(url, data={"subject": "x", "body": "{{ order_numbr }}"})
    assert unknown.status_code == 422
    sneaky = client.post(url, data={"subject": "x", "body": "{{ ''.__class__.__mro__ }}"})
    assert sneaky.status_code == 422
    ok = client.post(url, data={"subject": "Parcel {{ order_number }}", "body": "Sent with {{ carrier }}."})
    assert ok.status_code == 302
    order = make_order(customer=customer(db, language="en"), status="shipped")
    dispatch(now=later())
    mail = db.session.execute(db.select(DevMail).filter_by(subject=f"Parcel {order.number}")).scalar_one()
    assert "Sent with Nova Poshta." in mail.text_body


COSTLY_TEMPLATES = {
    "nested loops": "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
    "a hundred million characters": "{{ 'x' * 100000000 }}",
    "a string doubled in a loop": "{% set ns = namespace(s='x') %}{% for i in range(30) %}{% set ns.s = ns.s ~ ns.s %}"
                                  "{% endfor %}{{ ns.s|length }}",
    "a huge padding": "{{ order_number|center(100000000) }}",
    "macros calling themselves twice": "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}"
                                       "{% endmacro %}{{ f(40) }}",
    "output in a loop": "{% for i in range(90000) %}{{ tracking_link }}{% endfor %}",
}


def test_a_template_cannot_hang_the_editor_or_the_dispatcher(notify, app, db, make_order, make_user, login, client):
    """Before, each of these ran in the editor's request (and, saved, in the dispatcher) for as long as it
    took: minutes of CPU or hundreds of megabytes. Now a render has a time and size budget."""
    app.config["TEMPLATE_RENDER_MS"] = 300
    make_user("admin", email="boss@example.com")
    login("boss@example.com")
    url = "/admin/notifications/templates/shipped/email/en"
    for name, body in COSTLY_TEMPLATES.items():
        started = time.monotonic()
        answer = client.post(url, data={"subject": "x", "body": body})
        page = answer.get_data(as_text=True)
        assert answer.status_code == 422, name
        assert "Шаблон виконується надто довго або пише надто багато (щонайбільше 300 мс і 20000 символів)" in page, name
        preview = client.post(url + "/preview", data={"subject": "x", "body": body}, headers={"HX-Request": "true"})
        assert "Шаблон виконується надто довго" in preview.get_data(as_text=True), name
        assert time.monotonic() - started < 5, name
    assert db.session.execute(db.select(NotificationTemplate)).first() is None  # none was saved
    long_one = client.post(url + "/preview", data={"subject": "x", "body": "{{ order_number }}" * 400},
                           headers={"HX-Request": "true"})
    assert "Шаблон довший за 5000 символів" in long_one.get_data(as_text=True)
    assert client.post(url, data={"subject": "x", "body": "x" * 5001}).status_code == 422
    # one stored before the limits (straight into the table) cannot hold up the dispatcher: the shipped one is sent
    db.session.add(NotificationTemplate(status="shipped", channel="email", language="en", subject="Slow",
                                        body=COSTLY_TEMPLATES["nested loops"]))
    db.session.commit()
    order = make_order(customer=customer(db, language="en"), status="shipped")
    started = time.monotonic()
    dispatch(now=later())
    assert time.monotonic() - started < 10
    mail = db.session.execute(db.select(DevMail).where(DevMail.text_body.contains(order.number))).scalars().all()
    assert any("has been handed to" in m.text_body for m in mail) and not any(m.subject == "Slow" for m in mail)


# ---- customer pages --------------------------------------------------------------------------

def test_notification_centre_and_live_unread_badge(notify, db, make_order, make_user, login, client):
    user = make_user("customer", email="olena@example.com")
    person = customer(db, user_id=user.id)
    order = make_order(customer=person, status="awaiting_shipment")
    lifecycle.change_status(order, "shipped", source="staff")
    db.session.commit()
    login("olena@example.com")
    home = client.get("/orders/").get_data(as_text=True)
    assert 'id="notify-badge"' in home
    badge = client.get("/notifications/unread", headers={"HX-Request": "true"})
    assert badge.get_data(as_text=True).count("<html") == 0 and ">3</span>" in badge.get_data(as_text=True)
    centre = client.get("/notifications").get_data(as_text=True)
    assert "передано перевізнику Нова пошта" in centre and order.number in centre
    badge = client.get("/notifications/unread", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "badge-count" not in badge


def test_notification_times_are_when_they_were_sent_in_the_shops_time_zone(notify, db, make_order, make_user,
                                                                           login, client):
    """Reading the centre once stamped ``updated_at``: the next visit showed when it was read."""
    user = make_user("customer", email="olena@example.com")
    order = make_order(customer=customer(db, user_id=user.id), status="new")
    dispatch(now=later())
    sent = datetime(2026, 3, 1, 10, 5)  # 12:05 in Kyiv (UTC+2 in winter)
    for row in rows(db, order_id=order.id, channel="inapp"):
        row.created_at, row.sent_at = sent - timedelta(seconds=30), sent
    db.session.commit()
    login("olena@example.com")
    for _visit in range(2):  # the first visit marks them read
        centre = client.get("/notifications").get_data(as_text=True)
        assert "01.03.26, 12:05" in centre


def test_a_reloaded_order_page_shows_the_current_unread_count(notify, db, make_order, make_user, login, client):
    """The order page is served from the page cache on a reload; its header's count is not."""
    user = make_user("customer", email="olena@example.com")
    order = make_order(customer=customer(db, user_id=user.id), status="awaiting_shipment")
    lifecycle.change_status(order, "shipped", source="staff")
    db.session.commit()
    login("olena@example.com")
    for _ in range(2):
        assert ">3</span>" in client.get(f"/orders/{order.number}").get_data(as_text=True)
    client.get("/notifications")  # reading them
    assert "badge-count" not in client.get(f"/orders/{order.number}").get_data(as_text=True)

def test_preferences_record_consent_and_turn_channels_off(notify, db, make_order, make_user, login, client):
    user = make_user("customer", email="olena@example.com")
    person = customer(db, user_id=user.id)
    login("olena@example.com")
    response = client.post("/notifications/settings", data={"email": "", "sms": "y", "push": "y", "language": "pl"})
    assert response.status_code == 302
    from app.notify.preferences import for_customer

    prefs = for_customer(person.id)
    assert not prefs.email_enabled and prefs.sms_enabled and prefs.sms_consent_at is not None
    assert db.session.get(Customer, person.id).language == "pl"
    order = make_order(customer=person)
    email = rows(db, order_id=order.id, channel="email")[0]
    assert email.state == "skipped"


# ---- staff pages -----------------------------------------------------------------------------

def test_admin_log_filters_order_state_and_resend(notify, db, make_order, make_user, login, client):
    use_smtp(free_port(), NOTIFY_MAX_ATTEMPTS="1")
    order = make_order(customer=customer(db))
    dispatch(now=later())
    row = rows(db, order_id=order.id, channel="email")[0]
    assert row.state == "failed"
    make_user("staff", email="staff@example.com")
    login("staff@example.com")
    resp = client.get("/admin/notifications/?state=failed&channel=email")
    assert resp.status_code == 200, resp.get_data(as_text=True)[-3000:]
    log = resp.get_data(as_text=True)
    assert order.number in log and "Поштовий сервер відхилив з’єднання." in log
    assert order.number not in client.get("/admin/notifications/?state=sent").get_data(as_text=True)
    fragment = client.get(f"/admin/notifications/?q={order.number}", headers={"HX-Request": "true"})
    assert "<html" not in fragment.get_data(as_text=True) and order.number in fragment.get_data(as_text=True)
    assert order.number in client.get(f"/admin/notifications/orders/{order.id}").get_data(as_text=True)
    with SmtpServer() as smtp:
        settings.put("SMTP_PORT", str(smtp.port))
        db.session.commit()
        assert client.post(f"/admin/notifications/{row.id}/resend").status_code == 302
        assert dispatch(now=later()).sent == 1 and smtp.wait_for(1)
    db.session.refresh(row)
    assert row.state == "sent" and row.attempts == 2
    assert client.get("/admin/notifications/templates").status_code == 403  # admins only


def test_sending_again_a_message_about_a_status_the_order_has_left_asks_first(notify, db, make_order, make_user,
                                                                            login, client):
    """A staff member pressed "Send again" on a failed "shipped" e-mail of a delivered order: the
    customer was told "shipped" as news, with no word to the staff."""
    use_smtp(free_port(), NOTIFY_MAX_ATTEMPTS="1")
    order = make_order(customer=customer(db), status="shipped")
    dispatch(now=later())
    shipped = rows(db, order_id=order.id, channel="email", status="shipped")[0]
    assert shipped.state == "failed"
    lifecycle.change_status(order, "in_transit", source="carrier")
    lifecycle.change_status(order, "delivered", source="carrier")
    db.session.commit()
    login(make_user("staff", email="staff@example.com", language="uk").email)

    answer = client.post(f"/admin/notifications/{shipped.id}/resend")
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/admin/notifications/{shipped.id}")
    db.session.refresh(shipped)
    assert shipped.state == "failed" and shipped.attempts == 1  # not queued
    page = client.get(f"/admin/notifications/{shipped.id}").get_data(as_text=True)
    assert "а замовлення вже «Доставлено»" in page and "Однаково надіслати старе повідомлення" in page

    assert client.post(f"/admin/notifications/{shipped.id}/resend", data={"outdated_ok": "1"}).status_code == 302
    db.session.refresh(shipped)
    assert shipped.state == "queued"
    delivered = rows(db, order_id=order.id, channel="email", status="delivered")[0]
    assert outbox.outdated_warning(delivered) is None  # the order's own status: no question asked


def test_log_links_each_order_number_to_the_staff_order_page(notify, db, make_order, make_user, login, client):
    order = make_order(customer=customer(db))
    assert rows(db, order_id=order.id)  # the new order queued its messages
    login(make_user("staff").email)
    link = f'<a href="/admin/orders/{order.id}">{order.number}</a>'
    assert link in client.get("/admin/notifications/").get_data(as_text=True)
    assert link in client.get(f"/admin/notifications/?q={order.number}", headers={"HX-Request": "true"}).get_data(
        as_text=True)
    assert client.get(f"/admin/orders/{order.id}").status_code == 200


def test_admin_settings_and_webhook_pages(notify, db, make_user, login, client):
    make_user("admin", email="boss@example.com")
    login("boss@example.com")
    response = client.post("/admin/notifications/settings", data={
        "SMS_PROVIDER": "turbosms", "TURBOSMS_TOKEN": "secret-token", "NOTIFY_QUIET_HOURS": "22:00-07:30",
        "NOTIFY_MERGE_SECONDS": "60", "NOTIFY_DAILY_CAP": "5", "PICKUP_REMINDER_DAYS": "4", "SMTP_PORT": "2525"})
    assert response.status_code == 302
    assert settings.get("TURBOSMS_TOKEN") == "secret-token" and settings.get("PICKUP_REMINDER_DAYS") == "4"
    assert "secret-token" not in client.get("/admin/notifications/settings").get_data(as_text=True)
    bad = client.post("/admin/notifications/settings", data={"NOTIFY_QUIET_HOURS": "late"})
    assert bad.status_code == 422
    created = client.post("/admin/notifications/webhooks", data={"url": "https://erp.example.com/hook",
                                                                  "description": "ERP"})
    assert created.status_code == 302
    page = client.get(created.headers["Location"]).get_data(as_text=True)
    assert "whsec_" in page
    assert client.post("/admin/notifications/webhooks", data={"url": "not a url"}).status_code == 422


@pytest.mark.parametrize("address", [
    "c1@example.com", "a.b+c@mail.example.ua", "o'brien@x.org", "ivan@ukr.net", "a@b.co", "a..b@example.com",
    ".a@example.com", "a.@example.com", "a@localhost", "a@x.test", "a@mail.local", "a@sub.example.onion",
    "a@xn--80a.com", "a@ab--cd.com", "a@-x.com", "a@x-.com", "a@x.c", "a@x.123", "a@b.c0m", "a@x.xn--p1ai",
    "x" * 65 + "@example.com", "a@" + "b" * 64 + ".com", "a@b@example.com", "a b@example.com", "пошта@приклад.укр",
])
def test_fast_address_check_agrees_with_email_validator(address):
    from email_validator import EmailNotValidError, validate_email

    from app.notify.channels.email import valid_address

    try:
        validate_email(address, check_deliverability=False)
        expected = True
    except EmailNotValidError:
        expected = False
    assert valid_address(address) is expected


def test_changes_announced_together_queue_what_they_would_one_by_one(notify, db, make_order, httpserver):
    """A bulk caller (the carrier sync) gets the same outbox as changes made one at a time."""
    add_endpoint(db, httpserver.url_for("/hook"))
    settings.put("NOTIFY_MERGE_SECONDS", "120")
    db.session.commit()
    first = make_order(customer=customer(db, email="one@example.com"), status="awaiting_shipment")
    second = make_order(customer=customer(db, email="two@example.com"), status="awaiting_shipment")
    before = {o.id: len(rows(db, order_id=o.id)) for o in (first, second)}
    with lifecycle.announced_together():
        lifecycle.change_status(first, "shipped", source="carrier", actor="nova_poshta")
        lifecycle.change_status(first, "in_transit", source="carrier", actor="nova_poshta")
        lifecycle.change_status(second, "shipped", source="carrier", actor="nova_poshta")
        assert not rows(db, order_id=second.id, status="shipped")  # written when the block ends
    db.session.commit()

    history = [e.status for e in db.session.execute(
        db.select(lifecycle.StatusEvent).filter_by(order_id=first.id).order_by(lifecycle.StatusEvent.id)).scalars()]
    assert history[-2:] == ["shipped", "in_transit"]
    # one in-app and one e-mail per order, merged to the latest status (as one by one within the window)
    for order, status, merged in ((first, "in_transit", 1), (second, "shipped", 0)):
        for channel in ("inapp", "email"):
            found = [r for r in rows(db, order_id=order.id, channel=channel) if r.status == status]
            assert len(found) == 1 and found[0].merged_count >= merged, (order.number, channel)
    # webhooks are never merged: one event per change, each with its own status
    hooks = [json.loads(r.payload)["data"] for r in rows(db, channel="webhook")]
    # each event says when its change happened, to the microsecond: a receiver keeps the latest
    moments = [h["occurred_at"] for h in hooks if h["order_number"] == first.number]
    assert all(len(m) == len("2026-12-07T10:00:00.000000Z") for m in moments) and moments == sorted(set(moments))
    assert [(h["order_number"], h["previous_status"], h["status"]) for h in hooks][-3:] == [
        (first.number, "awaiting_shipment", "shipped"), (first.number, "shipped", "in_transit"),
        (second.number, "awaiting_shipment", "shipped")]
    assert all(len(rows(db, order_id=o.id)) > before[o.id] for o in (first, second))


def test_a_failed_block_writes_nothing(notify, db, make_order):
    order = make_order(customer=customer(db))
    count = len(rows(db, order_id=order.id))
    with pytest.raises(RuntimeError):
        with lifecycle.announced_together():
            lifecycle.change_status(order, "awaiting_shipment", source="staff")
            raise RuntimeError("the caller gives up")
    db.session.rollback()
    assert len(rows(db, order_id=order.id)) == count
    assert db.session.get(type(order), order.id).status == "new"


def test_staff_see_no_webhook_endpoint_in_the_delivery_log(notify, db, make_order, make_user, login, client):
    """Webhook URLs often carry a secret (Slack, Zapier): only admins, who manage them, see them."""
    hook = "https://hooks.slack.example/services/T0/B0/secret-in-the-path"
    endpoint = WebhookEndpoint(url=hook, secret_encrypted=settings.encrypt("whsec_x"))
    db.session.add(endpoint)
    db.session.commit()
    order = make_order(customer=customer(db))
    webhook_row = rows(db, order_id=order.id, channel="webhook")[0]
    make_user("staff", email="clerk@example.com")
    login("clerk@example.com")
    for url in ("/admin/notifications/", "/admin/notifications/?channel=webhook", "/admin/notifications/?q=hooks.slack",
                f"/admin/notifications/orders/{order.id}"):
        page = client.get(url)
        assert page.status_code == 200 and "secret-in-the-path" not in page.get_data(as_text=True), url
    assert "olena@example.com" in client.get("/admin/notifications/").get_data(as_text=True)
    assert client.get(f"/admin/notifications/{webhook_row.id}").status_code == 404
    assert client.post(f"/admin/notifications/{webhook_row.id}/resend").status_code == 404
    client.post("/logout")
    make_user("admin", email="boss@example.com")
    login("boss@example.com")
    assert "secret-in-the-path" in client.get("/admin/notifications/").get_data(as_text=True)
    assert "secret-in-the-path" in client.get(f"/admin/notifications/{webhook_row.id}").get_data(as_text=True)


def test_a_ukrainian_email_has_no_english_in_its_text_part(notify, db, make_order):
    import re

    make_order(customer=customer(db, language="uk"), status="shipped")
    assert dispatch(now=later()).sent >= 1
    mail = db.session.execute(db.select(DevMail)).scalars().first()
    text = re.sub(r"https?://\S+", "", mail.text_body)  # links are not words
    assert "Відписатися від цих листів:" in text
    words = set(re.findall(r"[A-Za-z]{3,}", text)) - {"Nova", "Poshta", "Posylka"}  # the carrier's and shop's names
    assert not words, mail.text_body


def test_a_date_ending_in_a_full_stop_ends_the_sentence_once(notify, db, make_order, make_user, login, client):
    """The Ukrainian date format ends with "р.": "очікувана дата — 7 грудня 2026 р.", not "р.."."""
    user = make_user("customer", email="olena@example.com")
    order = make_order(customer=customer(db, user_id=user.id), status="in_transit")
    order.shipments[0].scheduled_delivery_date = (utcnow() + timedelta(days=3)).date()
    order.delivery_pickup_point = None
    db.session.commit()
    dispatch(now=later())
    texts = db.session.execute(db.select(DevMail.text_body)).scalars().all()
    assert any("очікувана дата —" in text and "р." in text for text in texts)
    assert not any(".." in text for text in texts)
    login("olena@example.com")
    centre = client.get("/notifications").get_data(as_text=True)
    assert "очікувана дата —" in centre and "р.." not in centre
    order.delivery_pickup_point = "Відділення №12"  # the stop before the next sentence, too
    db.session.commit()
    centre = client.get("/notifications").get_data(as_text=True)
    assert "р. Пункт видачі: Відділення №12." in centre and "р.." not in centre


def test_notification_centre_titles_read_as_titles(notify, db, make_order, make_user, login, client):
    """A notice's title starts with a capital; a new order's title and the unread badge are two words."""
    import re

    user = make_user("customer", email="olena@example.com")
    order = make_order(customer=customer(db, user_id=user.id), status="in_transit")
    lifecycle.set_flags(order, at_pickup_point=True)
    db.session.commit()
    outbox.pickup_reminders(now=utcnow())  # tells of the arrival on first sight
    db.session.commit()
    login("olena@example.com")
    centre = client.get("/notifications").get_data(as_text=True)
    titles = [re.sub(r"\s+", " ", t).strip() for t in re.findall(r'class="notify-title"><a [^>]*>(.*?)</a>', centre)]
    assert f"Замовлення {order.number} прибуло до пункту видачі" in titles
    assert "Нове" in titles and all(t[:1].isupper() for t in titles)
    assert ">Непрочитане</span>" in centre and ">Нове</span>" not in centre


def test_order_page_counts_pieces_in_each_language(db, make_order, make_user, login, client):
    user = make_user("customer", email="olena@example.com")
    order = make_order(customer=customer(db, user_id=user.id), items=[
        {"name": "Сукня", "quantity": 1, "price": "100.00"}, {"name": "Шкарпетки", "quantity": 3, "price": "50.00"}])
    login("olena@example.com")
    english = client.get(f"/orders/{order.number}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "1 piece" in english and "3 pieces" in english and "pcs" not in english
    ukrainian = client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "1 шт." in ukrainian and "3 шт." in ukrainian


def test_template_editor_errors_say_what_is_wrong_in_the_admins_language(notify, db, make_user, login, client):
    """Jinja's English ("'secret_key' is undefined") comes after a sentence in the admin's language."""
    import html

    make_user("admin", email="boss@example.com")
    login("boss@example.com")
    url = "/admin/notifications/templates/shipped/email/uk"
    for body, sentence, detail in (
            ("{{ secret_key }}", "Шаблон використовує «secret_key», а такого поля немає.", "'secret_key' is undefined"),
            ("{% if order_number %}", "Шаблон незавершений: тег або поле відкрито, але не закрито.",
             "Unexpected end of template"),
            ("{{ ''.__class__ }}", "Шаблон використовує те, що в повідомленнях заборонено.", "is unsafe")):
        page = html.unescape(client.post(url, data={"subject": "x", "body": body}).get_data(as_text=True))
        assert f"Не збережено: у шаблоні помилка: {sentence} (" in page and detail in page, body
        preview = html.unescape(client.post(url + "/preview", data={"subject": "x", "body": body},
                                            headers={"HX-Request": "true"}).get_data(as_text=True))
        assert f"У шаблоні помилка: {sentence} (" in preview, body
