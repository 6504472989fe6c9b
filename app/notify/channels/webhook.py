"""Webhooks to the shop's own systems, signed per Standard Webhooks.

Each event keeps its ``webhook-id`` across retries and replays; the timestamp and signature are
fresh per attempt. Redirects are not followed (a 3xx is a failure), ``410 Gone`` disables the
endpoint, and every connection goes through the outgoing-request guard (``app.outbound``):
private and loopback addresses are refused unless an admin allowed them for that endpoint.
"""
import base64
import json
import secrets
from datetime import datetime, timezone

import requests
from standardwebhooks.webhooks import Webhook

from app import settings
from app.notify.channels import Channel, DeliveryError, register
from app.notify.problems import problem
from app.outbound import RefusedAddress, admin_guard, refused_reason


def new_secret():
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def endpoint_secret(endpoint):
    return settings.decrypt(endpoint.secret_encrypted)


def sign(secret, event_id, body, when=None):
    """The Standard Webhooks headers for ``body`` (str) sent now."""
    when = when or datetime.now(timezone.utc)
    signature = Webhook(secret).sign(msg_id=event_id, timestamp=when, data=body)
    return {"webhook-id": event_id, "webhook-timestamp": str(int(when.timestamp())),
            "webhook-signature": signature}


@register
class WebhookChannel(Channel):
    name = "webhook"

    def __init__(self):
        self._sessions = {}  # one pinned session per guard (with or without the endpoint's allowance)

    def send(self, notification, message, context):
        endpoint = notification.endpoint
        if endpoint is None or not endpoint.enabled:
            raise DeliveryError(problem("endpoint_disabled"), retry=False)
        guard = admin_guard(allow_private=endpoint.allow_private)
        try:
            guard.check_url(endpoint.url)
        except RefusedAddress as error:
            raise DeliveryError(problem("address_refused", detail=error), retry=False)
        secret = endpoint_secret(endpoint)
        if not secret:
            raise DeliveryError(problem("endpoint_secret"), retry=False)
        body = notification.payload or "{}"
        headers = {"Content-Type": "application/json", "User-Agent": "Posylka-Webhooks/1"}
        headers.update(sign(secret, notification.event_id, body))
        timeout = settings.get_int("WEBHOOK_TIMEOUT_SECONDS", 12)
        try:
            session = self._sessions.get(guard) or self._sessions.setdefault(guard, guard.session())
            response = session.post(endpoint.url, data=body.encode("utf-8"), headers=headers,
                                          timeout=(min(timeout, 5), timeout), allow_redirects=False)
        except requests.Timeout:
            raise DeliveryError(problem("timeout", seconds=timeout))
        except requests.RequestException as error:
            reason = refused_reason(error)
            if reason:
                raise DeliveryError(problem("address_refused", detail=reason), retry=False)
            raise DeliveryError(problem("connection_failed", detail=error.__class__.__name__))
        code = response.status_code
        if 200 <= code < 300:
            return str(code)
        if code == 410:
            raise DeliveryError(problem("endpoint_gone"), retry=False, code=code, disable_endpoint=True)
        if 300 <= code < 400:
            raise DeliveryError(problem("redirected", status=code), code=code)
        raise DeliveryError(problem("http_status", status=code), code=code)

    def close(self):
        for session in self._sessions.values():
            session.close()
        self._sessions.clear()


def event_payload(event_type, event_id, order, *, status=None, previous_status=None, at=None):
    """The JSON body of an order event (small, stable field names); ``status`` defaults to the order's.

    ``data.occurred_at`` is the moment of the change to the microsecond: deliveries of one order may
    arrive out of order (one waits for a retry while the next goes through), and a receiver keeps the
    event whose ``occurred_at`` is the latest it has seen (``timestamp`` is to the second only)."""
    moment = at or datetime.now(timezone.utc).replace(tzinfo=None)
    return json.dumps({
        "type": event_type,
        "id": event_id,
        "timestamp": moment.replace(microsecond=0).isoformat() + "Z",
        "data": {
            "occurred_at": moment.isoformat(timespec="microseconds") + "Z",
            "order_number": order.number,
            "status": status or order.status,
            "previous_status": previous_status,
            "at_pickup_point": bool(order.at_pickup_point),
            "shipments": [{"carrier": s.carrier, "tracking_number": s.tracking_number} for s in order.shipments],
        },
    }, ensure_ascii=False, sort_keys=True)
