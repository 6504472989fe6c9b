from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


class SelfEraseForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(message=_l("Enter your password.")),
                                                              Length(max=1024)])
    confirm = BooleanField(_l("I understand that my account and personal data will be erased for good"),
                           validators=[DataRequired(message=_l("Tick the box to confirm."))])


class AdminEraseForm(FlaskForm):
    confirm = BooleanField(_l("The customer asked for erasure and I have checked who they are"),
                           validators=[DataRequired(message=_l("Tick the box to confirm."))])


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("E-mail, phone or name"), validators=[Length(max=254)])
