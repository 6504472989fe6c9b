"""What a customer actually receives, read as they read it: the real e-mail from the local SMTP
server (aiosmtpd), the SMS as the gateway gets it; rendered by the outbox and the dispatcher."""
import json

from notify_servers import SmtpServer, later, put_settings, use_smtp
from test_notify import customer
from werkzeug import Response

from app.notify.dispatcher import dispatch
from app.orders import lifecycle

LANGUAGES = ("uk", "en", "pl", "ru")


def sms_gateway(httpserver):
    """A TurboSMS stand-in on ``httpserver``: the texts it was asked to send."""
    texts = []

    def handler(request):
        texts.append(request.get_json()["sms"]["text"])
        return Response(json.dumps({"response_code": 800, "response_result": [
            {"response_code": 0, "message_id": f"m{len(texts)}"}]}), content_type="application/json")

    httpserver.expect_request("/message/send.json", method="POST").respond_with_handler(handler)
    put_settings(SMS_PROVIDER="turbosms", TURBOSMS_API_URL=httpserver.url_for("/").rstrip("/"), TURBOSMS_TOKEN="t",
                 NOTIFY_SMS_STATUSES="shipped,in_transit,pickup")
    return texts


def test_messages_carry_the_shop_name_the_admin_set(notify, db, make_order, httpserver):
    """The shop's name typed on the settings page was on the staff pages and the Viber sender, but every
    message said "Posylka" (the environment's default): subject, greeting's signature, footer, SMS, and
    the e-mail came from "Posylka <...>"."""
    texts = sms_gateway(httpserver)
    put_settings(SHOP_NAME="Льон і вовна")
    with SmtpServer() as smtp:
        use_smtp(smtp.port, MAIL_SENDER="shop@example.com")
        order = make_order(customer=customer(db), status="shipped")
        dispatch(now=later())
        assert smtp.wait_for(3)
    mail = next(m for m in smtp.messages if "Відправлено" in m["Subject"])
    assert mail["Subject"] == f"Льон і вовна: замовлення {order.number} — Відправлено"
    sender = mail["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == ("Льон і вовна", "shop@example.com")
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Posylka" not in text + html and "\nЛьон і вовна\n" in text
    assert "Ви отримали цей лист, бо зробили замовлення в Льон і вовна." in html
    assert texts and all(t.startswith("Льон і вовна: ") for t in texts)


def test_an_english_status_sms_is_one_plain_segment_and_a_shortened_one_ends_on_a_word(notify, db, make_order,
                                                                                         httpserver, client):
    """The subject's dash ("order PS-100001 — Shipped") is not in the GSM-7 alphabet, so an English SMS
    went as UCS-2: 70 characters a segment, two segments (twice the price) for 113 characters. And a
    text shortened to fit two segments was cut inside a word ("до пункту ви…")."""
    from app.notify.channels.sms import fit, length_units, segments

    texts = sms_gateway(httpserver)
    order = make_order(customer=customer(db, language="en"), status="shipped")
    dispatch(now=later())
    (text,) = texts
    assert text.startswith(f"Posylka: order {order.number} - Shipped https://shop.example/t/")
    assert length_units(text)[1] == "gsm7" and segments(text) == 1
    opened = client.get(text.rsplit(" ", 1)[1].removeprefix("https://shop.example"), follow_redirects=True)
    assert opened.status_code == 200 and order.number in opened.get_data(as_text=True)  # the link opens the order

    link = "https://shop.example/t/WzEsIlBqVDVpa3VTZUt1RSJd.axbLpQ.iSVnhj6RhSkGmBzSd-KpSt65VLA"
    uk = fit(f"Posylka: замовлення PS-100001 прибуло до пункту видачі {link}")
    assert uk == f"Posylka: замовлення PS-100001 прибуло до пункту… {link}" and segments(uk) == 2
    en = fit(f"Long Shop Name Ltd: order PS-100001 — {'x' * 20} has arrived at the pickup point {'y' * 200} {link}")
    assert en.endswith(f"pickup point... {link}") and length_units(en)[1] == "gsm7" and segments(en) == 2
    # Cyrillic keeps its typography: it is UCS-2 whatever the dash
    assert fit("Замовлення — Відправлено") == "Замовлення — Відправлено"


def test_a_long_shop_name_never_pushes_the_news_or_the_link_out_of_an_sms(notify, db, make_order, httpserver):
    """With the shop's name "Інтернет-магазин Льон і вовна", every Ukrainian SMS was shortened to
    "Інтернет-магазин Льон і вовна: замовлення… <link>": no order number, no status. The question after
    delivery lost its link altogether (only the tracking link was kept when shortening)."""
    from app.feedback.services import ask
    from app.notify.channels.sms import segments

    texts = sms_gateway(httpserver)
    put_settings(SHOP_NAME="Інтернет-магазин Льон і вовна", NOTIFY_SMS_STATUSES="shipped,feedback")
    order = make_order(customer=customer(db, email=None), status="shipped")
    dispatch(now=later())
    (shipped,) = texts
    assert shipped.startswith(f"Замовлення {order.number} — Відправлено https://shop.example/t/"), shipped
    lifecycle.change_status(order, "in_transit", source="staff")
    lifecycle.change_status(order, "delivered", source="staff")
    ask(order)
    db.session.commit()
    dispatch(now=later(5))
    question = texts[-1]
    assert question.startswith(f"Як пройшла доставка замовлення {order.number}? https://shop.example/feedback/")
    assert all(segments(text) <= 2 for text in texts)
    # a short name stays
    put_settings(SHOP_NAME="Льон і вовна")
    lifecycle.change_status(make_order(customer=customer(db, email=None), status="new"), "shipped", source="staff")
    db.session.commit()
    dispatch(now=later(10))
    assert texts[-1].startswith("Льон і вовна: замовлення PS-")


def test_a_customer_replying_to_a_status_mail_writes_to_the_shop(notify, db, make_order):
    """A customer who answers "where is my parcel?" to a status e-mail wrote to the sender, noreply@…:
    the shop's contact e-mail from the settings page was never in the message. And the HTML part did
    not say its language, so a phone's screen reader read Ukrainian with an English voice."""
    put_settings(SHOP_NAME="Льон і вовна", SHOP_EMAIL="help@lon.example")
    with SmtpServer() as smtp:
        use_smtp(smtp.port, MAIL_SENDER="noreply@lon.example")
        make_order(customer=customer(db, language="pl"), status="new")
        dispatch(now=later())
        assert smtp.wait_for(1)
    (mail,) = smtp.messages
    reply_to = mail["Reply-To"].addresses[0]
    assert (reply_to.display_name, reply_to.addr_spec) == ("Льон і вовна", "help@lon.example")
    assert mail["From"].addresses[0].addr_spec == "noreply@lon.example"
    assert '<html lang="pl">' in mail.get_body(("html",)).get_content()


def test_without_a_contact_address_a_status_mail_has_no_reply_to(notify, db, make_order):
    with SmtpServer() as smtp:
        use_smtp(smtp.port)
        make_order(customer=customer(db), status="new")
        dispatch(now=later())
        assert smtp.wait_for(1)
    assert smtp.messages[0]["Reply-To"] is None


def test_a_long_shop_name_is_shortened_at_a_word_as_the_viber_sender(notify, db, make_order, httpserver):
    """Viber shows at most 28 characters of the sender's name: "Інтернет-магазин Льон і вовна" came as
    "Інтернет-магазин Льон і вовн"."""
    from bot_servers import VIBER_TOKEN, FakeViber

    from app.notify.models import MessengerLink

    viber = FakeViber(httpserver)
    put_settings(VIBER_API_URL=viber.url, SHOP_NAME="Інтернет-магазин Льон і вовна")
    put_settings(VIBER_BOT_TOKEN=VIBER_TOKEN)
    person = customer(db, email=None)
    db.session.add(MessengerLink(customer_id=person.id, channel="viber", chat_id="01234567890A="))
    db.session.commit()
    make_order(customer=person, status="shipped")
    dispatch(now=later())
    assert viber.sent()[-1]["sender"]["name"] == "Інтернет-магазин Льон і…"
