"""What went wrong with a carrier, kept as a code with its values and read in the reader's language.

The sync keeps each carrier's last error (``CarrierState.last_error``) and each run's errors
(``SyncRun.errors``, one a line). Both hold ``Problem``s written as small JSON objects,
``{"problem":"http_status","status":"503"}``, and ``describe`` turns one into a sentence in the
language of whoever reads it: the carriers page, the admins' alert. The carrier's own words and the
technical detail (an exception's name, what could not be read) are values, shown as they came.

Rows written before this held English sentences: they are shown as they were stored. Values are
kept as strings, so that blanking a parcel's number in the logs (``privacy.logs.scrub_parcel_numbers``
replaces it in the text) leaves the JSON readable.
"""
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import format_datetime

from app import stored_problems
from app.i18n import translations
from app.orders import statuses
from app.stored_problems import N_, encode, number, words

#: Every kind of carrier problem: its code (stored) and its sentence (the catalogues' msgid)
MESSAGES = {
    # a call to the carrier failed (``CarrierError.problem``; a carrier's last error)
    "timeout": N_("The carrier sent no answer within %(seconds)s s."),
    "http_status": N_("The carrier's server answered with an error (HTTP %(status)s)."),
    "rate_limited": N_("The carrier asks us to slow down (HTTP 429)."),
    "rate_limited_wait": N_("The carrier asks us to slow down (HTTP 429) and to wait %(seconds)s s."),
    "private": N_("The carrier's address is on this server or its private network, where Posylka sends nothing "
                  "unless OUTGOING_ALLOWED_HOSTS names it."),
    "dns": N_("The carrier's host name could not be found (DNS)."),
    "refused": N_("The carrier's server refused the connection."),
    "unreachable": N_("The carrier's server cannot be reached from this server (network)."),
    "tls": N_("The secure connection (TLS) to the carrier failed."),
    "connection_failed": N_("The connection to the carrier failed."),
    "credentials_refused": N_("The carrier refused the credentials: check the key, token or password."),
    "login_needed": N_("The carrier refused the token, and no username and password are set to log in again."),
    "bad_json": N_("The carrier's answer is not valid JSON (HTTP %(status)s)."),
    "unexpected_answer": N_("The carrier's answer is not in the form Posylka expects."),
    "adapter_failed": N_("Posylka could not handle the carrier's answer (a fault in Posylka: the server log has "
                         "the details)."),
    #: an adapter that raised ``CarrierError`` with words of its own
    "failed": N_("The call to the carrier failed."),
    # one parcel (a line of a run's errors)
    "parcel_unreadable": N_("Parcel %(number)s: the carrier's answer for it could not be read; nothing was changed."),
    "parcel_error": N_("Parcel %(number)s: the carrier reported an error: %(said)s"),
    "future_event": N_("Parcel %(number)s: the carrier's event %(event)s is dated in the future (%(time)s); it is "
                       "ignored until then."),
    "move_refused": N_("Parcel %(number)s: the carrier's event %(event)s would move the order from “%(current)s” "
                       "to “%(target)s”, which is not allowed; the order stays as it is."),
    # the run as a whole
    "not_found": N_("Not found at the carrier: %(numbers)s"),
    "not_found_more": N_("Not found at the carrier: %(numbers)s and %(more)s more"),
    "quota_reached": N_("The daily limit of calls to the carrier (%(quota)s) is reached; parcels left for "
                        "tomorrow: %(waiting)s."),
    "breaker_opened": N_("Failed calls in a row: %(failures)s. The circuit breaker pauses the carrier until %(time)s."),
    "breaker_paused": N_("Not asked: the circuit breaker pauses the carrier until %(time)s."),
    "concurrent_update": N_("Some events could not be stored (another update came at the same time); they will be "
                            "fetched again."),
    "sync_stopped": N_("The sync stopped on an unexpected error (the server log has the details)."),
}
#: Values that are a moment (naive UTC, ISO): shown in the shop's time zone
TIMES = {"time"}
#: Values that are numbers: written as the reader's language writes them
NUMBERS = {"seconds", "quota", "waiting", "failures", "more"}
#: Values that are order statuses: their names
STATUSES = {"current", "target"}
#: Free text from outside (the carrier's words, an exception's) is cut to this length
TEXT_LIMIT = 300


@dataclass
class Problem:
    code: str
    values: dict = field(default_factory=dict)

    def stored(self, limit=None):
        """The JSON kept in the database; with ``limit``, the longest values are cut to fit it."""
        return encode(self.code, self.values, limit)

    def sentence(self):
        """In the reader's language (the language in force: a request's, or ``force_locale``)."""
        values = {key: _shown(key, value) for key, value in self.values.items()}
        return words(MESSAGES.get(self.code, MESSAGES["failed"]), values, translations().ugettext)

    def __str__(self):
        """In English, untranslated (the log, an exception's message)."""
        values = {key: f"{value[:16].replace('T', ' ')} UTC" if key in TIMES else value
                  for key, value in self.values.items()}
        return words(MESSAGES.get(self.code, MESSAGES["failed"]), values)


def problem(code, **values):
    """A ``Problem``: its values as strings (None left out, a moment as ISO), free text cut short."""
    if code not in MESSAGES:
        raise ValueError(f"unknown carrier problem {code!r}")
    kept = {}
    for key, value in values.items():
        if value is None or value == "":
            continue
        text = value.isoformat(timespec="seconds") if isinstance(value, datetime) else str(value)
        kept[key] = text[:TEXT_LIMIT] if key in ("detail", "said") else text
    return Problem(code, kept)


def read(text):
    """The ``Problem`` a stored text holds, or None (an older row's English, or anything else)."""
    return stored_problems.read(text, MESSAGES, Problem)


def describe(text):
    """What a stored problem says, in the reader's language; an older row's text as it was stored."""
    return stored_problems.describe(text, MESSAGES, Problem)


def lines(text):
    """``describe`` for each line of a run's errors."""
    return [describe(line) for line in (text or "").splitlines() if line.strip()]


def in_english(text):
    """A run's errors as English lines, untranslated (the command line, the log); None for none."""
    shown = [str(read(line) or line) for line in (text or "").splitlines() if line.strip()]
    return "\n".join(shown) or None


def _shown(key, value):
    if key in TIMES:
        try:
            return format_datetime(datetime.fromisoformat(value), "short")
        except ValueError:
            return value
    if key in NUMBERS:
        return number(value)
    if key in STATUSES and value in statuses.ALL:
        return str(statuses.label(value))
    return value
