from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField
from wtforms.fields import ColorField
from wtforms.validators import DataRequired, Length, Optional


class LookupForm(FlaskForm):
    number = StringField(_l("Order number"), validators=[DataRequired(_l("Enter the order number.")), Length(max=40)])
    #: optional: a tracking number alone shows the parcel's status and route (``views.lookup``)
    contact = StringField(_l("Phone or e-mail given with the order"), validators=[Optional(), Length(max=254)])


class BrandingForm(FlaskForm):
    color = ColorField(_l("Brand colour (buttons, progress bar)"), validators=[Optional()])
    background = ColorField(_l("Widget background"), validators=[Optional()])
    logo = FileField(_l("Logo (PNG, JPEG, GIF or WebP, up to 200 KB)"))
    remove_logo = BooleanField(_l("Remove the current logo"))
