"""What went wrong, kept as a code with its values in a text column and put into words when read.

Carrier problems (``app.carriers.problems``) and delivery problems (``app.notify.problems``) are
stored alike: a small JSON object, ``{"problem":"http_status","status":"503"}``, whose sentence each
domain keeps in its own table of messages. A text that is not such an object (a row written before,
in English) reads as None, and is shown as it was stored.
"""
import json

from flask_babel import format_decimal


def N_(message):
    """Marks an English sentence for the catalogues (``pybabel extract`` knows ``N_``); it is
    translated when shown, and is itself the English of the problem's ``str``."""
    return message


#: A problem with its technical detail (``detail``: kept as it came, in no particular language)
WITH_DETAIL = N_("%(problem)s Details: %(detail)s")
_MARK = '{"problem":'


class Values(dict):
    def __missing__(self, key):
        return "…"  # a value a sentence names but the row lacks (a row written by another version)


def words(message, values, gettext=None):
    """``message`` with its ``values``, and the detail after it unless the message names it itself;
    translated with ``gettext`` (else English)."""
    gettext = gettext or N_
    values = Values(values)
    text = gettext(message) % values
    if "detail" in values and "%(detail)" not in message:
        text = gettext(WITH_DETAIL) % {"problem": text, "detail": values["detail"]}
    return text


def number(value):
    """A number kept as a string, written as the reader's language writes numbers."""
    try:
        return format_decimal(float(value) if "." in value else int(value))
    except ValueError:
        return value


def encode(code, values, limit=None):
    """The JSON kept in the database; with ``limit``, the longest values are cut to fit it."""
    values = dict(values)
    text = _json(code, values)
    for _ in range(len(values)):
        if not limit or len(text) <= limit:
            break
        key = max(values, key=lambda k: len(values[k]))
        # JSON may spell a character in more than one (an escaped quote): cut by the text's excess
        values[key] = values[key][:max(0, len(values[key]) - (len(text) - limit) - 1)] + "…"
        text = _json(code, values)
    return text


def decode(text, codes):
    """(code, values) of a stored problem whose code is one of ``codes``; None for anything else."""
    if not text or not text.startswith(_MARK):
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("problem") not in codes:
        return None
    code = data.pop("problem")
    return code, {str(k): str(v) for k, v in data.items()}


def read(text, codes, make):
    """``make(code, values)`` of a stored problem whose code is one of ``codes``; None for anything else."""
    found = decode(text, codes)
    return make(*found) if found else None


def describe(text, codes, make):
    """What a stored problem says, in the reader's language; any other text as it was stored."""
    found = read(text, codes, make)
    return found.sentence() if found is not None else (text or "")


def _json(code, values):
    return json.dumps({"problem": code, **values}, ensure_ascii=False, separators=(",", ":"))
