"""Why a message was not sent: stored as a code, shown in the reader's language.

A reason used to be stored as text in the language of whoever caused the change (a customer's
Russian ended up in a Ukrainian staff log); rows from then are shown as they were stored.
"""
from flask_babel import lazy_gettext as _l

CHANNEL_OFF = "channel_off"
ORDER_GONE = "order_gone"
DAILY_CAP = "daily_cap"
INVALID_EMAIL = "invalid_email"
INVALID_PHONE = "invalid_phone"
DEMO_HISTORY = "demo_history"
#: "messenger, else SMS": a Telegram or Viber chat takes this message (sent after all if the chat fails)
MESSENGER_FIRST = "messenger_first"
#: the shop's key for signing web push messages is missing or cannot be decrypted (SECRET_KEY changed)
PUSH_NOT_SET_UP = "push_not_set_up"
#: a password reset asked for an address no active account has (or the account is deactivated)
NO_ACCOUNT = "no_account"
#: a password reset whose link would have expired before it was sent (the dispatcher was stopped)
LINK_EXPIRED = "link_expired"
#: the customer's personal data was erased (or anonymised by retention) while the message waited
DATA_ERASED = "data_erased"

LABELS = {
    CHANNEL_OFF: _l("The customer turned this channel off."),
    ORDER_GONE: _l("The order no longer exists."),
    DAILY_CAP: _l("The daily limit of messages for this customer was reached."),
    INVALID_EMAIL: _l("The e-mail address is not valid."),
    INVALID_PHONE: _l("The phone number is not valid."),
    DEMO_HISTORY: _l("Demo history: not announced."),
    MESSENGER_FIRST: _l("Sent by a messenger instead (the customer chose a messenger before SMS)."),
    PUSH_NOT_SET_UP: _l("Push notifications are not set up: the shop's signing key is missing."),
    NO_ACCOUNT: _l("No active account has this e-mail address."),
    LINK_EXPIRED: _l("The link would have expired before it was sent."),
    DATA_ERASED: _l("The customer's personal data was erased before it was sent."),
}


def label(reason):
    """The reader's words for a stored reason (a code, or the text of an older row)."""
    return str(LABELS[reason]) if reason in LABELS else (reason or "")
