"""The outgoing-request guard (app/outbound.py), driven through the pages and jobs that make the calls.

An "internal service" is a real listener on 127.0.0.2 (loopback, not in the suite's allow-list of
127.0.0.1): each test proves that nothing reached it. Where a DNS answer must change between two
look-ups (rebinding), the test stands in for the resolver, the one thing it cannot run for real.
"""
import socket
from datetime import timedelta

import pytest
from notify_servers import SilentServer, send_at_once

from app import settings
from app.notify.channels.webhook import new_secret
from app.notify.dispatcher import dispatch
from app.notify.models import Notification, WebhookEndpoint
from app.orders.models import Customer, utcnow

INTERNAL = "127.0.0.2"


@pytest.fixture
def internal():
    with SilentServer(host=INTERNAL) as server:
        yield server


@pytest.fixture
def admin_client(app, db, make_user, login, client):
    send_at_once(WEBHOOK_TIMEOUT_SECONDS="1")
    login(make_user("admin").email)
    return client


def _dispatch():
    return dispatch(now=utcnow() + timedelta(seconds=1))


def _order(db, make_order):
    person = Customer(name="Олена Коваль", email="olena@example.com", phone="+380671234567")
    db.session.add(person)
    db.session.commit()
    return make_order(customer=person)


def _webhook_rows(db):
    return db.session.execute(db.select(Notification).filter_by(channel="webhook")).scalars().all()


def test_a_webhook_to_an_internal_address_never_reaches_it_until_an_admin_allows_it(
        app, db, admin_client, make_order, internal):
    url = f"http://{INTERNAL}:{internal.port}/hook"
    refused = admin_client.post("/admin/notifications/webhooks", data={"url": url})
    assert refused.status_code == 422 and "Позначте «Дозволити приватні та локальні адреси" in refused.get_data(as_text=True)
    assert db.session.execute(db.select(WebhookEndpoint)).first() is None
    # one saved before (the guard is checked again for every delivery)
    db.session.add(WebhookEndpoint(url=url, secret_encrypted=settings.encrypt(new_secret())))
    db.session.commit()
    _order(db, make_order)
    _dispatch()
    row = _webhook_rows(db)[0]
    assert row.state == "failed" and f"non-public address {INTERNAL}" in row.last_error
    assert internal.connections == []
    # the admin's explicit allowance (a host of their own network) lets it through
    settings.put("OUTGOING_ALLOWED_HOSTS", f"mail.internal, {INTERNAL}/32")
    db.session.commit()
    make_order(customer=db.session.execute(db.select(Customer)).scalars().first())
    _dispatch()
    assert len(internal.connections) == 1


def test_a_private_webhook_address_is_saved_once_the_admin_allows_it(app, db, admin_client, internal):
    url = f"http://{INTERNAL}:{internal.port}/hook"
    saved = admin_client.post("/admin/notifications/webhooks", data={"url": url, "allow_private": "y"})
    assert saved.status_code == 302
    assert db.session.execute(db.select(WebhookEndpoint)).scalar_one().allow_private is True


@pytest.mark.parametrize("address", ["100.64.0.1", "100.100.100.200", "169.254.169.254", "10.0.0.5", "[::1]",
                                     "[::ffff:127.0.0.2]", "0.0.0.0", "192.0.0.8"])
def test_every_non_public_range_is_refused(app, db, admin_client, make_order, address):
    endpoint = WebhookEndpoint(url=f"http://{address}/hook", secret_encrypted=settings.encrypt(new_secret()))
    db.session.add(endpoint)
    db.session.commit()
    _order(db, make_order)
    _dispatch()
    row = _webhook_rows(db)[0]
    assert row.state == "failed" and "non-public address" in row.last_error, row.last_error


def test_a_host_that_resolves_anew_is_pinned_to_the_address_checked(app, db, admin_client, make_order, internal,
                                                                    monkeypatch):
    """DNS rebinding: the first answer is public, the next one internal. The connection uses an
    address it checked itself, so the internal service gets nothing."""
    real_getaddrinfo = socket.getaddrinfo
    answers = iter(["93.184.216.34"] + [INTERNAL] * 10)

    def rebinding(host, port, *args, **kwargs):
        if host == "rebind.example":
            address = next(answers)
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    db.session.add(WebhookEndpoint(url=f"http://rebind.example:{internal.port}/hook",
                                   secret_encrypted=settings.encrypt(new_secret())))
    db.session.commit()
    _order(db, make_order)
    _dispatch()
    row = _webhook_rows(db)[0]
    assert internal.connections == []
    assert "non-public address" in row.last_error, row.last_error


def test_a_browser_push_endpoint_on_an_internal_address_gets_nothing(app, db, make_user, login, client, make_order,
                                                                    internal):
    settings.put("NOTIFY_MERGE_SECONDS", "0")
    settings.put("NOTIFY_QUIET_HOURS", "-")
    db.session.commit()
    user = make_user("customer", email="olena@example.com")
    login(user.email)
    client.get("/notifications/push/key")
    response = client.post("/notifications/push/subscribe", json={
        "endpoint": f"https://{INTERNAL}:{internal.port}/push/abc",
        "keys": {"p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
                 "auth": "tBHItJI5svbpez7KI4CCXg"}})
    assert response.status_code == 201
    settings.put("OUTGOING_ALLOWED_HOSTS", INTERNAL)  # an admin's allowance is not for browsers' URLs
    db.session.commit()
    make_order(customer=user.customer, status="awaiting_shipment")
    _dispatch()
    push = db.session.execute(db.select(Notification).filter_by(channel="push")).scalars().all()
    assert push and all(row.state == "failed" and "non-public" in row.last_error for row in push)
    assert internal.connections == []


def test_smtp_host_on_an_internal_address_is_refused(app, db, admin_client, make_order, internal):
    response = admin_client.post("/admin/notifications/settings", data={
        "SMTP_HOST": INTERNAL, "SMTP_PORT": str(internal.port), "NOTIFY_QUIET_HOURS": "", "SMS_PROVIDER": "",
        "NOTIFY_MERGE_SECONDS": "0"})
    assert response.status_code == 302
    _order(db, make_order)
    _dispatch()
    mail = db.session.execute(db.select(Notification).filter_by(channel="email")).scalars().all()
    assert mail and all(row.state == "failed" and "refused" in row.last_error for row in mail)
    assert internal.connections == []


def test_a_carrier_url_on_an_internal_address_is_never_called(app, db, admin_client, internal):
    response = admin_client.post("/admin/carriers/nova_poshta", data={
        "nova_poshta-mode": "live", "nova_poshta-base_url": f"http://{INTERNAL}:{internal.port}/v2.0/json/",
        "nova_poshta-api_key": "k" * 32})
    assert response.status_code == 302
    answer = admin_client.post("/admin/carriers/nova_poshta/test", follow_redirects=True,
                               headers={"Accept-Language": "en"})
    # the admin is told why: the address is private, not "check the port" (a connection that was refused)
    assert answer.status_code == 200 and "OUTGOING_ALLOWED_HOSTS names it" in answer.get_data(as_text=True)
    assert internal.connections == []


def test_a_changed_smtp_host_needs_its_password_again(app, db, admin_client):
    saved = admin_client.post("/admin/notifications/settings", data={
        "SMTP_HOST": "smtp.shop.example", "SMTP_PASSWORD": "mail-secret", "NOTIFY_QUIET_HOURS": "", "SMS_PROVIDER": ""})
    assert saved.status_code == 302
    moved = admin_client.post("/admin/notifications/settings", data={
        "SMTP_HOST": "smtp.attacker.example", "NOTIFY_QUIET_HOURS": "", "SMS_PROVIDER": ""}, headers={"Accept-Language": "en"})
    assert moved.status_code == 422 and "enter the password again" in moved.get_data(as_text=True)
    assert settings.get("SMTP_HOST") == "smtp.shop.example"
    kept = admin_client.post("/admin/notifications/settings", data={
        "SMTP_HOST": "smtp.shop.example", "SMTP_PORT": "2525", "NOTIFY_QUIET_HOURS": "", "SMS_PROVIDER": ""})
    assert kept.status_code == 302 and settings.get("SMTP_PASSWORD") == "mail-secret"
    again = admin_client.post("/admin/notifications/settings", data={
        "SMTP_HOST": "smtp2.shop.example", "SMTP_PASSWORD": "new-secret", "NOTIFY_QUIET_HOURS": "", "SMS_PROVIDER": ""})
    assert again.status_code == 302 and settings.get("SMTP_HOST") == "smtp2.shop.example"


def test_a_changed_carrier_url_needs_its_key_again(app, db, admin_client):
    first = {"nova_poshta-mode": "live", "nova_poshta-base_url": "https://api.novaposhta.example/v2.0/json/",
             "nova_poshta-api_key": "k" * 32}
    assert admin_client.post("/admin/carriers/nova_poshta", data=first).status_code == 302
    moved = admin_client.post("/admin/carriers/nova_poshta", headers={"Accept-Language": "en"}, data={
        "nova_poshta-mode": "live", "nova_poshta-base_url": "https://collector.attacker.example/"})
    assert moved.status_code == 400 and "enter this again" in moved.get_data(as_text=True)
    assert settings.get("NOVAPOSHTA_API_URL") == first["nova_poshta-base_url"]
    same = admin_client.post("/admin/carriers/nova_poshta", data={
        "nova_poshta-mode": "off", "nova_poshta-base_url": first["nova_poshta-base_url"]})
    assert same.status_code == 302 and settings.get("NOVAPOSHTA_API_KEY") == "k" * 32


def test_messenger_bots_and_shop_platforms_on_an_internal_address_are_never_called(app, db, admin_client,
                                                                                   internal):
    from app.integrations.http import PlatformError, get_json, send
    from app.notify.channels import telegram, viber

    base = f"http://{INTERNAL}:{internal.port}"
    settings.put("TELEGRAM_API_URL", base)
    settings.put("VIBER_API_URL", base)
    settings.put("VIBER_BOT_TOKEN", "abc")
    db.session.commit()
    with pytest.raises(telegram.TelegramError):
        telegram.call("getMe", token="123:abc")
    with pytest.raises(viber.ViberError):
        viber.call("get_account_info")
    with pytest.raises(PlatformError):
        get_json("magento", f"{base}/rest/V1/orders")
    with pytest.raises(PlatformError):
        send("prestashop", "POST", f"{base}/api/order_histories", data="<prestashop/>")
    assert internal.connections == []
