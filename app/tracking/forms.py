from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.fields import ColorField
from wtforms.validators import DataRequired, Length, Optional

from app.admin.forms import check_by
from app.orders.services import parse_phone


class LookupForm(FlaskForm):
    number = StringField(_l("Order number"), validators=[DataRequired(_l("Enter the order number.")), Length(max=40)])
    #: optional: a tracking number alone shows the parcel's status and route (``views.lookup``)
    contact = StringField(_l("Phone or e-mail given with the order"), validators=[Optional(), Length(max=254)])


class BrandingForm(FlaskForm):
    color = ColorField(_l("Brand colour (buttons, progress bar)"), validators=[Optional()])
    background = ColorField(_l("Widget background"), validators=[Optional()])
    logo = FileField(_l("Logo (PNG, JPEG, GIF or WebP, up to 200 KB)"))
    remove_logo = BooleanField(_l("Remove the current logo"))


class HelpForm(FlaskForm):
    """The help block of the customer pages: the shop's phone and a short FAQ per language."""
    phone = StringField(_l("Shop's phone for customers"), validators=[Optional(), Length(max=32)])
    faq_uk = TextAreaField(_l("FAQ in Ukrainian"), validators=[Optional(), Length(max=5000)])
    faq_en = TextAreaField(_l("FAQ in English"), validators=[Optional(), Length(max=5000)])
    faq_pl = TextAreaField(_l("FAQ in Polish"), validators=[Optional(), Length(max=5000)])
    faq_ru = TextAreaField(_l("FAQ in Russian"), validators=[Optional(), Length(max=5000)])

    def validate_phone(self, field):  # it becomes the customer's "call the shop" link
        check_by(parse_phone, field)
