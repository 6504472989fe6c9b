from email.utils import parseaddr

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, Length, Optional, ValidationError

from app.admin.forms import whole_number_field
from app.i18n import LANGUAGE_NAMES
from app.notify.defaults import KINDS
from app.notify.rules import parse_quiet_hours
from app.notify.templates import MAX_SOURCE_CHARS
from app.outbound import RefusedAddress, Unresolvable, admin_guard
from app.settings import ShownSettings
from app.text import comma_list


class PreferencesForm(FlaskForm):
    email = BooleanField(_l("E-mail"))
    sms = BooleanField(_l("SMS"))
    push = BooleanField(_l("Browser notifications"))
    telegram = BooleanField(_l("Telegram"))
    viber = BooleanField(_l("Viber"))
    sms_only_without_messenger = BooleanField(_l("Send an SMS only when no messenger reaches me"))
    language = SelectField(_l("Language of messages"), choices=list(LANGUAGE_NAMES.items()))


class TemplateForm(FlaskForm):
    subject = StringField(_l("Subject or title"), validators=[Length(max=255)])
    body = TextAreaField(_l("Message text"), validators=[DataRequired(), Length(max=MAX_SOURCE_CHARS)])


class WebhookForm(FlaskForm):
    url = StringField(_l("URL"), validators=[DataRequired(), URL(require_tld=False), Length(max=500)])
    description = StringField(_l("Description"), validators=[Optional(), Length(max=200)])
    enabled = BooleanField(_l("Enabled"), default=True)
    allow_private = BooleanField(_l("Allow private and loopback addresses (for systems inside your network)"))

    def validate_url(self, field):
        """An address every delivery would be refused (the same guard, ``outbound.admin_guard``) is
        named when it is saved, not only in the delivery log. A host that does not resolve yet is
        saved: its DNS may come later."""
        try:
            admin_guard(allow_private=self.allow_private.data).check_url(field.data)
        except Unresolvable:
            pass
        except RefusedAddress:
            raise ValidationError(_("This address is inside a private network or on this server, so deliveries "
                                    "would be refused. Tick “%(allow)s” if it is a system of your own network.",
                                    allow=_("Allow private and loopback addresses (for systems inside your network)")))


def message_kinds(form, field):
    """Comma-separated message kinds (NOTIFY_SMS_STATUSES, NOTIFY_CAP_EXEMPT): the statuses, ``pickup``,
    ``reminder`` and the other notices; an unknown code would never match a message."""
    unknown = [code for code in comma_list(field.data) if code not in KINDS]
    if unknown:
        raise ValidationError(_("Unknown code: %(codes)s. Use these codes, separated by commas: %(known)s.",
                                codes=", ".join(unknown), known=", ".join(KINDS)))


class SettingsForm(ShownSettings, FlaskForm):
    PUBLIC_URL = StringField(_l("Public address of this app (for links in messages)"),
                             validators=[Optional(), URL(require_tld=False), Length(max=200)])
    SMTP_HOST = StringField(_l("SMTP server"), validators=[Optional(), Length(max=200)])
    SMTP_PORT = whole_number_field(_l("SMTP port"), 1, 65535)
    SMTP_USER = StringField(_l("SMTP user"), validators=[Optional(), Length(max=200)])
    SMTP_PASSWORD = PasswordField(_l("SMTP password (leave empty to keep)"), validators=[Optional(), Length(max=200)])
    SMTP_STARTTLS = BooleanField(_l("Use STARTTLS"))
    MAIL_SENDER = StringField(_l("Sender address"), validators=[Optional(), Length(max=200)])
    SMS_PROVIDER = SelectField(_l("SMS gateway"), choices=[("", _l("None")), ("turbosms", "TurboSMS (Україна)"),
                                                           ("smsapi", "SMSAPI.pl (Polska)")])
    TURBOSMS_TOKEN = PasswordField(_l("TurboSMS token (leave empty to keep)"), validators=[Optional(), Length(max=200)])
    TURBOSMS_SENDER = StringField(_l("TurboSMS sender name"), validators=[Optional(), Length(max=20)])
    SMSAPI_TOKEN = PasswordField(_l("SMSAPI.pl token (leave empty to keep)"), validators=[Optional(), Length(max=200)])
    SMSAPI_SENDER = StringField(_l("SMSAPI.pl sender name"), validators=[Optional(), Length(max=20)])
    NOTIFY_SMS_STATUSES = StringField(_l("Statuses that send an SMS (comma-separated codes)"),
                                      validators=[Optional(), Length(max=200), message_kinds])
    VAPID_SUBJECT = StringField(_l("Web push contact (mailto: or https: address)"),
                                validators=[Optional(), Length(max=200)])
    NOTIFY_QUIET_HOURS = StringField(_l("Quiet hours for SMS and push, e.g. 21:00-08:00 (empty: none)"),
                                     validators=[Optional(), Length(max=20)])
    NOTIFY_MERGE_SECONDS = whole_number_field(_l("Merge changes that arrive within (seconds)"), 0, 86400)
    NOTIFY_DAILY_CAP = whole_number_field(_l("Messages per customer per day (0: no limit)"), 0, 1000)
    NOTIFY_CAP_EXEMPT = StringField(_l("Statuses the daily limit never holds back (comma-separated codes)"),
                                    validators=[Optional(), Length(max=200), message_kinds])
    PICKUP_REMINDER_DAYS = whole_number_field(_l("Remind after the parcel waits at the pickup point for (days)"), 1, 30)

    TELEGRAM_BOT_TOKEN = PasswordField(_l("Telegram bot token from @BotFather (leave empty to keep)"),
                                       validators=[Optional(), Length(max=200)])

    VIBER_BOT_TOKEN = PasswordField(_l("Viber bot token from the Viber partners' site (leave empty to keep)"),
                                    validators=[Optional(), Length(max=200)])
    VIBER_BOT_NAME = StringField(_l("Viber sender name (up to 28 characters)"), validators=[Optional(), Length(max=28)])

    SECRET_FIELDS = ("SMTP_PASSWORD", "TURBOSMS_TOKEN", "SMSAPI_TOKEN", "TELEGRAM_BOT_TOKEN", "VIBER_BOT_TOKEN")
    #: A stored secret goes only to the host it was entered for: a changed host asks for it again.
    SECRET_HOSTS = {"SMTP_PASSWORD": "SMTP_HOST"}

    def validate_MAIL_SENDER(self, field):
        """The e-mail channel sends from the address in it (``parseaddr``): "nobody" would be no address."""
        local, at, domain = parseaddr(field.data.strip())[1].rpartition("@")
        if not (at and local and domain) or any(ch.isspace() for ch in local + domain):
            raise ValidationError(_("Write the sender as an e-mail address, e.g. Posylka <shop@example.com>."))

    def validate_NOTIFY_QUIET_HOURS(self, field):
        if (field.data or "").strip() and parse_quiet_hours(field.data.strip()) is None:
            raise ValidationError(_l("Write the hours as 21:00-08:00."))

    def secrets_follow_hosts(self, current):
        """False, with an error on the secret's field, when a host changed but its stored secret was
        not entered again (``current(name)`` is the stored value)."""
        ok = True
        for secret, host in self.SECRET_HOSTS.items():
            field = getattr(self, secret)
            changed = (getattr(self, host).data or "").strip() != (current(host) or "").strip()
            if changed and current(secret) and not field.data:
                field.errors = list(field.errors) + [_l("The server changed: enter the password again, so that it is "
                                                        "sent only where you mean.")]
                ok = False
        return ok


class VariantForm(FlaskForm):
    """An A/B test of one kind × channel template: the share sent as variant "b" and its texts."""

    share_b = whole_number_field(_l("Share of messages sent as variant B, %"), 0, 90, default=50)
    subject_uk = StringField(_l("Subject or title (uk)"), validators=[Length(max=255)])
    body_uk = TextAreaField(_l("Variant B text (uk)"), validators=[Optional(), Length(max=5000)])
    subject_en = StringField(_l("Subject or title (en)"), validators=[Length(max=255)])
    body_en = TextAreaField(_l("Variant B text (en)"), validators=[Optional(), Length(max=5000)])
    subject_pl = StringField(_l("Subject or title (pl)"), validators=[Length(max=255)])
    body_pl = TextAreaField(_l("Variant B text (pl)"), validators=[Optional(), Length(max=5000)])
    subject_ru = StringField(_l("Subject or title (ru)"), validators=[Length(max=255)])
    body_ru = TextAreaField(_l("Variant B text (ru)"), validators=[Optional(), Length(max=5000)])
