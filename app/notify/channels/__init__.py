"""Notification channels: one interface, a registry, one module per channel.

A channel knows its customers' addresses (and why one is unusable), whether it is configured,
and how to send one rendered message. ``send`` raises ``DeliveryError`` on failure; the
dispatcher decides about retries. Channels may keep a connection open between messages of one
dispatcher run (``close`` ends it).
"""
from flask_babel import lazy_gettext as _l

from app.notify import problems
from app.notify.rules import after_quiet_hours


class DeliveryError(Exception):
    """A failed send. ``retry`` False means trying again cannot help.

    ``problem`` (``app.notify.problems``) is what the delivery log shows, in its reader's language;
    a plain text (a provider's error, in its words) is kept as the detail of a message that "could not
    be sent". ``str()`` is English (or the plain text), for the server log.
    """

    def __init__(self, problem, *, retry=True, code=None, disable_endpoint=False, retry_after=None):
        super().__init__(str(problem))
        self.problem = problem if isinstance(problem, problems.Problem) else problems.problem("failed", detail=problem)
        self.retry = retry
        self.code = code
        #: The recipient is gone for good (a webhook answering 410, a chat that blocked the bot)
        self.disable_endpoint = disable_endpoint
        #: Seconds the provider asked us to wait (a 429's retry_after), at least
        self.retry_after = retry_after


class Channel:
    name = ""
    #: Channels that wait for the end of the quiet hours.
    quiet_hours = False

    def earliest(self, at):
        """When a message due ``at`` may go out: after the quiet hours for a channel that keeps them."""
        return after_quiet_hours(at) if self.quiet_hours else at

    def setting(self, key, default=None):
        """An admin setting (or config value), read once per dispatcher run."""
        cache = self.__dict__.setdefault("_settings", {})
        if key not in cache:
            from app import settings

            cache[key] = settings.get(key, default)
        return cache[key]

    def configured(self):
        return True

    def wants(self, kind):
        """Whether a message of this kind (a status code or "reminder") goes out on this channel."""
        return True

    def prefetch(self, customers):
        """Read what ``recipients`` needs for all of ``customers`` at once (before a batch)."""

    def recipients(self, customer, order):
        """[(address, skip reason code (``app.notify.skips``) or None)] for ``customer``; [] when there is
        no address at all."""
        return []

    def send(self, notification, message, context):
        """Deliver; return the provider's message id (or None). Raise DeliveryError on failure."""
        raise DeliveryError(problems.problem("cannot_send"), retry=False)

    def close(self):
        """End any connection kept open during a dispatcher run."""

    def recipient_gone(self, job, reason):
        """The provider said the recipient of ``job`` can never be reached (``DeliveryError.disable_endpoint``)."""


REGISTRY = {}

LABELS = {
    "inapp": _l("In the account"),
    "email": _l("E-mail"),
    "sms": _l("SMS"),
    "push": _l("Push notification"),
    "webhook": _l("Webhook"),
    "telegram": _l("Telegram"),
    "viber": _l("Viber"),
    "platform": _l("Shop platform"),
}


def register(cls):
    REGISTRY[cls.name] = cls
    return cls


def get(name):
    """A fresh instance of the channel called ``name``."""
    names()  # fills the registry
    return REGISTRY[name]()


def names():
    from app.notify.channels import email, platform, push, sms, telegram, viber, webhook  # noqa: F401  (fills the registry)

    return tuple(REGISTRY)
