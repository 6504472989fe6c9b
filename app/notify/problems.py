"""Why a message could not be delivered, kept as a code with its values and read in the reader's language.

A failed message keeps its last error (``Notification.last_error``) and each attempt its own
(``DeliveryAttempt.error``). Both hold a ``Problem`` written as a small JSON object
(``app.stored_problems``), ``{"problem":"gateway_http","gateway":"TurboSMS","status":"503"}``, and
``describe`` turns it into a sentence in the language of whoever reads the delivery log. The
provider's own words and the technical detail (an exception's text) are values, shown as they came;
``str(problem)`` is the English for the server log. Rows written before this held English
sentences: they are shown as they were stored.
"""
from dataclasses import dataclass, field

from app import stored_problems
from app.i18n import translations
from app.stored_problems import N_, encode, number, words

#: Every kind of delivery problem: its code (stored) and its sentence (the catalogues' msgid)
MESSAGES = {
    # e-mail
    "smtp_refused": N_("The mail server refused the connection."),
    "smtp_lost": N_("The connection to the mail server was lost."),
    "smtp_host_refused": N_("Posylka does not connect to the mail server's address."),
    "recipient_refused": N_("The mail server refused the recipient's address."),
    "smtp_code": N_("The mail server answered with error %(code)s."),
    "auth_failed": N_("The mail server refused the user name or password."),
    # any channel
    "timeout": N_("No answer came within %(seconds)s s."),
    "address_refused": N_("Posylka does not send to this address."),
    # a provider's HTTP API (an SMS gateway, Telegram, Viber, a webhook)
    "gateway_http": N_("%(gateway)s answered with an error (HTTP %(status)s)."),
    "gateway_unreachable": N_("%(gateway)s cannot be reached from this server."),
    "gateway_said": N_("%(gateway)s did not accept the message: %(said)s"),
    # a webhook
    "endpoint_disabled": N_("The webhook endpoint is disabled."),
    "endpoint_secret": N_("The webhook endpoint's secret cannot be read."),
    "endpoint_gone": N_("The webhook endpoint answered HTTP 410 Gone, so it was disabled."),
    "http_status": N_("The receiver answered with an error (HTTP %(status)s)."),
    "redirected": N_("The receiver answered with a redirect (HTTP %(status)s), which Posylka does not follow."),
    "connection_failed": N_("The connection to the receiver failed."),
    # push
    "push_gone": N_("The browser is no longer subscribed to notifications."),
    "push_error": N_("The push service answered with an error (HTTP %(status)s)."),
    "push_unreachable": N_("The push service cannot be reached from this server."),
    #: the key lost after the message was queued (the same words as the skip reason, ``skips``)
    "push_not_set_up": N_("Push notifications are not set up: the shop's signing key is missing."),
    # the channel itself
    "no_gateway": N_("No SMS gateway is configured."),
    "cannot_send": N_("This channel cannot send messages."),
    "not_composed": N_("The message could not be composed."),
    #: anything else (an unexpected error): its text is the detail
    "failed": N_("The message could not be sent."),
}
#: Values that are numbers: written as the reader's language writes them
NUMBERS = {"seconds"}
#: Free text from outside (a provider's words, an exception's) is cut to this length
TEXT_LIMIT = 500


@dataclass
class Problem:
    code: str
    values: dict = field(default_factory=dict)

    def stored(self):
        """The JSON kept in the database."""
        return encode(self.code, self.values)

    def sentence(self):
        """In the reader's language (the language in force: a request's, or ``force_locale``)."""
        values = {key: _shown(key, value) for key, value in self.values.items()}
        return words(MESSAGES.get(self.code, MESSAGES["failed"]), values, translations().ugettext)

    def __str__(self):
        """In English, untranslated (the log, an exception's message)."""
        return words(MESSAGES.get(self.code, MESSAGES["failed"]), self.values)


def problem(code, /, **values):
    """A ``Problem``: its values as strings (None and blanks left out), free text cut short."""
    if code not in MESSAGES:
        raise ValueError(f"unknown delivery problem {code!r}")
    return Problem(code, {key: str(value)[:TEXT_LIMIT] for key, value in values.items()
                          if value is not None and value != ""})


def read(text):
    """The ``Problem`` a stored text holds, or None (an older row's English, or anything else)."""
    return stored_problems.read(text, MESSAGES, Problem)


def describe(text):
    """What a stored problem says, in the reader's language; an older row's text as it was stored."""
    return stored_problems.describe(text, MESSAGES, Problem)


def _shown(key, value):
    return number(value) if key in NUMBERS else value
