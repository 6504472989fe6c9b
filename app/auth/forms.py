from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length


def _email_field():
    return EmailField(_l("E-mail"), validators=[DataRequired(message=_l("Enter your e-mail.")),
                                                Email(message=_l("Enter a valid e-mail address.")),
                                                Length(max=254)])


class LoginForm(FlaskForm):
    email = _email_field()
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Enter your password.")),
                                                         Length(max=1024)])
    remember = BooleanField(_l("Keep me logged in on this device"))


class ForgotPasswordForm(FlaskForm):
    email = _email_field()


class NewPasswordForm(FlaskForm):
    """A new password, twice: setting one from a reset link, and (with the current one) changing it."""

    new = PasswordField(_l("New password"), validators=[DataRequired(message=_l("Enter your password.")),
                                                        Length(max=1024)])
    again = PasswordField(_l("New password again"), validators=[
        EqualTo("new", message=_l("The passwords do not match."))])


class PasswordChangeForm(NewPasswordForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(message=_l("Enter your password.")),
                                                                Length(max=1024)])
