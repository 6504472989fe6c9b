"""Alerts for the shop: a carrier outage is told once, its recovery once, by e-mail and Telegram."""
from datetime import timedelta

import pytest
from bot_servers import TOKEN, USERNAME, FakeTelegram, private_message
from carrier_fixtures import np_envelope, np_item
from notify_servers import SmtpServer, later, use_smtp

from app import settings
from app.carriers.models import CarrierState
from app.carriers.sync import sync_all
from app.notify import alerts
from app.notify.dispatcher import dispatch
from app.notify.models import Notification
from app.orders.models import utcnow


@pytest.fixture
def app_config():
    return {"CARRIER_BACKOFF_SECONDS": 0.01, "CARRIER_BACKOFF_MAX_SECONDS": 0.05, "CARRIER_RETRIES": 0,
            "CARRIER_TIMEOUT_SECONDS": 1, "CARRIER_BREAKER_THRESHOLD": 2, "CARRIER_CONCURRENCY": 2}


def check(db):
    """The scheduler job's work, as the scheduler runs it (under the write intent), committed."""
    from tests.conftest import write_transaction

    with write_transaction(db):
        queued = alerts.check()
        db.session.commit()
    return queued



def test_a_carrier_outage_sends_one_alert_and_one_recovery_notice(app, db, make_order, make_user, login, client,
                                                                   httpserver):
    bot = FakeTelegram(httpserver)
    for key, value in {"TELEGRAM_API_URL": bot.url, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BOT_USERNAME": USERNAME,
                       "NOTIFY_QUIET_HOURS": "-", "PUBLIC_URL": "http://127.0.0.1:8000"}.items():
        settings.put(key, value)
    db.session.commit()
    make_user("admin", email="boss@example.com")
    gone = make_user("admin", email="gone@example.com")
    gone.active = False
    db.session.commit()
    login("boss@example.com")
    # the admin connects their own Telegram chat for alerts, by the same kind of one-time link
    from test_messengers import link_from

    link = link_from(client.post("/admin/notifications/messengers/telegram/alerts"))
    token = link.split("start=", 1)[1]
    bot.updates = [private_message(1, 777000, f"/start {token}", language="en")]
    from app.notify.channels.telegram import poll_updates

    poll_updates(timeout=0)
    assert "alerts" in bot.sent()[-1]["text"]
    assert "Сповіщення магазину надходять у чат." in client.get("/admin/notifications/settings").get_data(as_text=True)

    make_order(status="shipped", carrier="nova_poshta", tracking_number="20400048799002")
    httpserver.expect_request("/np/").respond_with_data("down", status=500)
    settings.put("NOVAPOSHTA_MODE", "live")
    settings.put("NOVAPOSHTA_API_URL", httpserver.url_for("/np/"))
    db.session.commit()
    with SmtpServer() as smtp:
        use_smtp(smtp.port)
        assert check(db) == 0  # all is well: nothing to say
        sync_all(app, force=True)
        sync_all(app, force=True)
        assert db.session.get(CarrierState, "nova_poshta").breaker_state == "open"
        assert check(db) == 2  # boss@ by e-mail and the Telegram chat; not the deactivated admin
        assert check(db) == 0  # told once
        dispatch(now=later())
        assert smtp.wait_for(1)
        mail = smtp.messages[0]
        assert [a.addr_spec for a in mail["To"].addresses] == ["boss@example.com"]
        assert mail["Subject"] == "Posylka: Нова пошта не працює"
        # the carrier's last error in the admins' language, its HTTP status as it came
        assert "Остання помилка: Сервер перевізника відповів помилкою (HTTP 500)." in \
            mail.get_body(("plain",)).get_content()
        assert "List-Unsubscribe" not in mail
        chat = bot.sent()[-1]
        assert chat["chat_id"] == "777000" and "Нова пошта раз у раз дає збої" in chat["text"]

        state = db.session.get(CarrierState, "nova_poshta")
        state.open_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
        httpserver.clear()
        bot = FakeTelegram(httpserver)
        httpserver.expect_request("/np/").respond_with_json(np_envelope([np_item("20400048799002", code="5")]))
        sync_all(app, force=True)
        db.session.expire_all()
        assert check(db) == 2
        assert check(db) == 0
        dispatch(now=later(5))
        assert smtp.wait_for(2)
        assert len(smtp.messages) == 2 and "знову працює" in smtp.messages[1]["Subject"]
    rows = db.session.execute(db.select(Notification).filter_by(kind="alert")).scalars().all()
    assert len(rows) == 4 and all(r.state == "sent" for r in rows)


def test_a_dispatcher_that_keeps_failing_is_an_alert(app, db, make_order, make_user):
    from app.notify.models import DeliveryAttempt

    make_user("admin", email="boss@example.com")
    order = make_order()
    settings.put("ALERT_DISPATCH_FAILURES", "3")
    db.session.commit()
    row = db.session.execute(db.select(Notification).filter_by(order_id=order.id, channel="email")).scalar_one()
    for _ in range(3):
        db.session.add(DeliveryAttempt(notification_id=row.id, outcome="failed", error="SMTP 451"))
    db.session.commit()
    assert check(db) == 1
    alert = db.session.execute(db.select(Notification).filter_by(kind="alert")).scalar_one()
    assert alert.recipient == "boss@example.com" and "3 failed attempts" in alert.body


def test_sentry_gets_unhandled_errors_without_personal_data(app, httpserver):
    """A local stand-in for Sentry's ingestion endpoint (``POST /api/<project>/envelope/``)."""
    import gzip
    import zlib

    import sentry_sdk

    from app import sentry

    envelopes = []

    def handler(request):
        body = request.get_data()
        encoding = request.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        envelopes.append(body.decode("utf-8"))
        return "{}"

    httpserver.expect_request("/api/42/envelope/", method="POST").respond_with_handler(handler)
    app.config["SENTRY_DSN"] = f"http://publickey@127.0.0.1:{httpserver.port}/42"

    @app.route("/boom")
    def boom():
        raise RuntimeError("could not reach olena.koval@example.com at +380 67 123 45 67")

    try:
        assert sentry.init(app)
        app.testing = False  # let the error reach Flask's handler, as in production
        app.config["PROPAGATE_EXCEPTIONS"] = False
        response = app.test_client().get("/boom?token=signed-secret-link", headers={"Cookie": "session=abc"})
        assert response.status_code == 500
        sentry_sdk.flush(timeout=5)
    finally:
        sentry_sdk.init(dsn=None)  # a client that sends nothing, for the next tests
    sent = "\n".join(envelopes)
    assert "RuntimeError" in sent and "could not reach [Filtered] at [Filtered]" in sent
    for secret in ("olena.koval@example.com", "123 45 67", "signed-secret-link", "session=abc"):
        assert secret not in sent
    assert sentry.init(app.__class__(__name__)) is False  # no DSN, no reporting
