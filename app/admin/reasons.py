"""Common return reasons offered to staff; the chosen code is kept on the history row."""
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from app.i18n import LANGUAGE_NAMES

RETURN_REASONS = {
    "wrong_size": _l("Wrong size"),
    "changed_mind": _l("Changed their mind"),
    "defect": _l("Defect"),
    "refused_at_pickup": _l("Refused at pickup"),
    "other": _l("Other reason"),
}
#: Shown in analytics for returns recorded without a code (by a carrier, the API or an import).
NO_REASON = _l("Not given")


def reason_label(code):
    return RETURN_REASONS.get(code, NO_REASON) if code else NO_REASON


def note_for_reader(note, code):
    """A history row's note in the reader's language. A staff return's note begins with the chosen
    reason, written in the shop's language when it was saved (``admin.status.compose_note``: "label"
    or "label. their words"): that label is told in the reader's language, their words stay as written.
    Any other note is returned as it is."""
    note = note or ""
    if code not in RETURN_REASONS or code == "other" or not note:
        return note
    for language in LANGUAGE_NAMES:
        with force_locale(language):
            written = str(RETURN_REASONS[code])
        if note == written or note.startswith(written + ". "):
            words = note[len(written) + 2:]
            label = str(RETURN_REASONS[code])
            return f"{label}. {words}" if words else label
    return note  # a carrier's or an import's words
