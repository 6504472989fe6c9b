from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email, Length


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(message=_l("Enter your e-mail.")),
                                                 Email(message=_l("Enter a valid e-mail address.")),
                                                 Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Enter your password.")),
                                                         Length(max=1024)])
    remember = BooleanField(_l("Keep me logged in on this device"))
