"""A local stand-in for the Telegram Bot API, answering in its documented format.

Shapes follow https://core.telegram.org/bots/api ("Making requests": every answer is a JSON
object with ``ok``; on failure ``error_code``, ``description`` and optional ``parameters`` such as
``retry_after``). The error descriptions are the literal ones Telegram sends, as reported in
public bug trackers (e.g. botman/driver-telegram#89: 403 "Forbidden: bot was blocked by the
user", 400 "Bad Request: chat not found"; 429 "Too Many Requests: retry after N" with
``parameters.retry_after``).
"""
import json
import threading

from werkzeug import Response

TOKEN = "7012345678:AAH-test-token_for-the-local-bot"
USERNAME = "posylka_shop_bot"

BLOCKED = (403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"})
CHAT_NOT_FOUND = (400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"})


def too_many(retry_after):
    return 429, {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {retry_after}",
                 "parameters": {"retry_after": retry_after}}


def private_message(update_id, chat_id, text, language="uk"):
    """An update as Telegram delivers a private chat's text message."""
    return {"update_id": update_id, "message": {
        "message_id": update_id % 1000, "date": 1765000000,
        "from": {"id": chat_id, "is_bot": False, "first_name": "Олена", "language_code": language},
        "chat": {"id": chat_id, "first_name": "Олена", "type": "private"}, "text": text,
        "entities": [{"offset": 0, "length": len(text.split(" ")[0]), "type": "bot_command"}]
        if text.startswith("/") else []}}


class FakeTelegram:
    """Serves ``/bot<TOKEN>/<method>`` on a pytest-httpserver; records every call's JSON body."""

    def __init__(self, httpserver):
        self.server = httpserver
        self.calls = []
        self.updates = []  # what getUpdates answers (all of them, whatever the offset: replays happen)
        self.failures = {}  # method → [(status, body), ...] answered before succeeding
        self.lock = threading.Lock()
        self.message_id = 100
        httpserver.expect_request(f"/bot{TOKEN}/getMe").respond_with_handler(self.handle)
        for method in ("sendMessage", "getUpdates", "setWebhook", "deleteWebhook"):
            httpserver.expect_request(f"/bot{TOKEN}/{method}", method="POST").respond_with_handler(self.handle)

    @property
    def url(self):
        return self.server.url_for("/").rstrip("/")

    def sent(self, method="sendMessage"):
        with self.lock:
            return [body for name, body in self.calls if name == method]

    def fail_next(self, method, *answers):
        self.failures.setdefault(method, []).extend(answers)

    def handle(self, request):
        method = request.path.rsplit("/", 1)[1]
        body = request.get_json(silent=True) or {}
        with self.lock:
            self.calls.append((method, body))
            queued = self.failures.get(method)
            if queued:
                status, answer = queued.pop(0)
                return Response(json.dumps(answer), status=status, content_type="application/json")
            if method == "getMe":
                result = {"id": 7012345678, "is_bot": True, "first_name": "Posylka", "username": USERNAME,
                          "can_join_groups": False}
            elif method == "getUpdates":
                result = list(self.updates)
            elif method == "sendMessage":
                self.message_id += 1
                result = {"message_id": self.message_id, "date": 1765000001,
                          "chat": {"id": body.get("chat_id"), "type": "private"}, "text": body.get("text")}
            else:
                result = True
        return Response(json.dumps({"ok": True, "result": result}), content_type="application/json")


# ---- Viber -------------------------------------------------------------------------------------
# The REST bot API answers HTTP 200 with {"status": 0, "status_message": "ok", ...} or a status from
# its documented list (6 receiverNotSubscribed, 12 tooManyRequests, ...); callbacks are signed with
# X-Viber-Content-Signature (hex HMAC-SHA256 of the body under the token). The callback shapes follow
# the official Python library's tests (Viber/viber-bot-python, tests/api/viber_requests/).

VIBER_TOKEN = "4453b6ac12345678-e02c5f12174805f9-daec9cbb5448c51f"
VIBER_URI = "posylkashop"

NOT_SUBSCRIBED = {"status": 6, "status_message": "receiverNotSubscribed"}
VIBER_TOO_MANY = {"status": 12, "status_message": "tooManyRequests"}


def viber_event(event, token, timestamp, **fields):
    return dict({"event": event, "timestamp": timestamp, "message_token": token}, **fields)


def viber_user(user_id, language="uk"):
    return {"id": user_id, "name": "Олена", "avatar": "https://media.example/a.jpg", "country": "UA",
            "language": language, "api_version": 10}


class FakeViber:
    def __init__(self, httpserver):
        self.server = httpserver
        self.calls = []
        self.failures = []
        self.lock = threading.Lock()
        self.token = 5741311803571721087
        for method in ("send_message", "get_account_info", "set_webhook"):
            httpserver.expect_request(f"/pa/{method}", method="POST").respond_with_handler(self.handle)

    @property
    def url(self):
        return self.server.url_for("/pa")

    def sent(self, method="send_message"):
        with self.lock:
            return [body for name, body in self.calls if name == method]

    def handle(self, request):
        method = request.path.rsplit("/", 1)[1]
        if request.headers.get("X-Viber-Auth-Token") != VIBER_TOKEN:
            answer = {"status": 2, "status_message": "invalidAuthToken"}
            return Response(json.dumps(answer), content_type="application/json")
        with self.lock:
            self.calls.append((method, request.get_json(silent=True)))
            if method == "send_message" and self.failures:
                answer = self.failures.pop(0)
            elif method == "get_account_info":
                answer = {"status": 0, "status_message": "ok", "id": "pa:75346594275468546724",
                          "name": "Posylka Shop", "uri": VIBER_URI, "subscribers_count": 3}
            elif method == "send_message":
                self.token += 1
                answer = {"status": 0, "status_message": "ok", "message_token": self.token}
            else:
                answer = {"status": 0, "status_message": "ok",
                          "event_types": ["delivered", "seen", "failed", "subscribed", "unsubscribed",
                                          "conversation_started"]}
        return Response(json.dumps(answer), content_type="application/json")
