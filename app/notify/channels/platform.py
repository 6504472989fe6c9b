"""The shop's platform (Shopify, WooCommerce, Magento, PrestaShop) hears our status changes.

The outbox row keeps the platform, its order id and the mapped status (``integrations.push``); this
channel only sends it, so a failed call is retried and a sent one can be replayed like any message.
"""
import json

from app.notify.channels import Channel, DeliveryError, register


@register
class PlatformChannel(Channel):
    name = "platform"

    def send(self, notification, message, context):
        from app.integrations.http import PlatformError
        from app.integrations.push import PUSHERS

        try:
            data = json.loads(message.body)
            pusher = PUSHERS[data["platform"]]
        except (ValueError, KeyError, TypeError):
            raise DeliveryError("the stored event is not a platform status", retry=False)
        if not data.get("platform_status"):
            raise DeliveryError("no platform status is mapped for this status", retry=False)
        try:
            return pusher(data, context.get("tracking_link"))
        except PlatformError as error:
            raise DeliveryError(str(error), retry=error.retry, code=error.code)
