"""Web Push with VAPID (pywebpush). Keys are generated into the settings on first use."""
import base64
import hmac
import json

from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush

from app import settings
from app.extensions import db
from app.notify import skips
from app.notify.channels import Channel, DeliveryError, register
from app.notify.models import PushSubscription
from app.notify.problems import problem
from app.outbound import Guard, RefusedAddress, refused_reason


def vapid_public_key():
    """The application server key (base64url, uncompressed P-256 point); creates the pair once."""
    public = settings.get("VAPID_PUBLIC_KEY")
    if public and settings.get("VAPID_PRIVATE_KEY"):
        return public
    vapid = Vapid02()
    vapid.generate_keys()
    raw = vapid.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    public = base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
    settings.put("VAPID_PRIVATE_KEY", vapid.private_pem().decode("ascii"), secret=True)
    settings.put("VAPID_PUBLIC_KEY", public)
    db.session.flush()
    return public


class EndpointTaken(Exception):
    """The endpoint is another customer's, and the keys sent with it are not that browser's."""


def subscribe(customer, endpoint, p256dh, auth):
    """Store (or move to ``customer``) a browser subscription; returns it.

    An endpoint is a long secret URL, but not secret enough to hand over a subscription: it is in
    its owner's data export. So another account takes it over only when it also sends the
    subscription's keys (the ``auth`` secret never leaves the browser and this database) — as the
    same browser does when a second person signs in on it. Else ``EndpointTaken``, nothing changed.
    """
    row = db.session.execute(db.select(PushSubscription).filter_by(endpoint=endpoint)).scalar_one_or_none()
    if row is None:
        row = PushSubscription(customer_id=customer.id, endpoint=endpoint, p256dh=p256dh, auth=auth)
        db.session.add(row)
        return row
    same_keys = (hmac.compare_digest(row.auth.encode(), auth.encode())
                 and hmac.compare_digest(row.p256dh.encode(), p256dh.encode()))
    if row.customer_id != customer.id and not same_keys:
        raise EndpointTaken()
    row.customer_id, row.p256dh, row.auth = customer.id, p256dh, auth
    return row


@register
class PushChannel(Channel):
    name = "push"
    quiet_hours = True

    def prefetch(self, customers):
        known = self.__dict__.setdefault("_endpoints", {})
        ids = [c.id for c in customers if c.id not in known]
        if not ids:
            return
        known.update((customer_id, []) for customer_id in ids)
        for customer_id, endpoint in db.session.execute(
                db.select(PushSubscription.customer_id, PushSubscription.endpoint)
                .where(PushSubscription.customer_id.in_(ids)).order_by(PushSubscription.id)):
            known[customer_id].append(endpoint)

    def recipients(self, customer, order):
        self.prefetch([customer])
        # The shop's signing key never made, or encrypted under another SECRET_KEY: no push can be
        # signed until it is set up again, so each is skipped with the reason (trying later cannot help)
        reason = None if self.setting("VAPID_PRIVATE_KEY") else skips.PUSH_NOT_SET_UP
        return [(endpoint, reason) for endpoint in self._endpoints[customer.id]]

    def send(self, notification, message, context):
        sub = db.session.execute(db.select(PushSubscription).filter_by(endpoint=notification.recipient)
                                 ).scalar_one_or_none()
        if sub is None:
            raise DeliveryError(problem("push_gone"), retry=False)
        # a browser (anyone) chose this URL: public addresses only, pinned, no redirects
        guard = Guard(allow_private=settings.get_bool("PUSH_ALLOW_PRIVATE"))
        try:
            guard.check_url(sub.endpoint)
        except RefusedAddress as error:
            raise DeliveryError(problem("address_refused", detail=error), retry=False)
        pem = settings.get("VAPID_PRIVATE_KEY")
        if not pem:  # lost after the message was queued (the outbox skips those queued later)
            raise DeliveryError(problem("push_not_set_up"), retry=False)
        key = Vapid02.from_pem(pem.encode("ascii"))  # before the send: its errors are not the push service's
        data = json.dumps({"title": message.subject or "", "body": message.body,
                           "url": context.get("tracking_link") or "/", "tag": context.get("order_number")},
                          ensure_ascii=False)
        try:
            response = webpush({"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}},
                               data=data, vapid_private_key=key,
                               vapid_claims={"sub": settings.get("VAPID_SUBJECT", "mailto:admin@localhost")},
                               timeout=settings.get_int("PUSH_TIMEOUT_SECONDS", 15), ttl=86400,
                               requests_session=guard.session())
        except WebPushException as error:
            status = getattr(error.response, "status_code", None)
            if status in (404, 410):
                db.session.delete(sub)  # the browser dropped the subscription
                raise DeliveryError(problem("push_gone", detail=f"HTTP {status}"), retry=False, code=status)
            failed = problem("push_error", status=status) if status else problem("push_unreachable")
            raise DeliveryError(failed, code=status, retry=status is None or status >= 500 or status == 429)
        except Exception as error:  # network errors from requests
            reason = refused_reason(error)
            if reason:
                raise DeliveryError(problem("address_refused", detail=reason), retry=False)
            raise DeliveryError(problem("push_unreachable", detail=error.__class__.__name__))
        return response.headers.get("Location") if hasattr(response, "headers") else None
