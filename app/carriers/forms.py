from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import URL, Length, Optional

from app.settings import ShownSettings

MODE_LABELS = {"off": _l("Off"), "live": _l("Live (the carrier's API)"), "simulated": _l("Simulated (built-in sandbox)")}


class CarrierSettingsForm(ShownSettings, FlaskForm):
    """One carrier's settings; ``settings_shown`` (``ShownSettings``) carries its mode and address as shown."""
    #: Optional: a mode set in the environment is shown disabled and not sent (the service checks it)
    mode = SelectField(_l("Mode"), choices=[(k, v) for k, v in MODE_LABELS.items()], validators=[Optional()])
    base_url = StringField(_l("API base URL"), validators=[Optional(), Length(max=300),
                                                           URL(require_tld=False, message=_l("Enter a full URL (https://…)."))])
    api_key = PasswordField(_l("API key"), validators=[Optional(), Length(max=300)])
    token = PasswordField(_l("Token"), validators=[Optional(), Length(max=300)])
    username = StringField(_l("User name"), validators=[Optional(), Length(max=200)])
    password = PasswordField(_l("Password"), validators=[Optional(), Length(max=300)])


class WebhookForm(FlaskForm):
    secret = PasswordField(_l("Webhook secret"), validators=[Optional(), Length(min=16, max=200)])
    allowed_ips = StringField(_l("Allowed source addresses"), validators=[Optional(), Length(max=500)])


class EmptyForm(FlaskForm):
    pass


class MappingOverrideForm(FlaskForm):
    """What a carrier's code means for this shop (``app.carriers.overrides``); choices set by the view."""

    carrier = SelectField(_l("Carrier"), validate_choice=False)
    code = StringField(_l("Carrier's code"), validators=[Length(max=64)])
    status = SelectField(_l("Means"), validate_choice=False)
    at_pickup_point = BooleanField(_l("At the pickup point"))
    problem = BooleanField(_l("Delayed / problem"))


class RemoveOverrideForm(FlaskForm):
    carrier = HiddenField()
    code = HiddenField()
