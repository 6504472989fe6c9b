"""Common return reasons offered to staff; the chosen code is kept on the history row."""
from flask_babel import lazy_gettext as _l

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
