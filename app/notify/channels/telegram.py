"""Telegram: the shop's own bot sends status messages, the tracking link as a button.

Bot API (https://core.telegram.org/bots/api): ``POST {TELEGRAM_API_URL}/bot<token>/<method>``
with a JSON body; every answer is ``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code":
403, "description": "Forbidden: bot was blocked by the user"}``, with ``"parameters":
{"retry_after": 34}`` on 429. The sends are synchronous, like the outbox; the async client
libraries would not fit it, so the few calls are kept here.

Updates (the customer's ``/start <token>``, ``/status``, ``/stop``) arrive by long polling from
the scheduler (``poll_updates``; works behind NAT), or, once the admin connected the bot while
``PUBLIC_URL`` is HTTPS, by webhook with the secret token Telegram echoes in
``X-Telegram-Bot-Api-Secret-Token`` (``handle_webhook``).
"""
import hmac
import json
import logging
import secrets

from app import settings
from app.extensions import db
from app.notify import messengers
from app.notify.channels import DeliveryError, register
from app.notify.models import MessengerUpdate
from app.notify.problems import problem

log = logging.getLogger(__name__)

NAME = "telegram"
MAX_TEXT = 4096
#: Telegram's update ids are kept zero-padded, so the largest string is the largest id.
ID_WIDTH = 20


class TelegramError(Exception):
    def __init__(self, code, description, retry_after=None):
        super().__init__(f"Telegram {code}: {description}" if code else f"Telegram: {description}")
        self.code, self.description, self.retry_after = code, description, retry_after


def call(method, *, http_timeout=None, token=None, **params):
    """One Bot API method; its ``result``, or TelegramError (never with the token in the text)."""
    token = token or settings.get("TELEGRAM_BOT_TOKEN", "")
    if not token:
        raise TelegramError(None, "no bot token is set")
    base = (settings.get("TELEGRAM_API_URL", "") or "https://api.telegram.org").rstrip("/")
    http_timeout = http_timeout or settings.get_int("TELEGRAM_TIMEOUT_SECONDS", 15)
    response, data = messengers.bot_api(f"{base}/bot{token}/{method}", params, timeout=http_timeout,
                                        error=TelegramError)
    if not isinstance(data, dict) or not isinstance(data.get("ok"), bool):
        raise TelegramError(response.status_code, "the answer is not Bot API JSON")
    if data["ok"]:
        return data.get("result")
    parameters = data.get("parameters") if isinstance(data.get("parameters"), dict) else {}
    retry_after = parameters.get("retry_after")
    code = data.get("error_code") if isinstance(data.get("error_code"), int) else response.status_code
    raise TelegramError(code, str(data.get("description") or "")[:300],
                        retry_after if isinstance(retry_after, int) and retry_after >= 0 else None)


def deep_link(token):
    username = settings.get("TELEGRAM_BOT_USERNAME", "")
    return f"https://t.me/{username}?start={token}" if username else None


def message_body(chat_id, text, link=None, button=None):
    """sendMessage's body: plain text, and the link as a URL button when Telegram can open it."""
    body = {"chat_id": chat_id, "text": text[:MAX_TEXT], "link_preview_options": {"is_disabled": True}}
    if link and link.startswith("https://"):
        body["reply_markup"] = {"inline_keyboard": [[{"text": button or link, "url": link}]]}
    elif link:  # Telegram refuses buttons to addresses it cannot reach (http, localhost): keep the link in the text
        body["text"] = f"{text}\n{link}"[:MAX_TEXT]
    return body


@register
class TelegramChannel(messengers.MessengerChannel):
    name = NAME
    token_setting = "TELEGRAM_BOT_TOKEN"

    def send(self, notification, message, context):
        body = message_body(notification.recipient, message.body, context.get("tracking_link"),
                            self.button_label(context))
        try:
            result = call("sendMessage", **body)
        except TelegramError as error:
            raise delivery_error(error)
        return str((result or {}).get("message_id", "")) if isinstance(result, dict) else None


def delivery_error(error):
    """How the outbox treats a Bot API error: 429 waits retry_after; a blocked bot or an unknown chat stops."""
    said = problem("gateway_said", gateway="Telegram", said=f"{error.code or ''} {error.description}".strip())
    if error.code == 429:
        return DeliveryError(said, code=429, retry_after=error.retry_after)
    if error.code == 403 or (error.code == 400 and "chat not found" in (error.description or "").lower()):
        return DeliveryError(said, code=error.code, retry=False, disable_endpoint=True)
    if error.code in (400, 401, 404):
        return DeliveryError(said, code=error.code, retry=False)
    return DeliveryError(said, code=error.code)


# ---- updates ---------------------------------------------------------------------------------

def handle_update(update):
    """Act on one update; (chat id, reply text) to send, or None. The caller commits, then replies."""
    if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
        messengers.refuse(NAME, "malformed update")
        return None
    if not messengers.first_time(NAME, f"{update['update_id']:0{ID_WIDTH}d}"):
        return None  # a replay: handled already
    message = update.get("message")
    if not isinstance(message, dict):
        return None  # edits, channel posts and the like: nothing to do
    chat = message.get("chat") if isinstance(message.get("chat"), dict) else {}
    if chat.get("type") != "private" or not isinstance(chat.get("id"), int):
        return None
    command, argument = messengers.parse_command(message.get("text") if isinstance(message.get("text"), str) else "")
    sender = message.get("from") if isinstance(message.get("from"), dict) else {}
    reply = messengers.answer(NAME, chat["id"], command, argument, language_hint=sender.get("language_code"))
    return (chat["id"], reply) if reply else None


def webhook_active():
    return bool(settings.get("TELEGRAM_WEBHOOK_SECRET", ""))


def poll_updates(timeout=None):
    """Fetch the waiting updates once (long polling) and answer them; returns how many were handled.

    No transaction is open while Telegram holds the request; each update is committed before
    its reply is sent, so a crash replays at most a reply (the update itself is never redone).
    """
    if not settings.get("TELEGRAM_BOT_TOKEN", "") or webhook_active():
        return 0
    last = db.session.execute(db.select(db.func.max(MessengerUpdate.update_id)).where(
        MessengerUpdate.channel == NAME)).scalar_one_or_none()
    db.session.commit()
    timeout = settings.get_int("TELEGRAM_POLL_SECONDS", 20) if timeout is None else timeout
    params = {"timeout": timeout, "allowed_updates": ["message"]}
    if last:
        params["offset"] = int(last) + 1
    try:
        updates = call("getUpdates", http_timeout=timeout + 10, **params)
    except TelegramError as error:
        log.warning("telegram: getUpdates failed: %s", error)
        return 0
    handled = 0
    for update in updates if isinstance(updates, list) else []:
        reply = handle_update(update)
        db.session.commit()
        handled += 1
        if reply:
            try:
                call("sendMessage", chat_id=reply[0], text=reply[1][:MAX_TEXT])
            except TelegramError as error:
                log.warning("telegram: the reply to a command was not sent: %s", error)
    return handled


def poll_job(app):
    """The scheduler job: one long poll (it returns at once when the bot is off or uses a webhook)."""
    poll_updates()


def handle_webhook(headers, body):
    """(HTTP status, JSON answer) for a webhook request; a reply rides on the answer (Bot API allows it)."""
    secret = settings.get("TELEGRAM_WEBHOOK_SECRET", "")
    given = headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not secret or not given or not hmac.compare_digest(secret.encode(), given.encode("utf-8", "replace")):
        return messengers.refused_webhook(NAME, "webhook secret token missing or wrong", 401, {"ok": False})
    try:
        update = json.loads(body)
    except ValueError:
        return messengers.refused_webhook(NAME, "webhook body is not JSON", 400, {"ok": False})
    reply = handle_update(update)
    db.session.commit()
    if reply:
        return 200, {"method": "sendMessage", "chat_id": reply[0], "text": reply[1][:MAX_TEXT]}
    return 200, {}


def connect(public_url, webhook_url):
    """Check the token (getMe) and choose how updates arrive: webhook over HTTPS, else long polling.

    Returns the bot's @username; raises TelegramError. The caller stores nothing else and commits.
    """
    me = call("getMe")
    username = str((me or {}).get("username") or "")[:64] if isinstance(me, dict) else ""
    if not username:
        raise TelegramError(None, "getMe gave no username")
    settings.put("TELEGRAM_BOT_USERNAME", username)
    if (public_url or "").startswith("https://"):
        secret = secrets.token_urlsafe(32)
        call("setWebhook", url=webhook_url, secret_token=secret, allowed_updates=["message"])
        settings.put("TELEGRAM_WEBHOOK_SECRET", secret, secret=True)
    else:
        call("deleteWebhook")
        settings.put("TELEGRAM_WEBHOOK_SECRET", None)
    return f"@{username}"
