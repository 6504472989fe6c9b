from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.fields import ColorField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.admin.forms import check_by
from app.orders.services import parse_phone
from app.settings import ShownSettings


def _trimmed(value):
    """What was typed without the blanks around it: a contact of only a space is no contact."""
    return value.strip() if isinstance(value, str) else value


class LookupForm(FlaskForm):
    number = StringField(_l("Order number"), filters=[_trimmed],
                         validators=[DataRequired(_l("Enter the order number.")), Length(max=40)])
    #: optional: a tracking number alone shows the parcel's status and route (``views.lookup``)
    contact = StringField(_l("Phone or e-mail given with the order"), filters=[_trimmed],
                          validators=[Optional(), Length(max=254)])


class BrandingForm(ShownSettings, FlaskForm):
    color = ColorField(_l("Brand colour (buttons, progress bar)"), validators=[Optional()])
    background = ColorField(_l("Widget background"), validators=[Optional()])
    logo = FileField(_l("Logo (PNG, JPEG, GIF or WebP, up to 200 KB)"))
    remove_logo = BooleanField(_l("Remove the current logo"))


def answered(form, field):
    """Each block of an FAQ has its answer under the question (``help.parse_faq`` passes a lone line
    over, and shows the built-in FAQ when nothing is left)."""
    for block in (field.data or "").split("\n\n"):  # form text has LF line breaks (app.text.FormRequest)
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        if len(lines) == 1:
            raise ValidationError(_("“%(question)s” has no answer: write it on the next line, and leave an empty "
                                    "line between questions.", question=lines[0][:80]))


class HelpForm(ShownSettings, FlaskForm):
    """The help block of the customer pages: the shop's phone and a short FAQ per language."""
    phone = StringField(_l("Shop's phone for customers"), validators=[Optional(), Length(max=32)])
    faq_uk = TextAreaField(_l("FAQ in Ukrainian"), validators=[Optional(), Length(max=5000), answered])
    faq_en = TextAreaField(_l("FAQ in English"), validators=[Optional(), Length(max=5000), answered])
    faq_pl = TextAreaField(_l("FAQ in Polish"), validators=[Optional(), Length(max=5000), answered])
    faq_ru = TextAreaField(_l("FAQ in Russian"), validators=[Optional(), Length(max=5000), answered])

    def validate_phone(self, field):  # it becomes the customer's "call the shop" link
        check_by(parse_phone, field)
