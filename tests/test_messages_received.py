"""What a customer actually receives, read as they read it: the real e-mail from the local SMTP
server (aiosmtpd), the SMS as the gateway gets it; rendered by the outbox and the dispatcher."""
import json

from notify_servers import SmtpServer, later, put_settings, use_smtp
from test_notify import customer
from werkzeug import Response

from app.notify.dispatcher import dispatch

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
