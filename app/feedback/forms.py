from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.feedback.services import RATINGS


class FeedbackForm(FlaskForm):
    rating = RadioField(_l("How did the delivery go? (1 — badly, 5 — very well)"), coerce=int,
                        choices=[(n, str(n)) for n in RATINGS],
                        validators=[InputRequired(_l("Choose a rating from 1 to 5."))])
    comment = TextAreaField(_l("Anything to add? (optional)"), validators=[Optional(), Length(max=2000)])
