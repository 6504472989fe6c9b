from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from app.admin.forms import whole_number_field
from app.settings import ShownSettings


def _days(label, low=0):
    return whole_number_field(label, low, 365, required=True)


class ThresholdsForm(ShownSettings, FlaskForm):
    """The Attention rules' thresholds, in days (stored as settings)."""

    ATTENTION_HANDOVER_DAYS = _days(_l("Not handed over after (days)"), 1)
    ATTENTION_NO_SCAN_DAYS = _days(_l("No carrier scan for (days)"), 1)
    ATTENTION_LATE_DAYS = _days(_l("Days past the expected date"))
    PICKUP_STORAGE_DAYS = _days(_l("A pickup point keeps a parcel for (days)"), 1)
    ATTENTION_PICKUP_DAYS_LEFT = _days(_l("Warn this many days before the storage time ends"))
    ATTENTION_RETURN_DAYS = _days(_l("List refused and returned parcels for (days)"), 1)
    ATTENTION_FEEDBACK_DAYS = _days(_l("List low ratings from customers for (days)"), 1)
