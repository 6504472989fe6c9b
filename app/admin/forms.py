from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length


class StatusForm(FlaskForm):
    status = SelectField(_l("New status"), validators=[DataRequired()])
    note = TextAreaField(_l("Note or reason"), validators=[Length(max=2000)])
    version = HiddenField()
