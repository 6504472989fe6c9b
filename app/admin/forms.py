from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import NumberInput

from app.admin.reasons import RETURN_REASONS
from app.auth import services as auth_services
from app.carriers import CARRIERS, carrier_label
from app.orders import statuses
from app.orders.services import (
    CURRENCIES,
    DELIVERY_FIELDS,
    SHOP_CURRENCY,
    OrderInputError,
    new_parcel,
    parse_cod_amount,
    parse_country,
    parse_email,
    parse_phone,
    parse_price,
    parse_quantity,
)
from app.settings import ShownSettings
from app.text import whole_number


def return_reason_choices():
    return [("", _l("— choose a reason —"))] + [(code, label) for code, label in RETURN_REASONS.items()]


def status_choices(codes, blank=False):
    """(code, label) of each status; ``blank`` puts "— choose —" first, so that a save is a choice, not
    whatever came first in the list."""
    return ([("", _("— choose —"))] if blank else []) + [(code, str(statuses.label(code))) for code in codes]


class StatusForm(FlaskForm):
    status = SelectField(_l("New status"), validators=[DataRequired()])
    reason = SelectField(_l("Return reason"), choices=return_reason_choices, validate_choice=False)
    note = TextAreaField(_l("Note or reason"), validators=[Length(max=2000)])
    # for "shipped" when the order has no parcel yet
    tracking_number = StringField(_l("Tracking number (TTN)"), validators=[Optional(), Length(max=64)],
                                  id="ship_tracking_number")  # the page's "add a shipment" form has the plain ids
    carrier = SelectField(_l("Carrier"), validate_choice=False, id="ship_carrier",
                          choices=lambda: carrier_choices(_l("Detect from the number")))
    without_tracking = BooleanField(_l("Ship without a tracking number"))
    version = HiddenField()


class CorrectionForm(FlaskForm):
    status = SelectField(_l("Correct status to"), validators=[DataRequired()])
    note = TextAreaField(_l("Why is the status wrong?"), validators=[DataRequired(), Length(max=2000)])
    version = HiddenField()


class BulkStatusForm(FlaskForm):
    status = SelectField(_l("New status for the selected orders"), validators=[DataRequired()],
                         choices=lambda: status_choices(statuses.ALL, blank=True))
    reason = SelectField(_l("Return reason"), choices=return_reason_choices, validate_choice=False)
    note = StringField(_l("Note or reason"), validators=[Length(max=2000)])


def check_by(rule, field, *args):
    """Give ``field`` the error of a domain rule (a function raising ``OrderInputError``), so that the form shows
    every field's error at once while the rule itself stays in the service."""
    try:
        rule(field.data, *args)
    except OrderInputError as error:
        raise ValidationError(str(error)) from None


class ItemForm(FlaskForm):
    class Meta:
        csrf = False  # one row of the order form, whose own token covers it (a FlaskForm for its translated errors)

    FIELDS = ("name", "sku", "size", "color", "quantity", "price")

    name = StringField(_l("Item"), validators=[Optional(), Length(max=200)])
    sku = StringField(_l("SKU"), validators=[Optional(), Length(max=64)])
    size = StringField(_l("Size"), validators=[Optional(), Length(max=64)])
    color = StringField(_l("Colour"), validators=[Optional(), Length(max=64)])
    quantity = StringField(_l("Quantity"), default="1", render_kw={"inputmode": "numeric"})
    price = StringField(_l("Price"), validators=[Length(max=16)], render_kw={"inputmode": "decimal"})

    def is_filled(self):
        """A row without a name is ignored, whatever else it holds."""
        return bool((self.name.data or "").strip())

    def validate_quantity(self, field):
        if self.is_filled():
            check_by(parse_quantity, field)

    def validate_price(self, field):
        if self.is_filled():
            check_by(parse_price, field)


def carrier_choices(blank_label):
    return [("", blank_label)] + [(code, carrier_label(code)) for code in CARRIERS]


class ShipmentForm(FlaskForm):
    carrier = SelectField(_l("Carrier"), validate_choice=False,
                          choices=lambda: carrier_choices(_l("Detect from the number")))
    tracking_number = StringField(_l("Tracking number (TTN)"), validators=[DataRequired(), Length(max=64)])
    version = HiddenField()


class OrderForm(FlaskForm):
    customer_name = StringField(_l("Customer name"), validators=[DataRequired(), Length(max=200)])
    customer_email = StringField(_l("E-mail"), validators=[Optional(), Length(max=254)])
    customer_phone = StringField(_l("Phone"), validators=[Optional(), Length(max=32)])
    delivery_country = StringField(_l("Country code"), default="UA")
    delivery_region = StringField(_l("Region"), validators=[Optional(), Length(max=120)])
    delivery_city = StringField(_l("City"), validators=[Optional(), Length(max=120)])
    delivery_pickup_point = StringField(_l("Pickup point or branch"), validators=[Optional(), Length(max=255)])
    delivery_address = StringField(_l("Address"), validators=[Optional(), Length(max=255)])
    delivery_postcode = StringField(_l("Postcode"), validators=[Optional(), Length(max=16)])
    internal_note = TextAreaField(_l("Internal note"), validators=[Optional(), Length(max=2000)])
    cod_amount = StringField(_l("Cash on delivery (amount the customer pays at pickup)"),
                             validators=[Optional(), Length(max=20)])
    items = FieldList(FormField(ItemForm), min_entries=1, max_entries=100)
    # New orders only: the currency and the first parcel
    currency = SelectField(_l("Currency"), default=SHOP_CURRENCY, choices=[(code, code) for code in CURRENCIES])
    carrier = SelectField(_l("Carrier"), validate_choice=False,
                          choices=lambda: carrier_choices(_l("Detect from the number")))
    tracking_number = StringField(_l("Tracking number (TTN)"), validators=[Optional(), Length(max=64)])
    version = HiddenField()

    @staticmethod
    def values_of(order):
        """The form's values for editing ``order``."""
        return {"customer_name": order.customer.name, "customer_email": order.customer.email,
                "customer_phone": order.customer.phone, "internal_note": order.note, "version": order.version,
                "cod_amount": "" if order.cod_amount is None else str(order.cod_amount),
                **{f"delivery_{name}": getattr(order, f"delivery_{name}") for name in DELIVERY_FIELDS},
                "items": [{"name": item.name, "sku": item.sku, "size": item.size, "color": item.color,
                           "quantity": str(item.quantity), "price": str(item.price)} for item in order.items]}

    def customer(self):
        """The customer fields as the order services take them."""
        return {"name": self.customer_name.data, "email": self.customer_email.data, "phone": self.customer_phone.data}

    def delivery(self):
        """The delivery fields as the order services take them."""
        return {name: self[f"delivery_{name}"].data for name in DELIVERY_FIELDS}

    def shipments(self):
        """The parcel a new order was given (none without a tracking number)."""
        number = self.tracking_number.data
        return [{"carrier": self.carrier.data or None, "tracking_number": number}] if (number or "").strip() else []

    def filled_items(self):
        """The item rows with a name, as the order services take them."""
        return [{key: (entry.form[key].data or "").strip() for key in ItemForm.FIELDS}
                for entry in self.items.entries if entry.form.is_filled()]

    def validate_delivery_country(self, field):
        check_by(parse_country, field)

    def validate_customer_email(self, field):
        check_by(parse_email, field)

    def validate_customer_phone(self, field):
        try:
            country = parse_country(self.delivery_country.data)
        except OrderInputError:
            country = "UA"  # the country field says what is wrong with it
        check_by(parse_phone, field, country)

    def validate_cod_amount(self, field):
        check_by(parse_cod_amount, field)

    def validate(self, extra_validators=None):
        """Every field's own checks, then those that need several fields: one answer names every error."""
        valid = super().validate(extra_validators)
        if not any(entry.form.is_filled() for entry in self.items.entries):
            self.items.entries[0].form.name.errors.append(_("An order needs at least one item."))
            valid = False
        # The parcel (a database query) is checked here only beside other errors, so that the answer names
        # them all; a form otherwise valid goes on to create_order, which checks it once.
        if not valid and (self.tracking_number.data or "").strip():
            try:
                new_parcel(self.carrier.data or None, self.tracking_number.data)
            except OrderInputError as error:
                self[error.field].errors.append(str(error))
                valid = False
        return valid


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired()])
    existing = RadioField(_l("Orders that already exist"), default="report", choices=[
        ("report", _l("Report them: nothing is imported while the file names an existing order")),
        ("update", _l("Update them: add the parcels they lack and move them to the file's status"))])
    #: With "Update them": the file's parcels replace the order's (``transfer.import_orders``), for a file
    #: that corrects a number; off, a file that lists only an order's new second parcel adds it
    every_parcel = BooleanField(_l("The file lists every parcel of its orders: parcels it leaves out are removed "
                                   "from the order"))


ROLE_LABELS = {"staff": lazy_pgettext("role", "Staff"), "admin": lazy_pgettext("role", "Administrator"),
               "customer": lazy_pgettext("role", "Customer")}


class UserForm(FlaskForm):
    email = StringField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(lazy_pgettext("person", "Name"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=list(ROLE_LABELS.items()))
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])

    def validate_password(self, field):  # with the other fields' errors, not only once they are right
        try:
            auth_services.validate_password(field.data)
        except auth_services.AuthError as error:
            raise ValidationError(str(error)) from None


class WholeNumber:
    """A setting written as text that must be a whole number from ``low`` to ``high``."""

    def __init__(self, low, high):
        self.low, self.high = low, high

    def __call__(self, form, field):
        number = whole_number(field.data or "", self.low, self.high)
        if number is None:  # field.data stays as typed: the page shows it beside the error
            raise ValidationError(_("Enter a whole number from %(low)d to %(high)d.", low=self.low, high=self.high))
        field.data = number


def whole_number_field(label, low, high, *, required=False, **kwargs):
    """A number setting: anything but a whole number from ``low`` to ``high`` gets one translated error
    (an IntegerField adds its own "Not a valid integer value" to the range's)."""
    return StringField(label, validators=[InputRequired() if required else Optional(), WholeNumber(low, high)],
                       widget=NumberInput(min=low, max=high), **kwargs)


class SettingsForm(ShownSettings, FlaskForm):
    SHOP_NAME = StringField(_l("Shop name"), validators=[Optional(), Length(max=100)])
    SHOP_EMAIL = StringField(_l("Shop's contact e-mail"), validators=[Optional(), Email(), Length(max=254)])
    DEFAULT_LANGUAGE = SelectField(_l("Default language"), choices=[
        ("uk", "Українська"), ("en", "English"), ("pl", "Polski"), ("ru", "Русский")])
    ORDERS_PER_PAGE = whole_number_field(_l("Orders per page in the staff list"), 5, 500)
    POLL_SECONDS = whole_number_field(_l("Customer page refresh (seconds)"), 2, 3600)
    SYNC_INTERVAL_MINUTES = whole_number_field(_l("Carrier sync interval (minutes)"), 1, 1440)
    RETENTION_MONTHS = whole_number_field(_l("Keep finished orders for (months)"), 1, 120)
