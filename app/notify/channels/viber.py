"""Viber: the shop's bot (REST bot API) sends status messages with a "track" button.

``POST {VIBER_API_URL}/<method>`` with the ``X-Viber-Auth-Token`` header and a JSON body
(https://developers.viber.com/docs/api/rest-bot-api/); the HTTP status is 200 either way and the
body says ``{"status": 0, "status_message": "ok", ...}`` or a non-zero status from the documented
list (6 receiverNotSubscribed, 12 tooManyRequests, ...).

Viber delivers everything by webhook (HTTPS only), each request signed with
``X-Viber-Content-Signature``: the hex HMAC-SHA256 of the body under the bot's token. The deep
link ``viber://pa?chatURI=<uri>&context=<token>`` opens the chat with a ``conversation_started``
event; the bot may answer it with one welcome message, whose reply button sends ``/start <token>``
back as the customer's own message: that subscribes the customer (Viber lets a bot write only to
subscribers) and binds the chat.
"""
import hashlib
import hmac
import json
import logging

from flask_babel import force_locale
from flask_babel import gettext as _

from app import settings
from app.extensions import db
from app.notify import messengers
from app.notify.channels import DeliveryError, register
from app.notify.problems import problem
from app.notify.templates import shop_name

log = logging.getLogger(__name__)

NAME = "viber"
MAX_TEXT = 7000
#: Status codes (documented list) meaning the user can no longer be written to.
GONE = {5: "receiverNotRegistered", 6: "receiverNotSubscribed", 11: "receiverNoSuitableDevice"}
#: The bot itself is misconfigured or blocked: retrying cannot help until an admin acts.
BROKEN = {2: "invalidAuthToken", 3: "badData", 4: "missingData", 7: "publicAccountBlocked",
          8: "publicAccountNotFound", 9: "publicAccountSuspended", 13: "apiVersionNotSupported"}
#: A signed event older than this is not acted on (its token would no longer be in the replay log).
MAX_AGE_MS = 24 * 3600 * 1000


class ViberError(Exception):
    def __init__(self, status, message):
        super().__init__(f"Viber {status}: {message}" if status is not None else f"Viber: {message}")
        self.status = status


def call(method, **body):
    token = settings.get("VIBER_BOT_TOKEN", "")
    if not token:
        raise ViberError(None, "no bot token is set")
    base = (settings.get("VIBER_API_URL", "") or "https://chatapi.viber.com/pa").rstrip("/")
    response, data = messengers.bot_api(f"{base}/{method}", body, headers={"X-Viber-Auth-Token": token},
                                        timeout=settings.get_int("VIBER_TIMEOUT_SECONDS", 15), error=ViberError)
    if not isinstance(data, dict) or not isinstance(data.get("status"), int):
        raise ViberError(None, f"HTTP {response.status_code}: the answer is not Viber API JSON")
    if data["status"] != 0:
        raise ViberError(data["status"], str(data.get("status_message") or "")[:300])
    return data


def deep_link(token):
    uri = settings.get("VIBER_BOT_URI", "")
    return f"viber://pa?chatURI={uri}&context={token}" if uri else None


#: the longest sender name Viber shows
MAX_SENDER = 28


def sender():
    name = settings.get("VIBER_BOT_NAME", "") or shop_name()
    if len(name) > MAX_SENDER:  # shortened at a word, not "Інтернет-магазин Льон і вовн"
        cut = name[:MAX_SENDER - 1]
        cut = cut.rsplit(" ", 1)[0] if " " in cut and not name[MAX_SENDER - 1].isspace() else cut
        name = cut.rstrip(" ,.:;-") + "…"
    return {"name": name}


def button(text, action_type, action_body):
    return {"Columns": 6, "Rows": 1, "ActionType": action_type, "ActionBody": action_body, "Text": text[:250]}


def message_body(receiver, text, link=None, label=None):
    body = {"receiver": receiver, "min_api_version": 1, "sender": sender(), "type": "text", "text": text[:MAX_TEXT]}
    if link:
        body["keyboard"] = {"Type": "keyboard", "DefaultHeight": False,
                            "Buttons": [button(label or link, "open-url", link)]}
    return body


@register
class ViberChannel(messengers.MessengerChannel):
    name = NAME
    token_setting = "VIBER_BOT_TOKEN"

    def send(self, notification, message, context):
        try:
            data = call("send_message", **message_body(notification.recipient, message.body,
                                                       context.get("tracking_link"), self.button_label(context)))
        except ViberError as error:
            said = problem("gateway_said", gateway="Viber", said=str(error).removeprefix("Viber").lstrip(": "))
            if error.status in GONE:
                raise DeliveryError(said, retry=False, disable_endpoint=True)
            if error.status in BROKEN:
                raise DeliveryError(said, retry=False)
            raise DeliveryError(said)  # 12 tooManyRequests, unreachable, not JSON: try again later
        return str(data.get("message_token") or "") or None


# ---- the webhook -----------------------------------------------------------------------------

def signature(token, body):
    return hmac.new(token.encode("utf-8"), body, hashlib.sha256).hexdigest()


def handle_webhook(headers, body, *, now_ms):
    """(HTTP status, JSON answer) for one signed callback; the caller sends nothing else.

    Refused (and written to the admin log): a missing or wrong signature, a body that is not a
    JSON object, an event older than a day. A replayed event (same ``message_token``) is answered
    200 and changes nothing.
    """
    token = settings.get("VIBER_BOT_TOKEN", "")
    given = headers.get("X-Viber-Content-Signature", "")
    if not token or not given or not hmac.compare_digest(signature(token, body), given.strip().lower()):
        return messengers.refused_webhook(NAME, "webhook signature missing or wrong", 401, {"status": 1})
    try:
        event = json.loads(body)
    except ValueError:
        event = None
    if not isinstance(event, dict) or not isinstance(event.get("event"), str):
        return messengers.refused_webhook(NAME, "webhook body is not a Viber event", 400, {"status": 1})
    timestamp = event.get("timestamp")
    if isinstance(timestamp, int) and not isinstance(timestamp, bool) and now_ms - timestamp > MAX_AGE_MS:
        return messengers.refused_webhook(NAME, "webhook event is too old (a replay?)", 400, {"status": 1})
    kind = event["event"]
    message_token = event.get("message_token")
    if kind in ("conversation_started", "message") and message_token is not None:
        if not messengers.first_time(NAME, f"{str(message_token)[:40]:0>20}"):
            db.session.rollback()
            return 200, {}
    if kind == "delivered" and message_token is not None:  # Viber's receipt for a message we sent
        from app.notify import kpis

        kpis.record_delivered(NAME, [str(message_token)])
        return 200, {}
    answer, reply = _act(kind, event)
    db.session.commit()
    if reply:
        try:
            call("send_message", **message_body(reply[0], reply[1]))
        except ViberError as error:
            log.warning("viber: the reply to a command was not sent: %s", error)
    return 200, answer


def _obj(value):
    return value if isinstance(value, dict) else {}


def _act(kind, event):
    """(answer body, (receiver, text) to send or None) for one verified event."""
    if kind == "conversation_started":
        user = _obj(event.get("user"))
        context = event.get("context") if isinstance(event.get("context"), str) else ""
        if not context or not isinstance(user.get("id"), str):
            return {}, None
        with force_locale(messengers.reply_language(None, user.get("language"))):
            text = _("Press “Connect” to get the news about your orders here.")
            label = _("Connect")
        # the welcome message: its button sends the token back as the customer's own message
        welcome = {"sender": sender(), "type": "text", "text": text,
                   "keyboard": {"Type": "keyboard", "DefaultHeight": False,
                                "Buttons": [button(label, "reply", f"/start {context[:64]}")]}}
        return welcome, None
    if kind == "message":
        user = _obj(event.get("sender"))
        message = _obj(event.get("message"))
        if not isinstance(user.get("id"), str) or message.get("type") != "text":
            return {}, None
        command, argument = messengers.parse_command(message.get("text") if isinstance(message.get("text"), str) else "")
        reply = messengers.answer(NAME, user["id"], command, argument, language_hint=user.get("language"))
        return {}, (user["id"], reply) if reply else None
    if kind == "unsubscribed" and isinstance(event.get("user_id"), str):
        messengers.stop(NAME, event["user_id"], "unsubscribed")
    return {}, None


def connect(public_url, webhook_url):
    """Read the bot's chat URI and name (get_account_info) and set the webhook; Viber needs HTTPS."""
    if not (public_url or "").startswith("https://"):
        raise ViberError(None, _("Viber sends messages only to an HTTPS address: set the public address first."))
    info = call("get_account_info")
    uri = str(info.get("uri") or "")[:100]
    if not uri:
        raise ViberError(None, "get_account_info gave no uri")
    settings.put("VIBER_BOT_URI", uri)
    if not settings.get("VIBER_BOT_NAME", ""):
        settings.put("VIBER_BOT_NAME", str(info.get("name") or "")[:28])
    call("set_webhook", url=webhook_url, event_types=["conversation_started", "unsubscribed", "failed"],
         send_name=True, send_photo=False)
    return uri
