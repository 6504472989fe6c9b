from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


class SelfEraseForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(message=_l("Enter your password.")),
                                                              Length(max=1024)])
    confirm = BooleanField(_l("I understand that my account and personal data will be erased for good"),
                           validators=[DataRequired(message=_l("Tick the box to confirm."))])


class DetailsForm(FlaskForm):
    """The customer's own name and phone (GDPR Art. 16). The fields only: ``subject.correct_details``
    checks them (the phone by the orders' rule), so no second rule lives here."""
    name = StringField(lazy_pgettext("person", "Name"))
    phone = StringField(_l("Phone"))

    @classmethod
    def of(cls, customer):
        return cls(data={"name": customer.name, "phone": customer.phone} if customer else None)


class AdminEraseForm(FlaskForm):
    confirm = BooleanField(_l("The customer asked for erasure and I have checked who they are"),
                           validators=[DataRequired(message=_l("Tick the box to confirm."))])


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("E-mail, phone or name"), validators=[Length(max=254)])
