"""The shop's colours and logo for the widget and the customer's tracking pages.

Stored as admin settings (``app.settings``). The colours reach the browser as a small
stylesheet (``/widget/branding.css``), never as inline styles, so a strict CSP holds.
"""
import base64
import hashlib
import re
from dataclasses import dataclass

from flask import g
from flask_babel import lazy_gettext as _l

from app import settings
from app.errors import FieldRefused

BRAND_COLOR = "BRAND_COLOR"
BRAND_BACKGROUND = "BRAND_BACKGROUND"
BRAND_LOGO = "BRAND_LOGO"
BRAND_LOGO_TYPE = "BRAND_LOGO_TYPE"
DEFAULT_COLOR = "#1f5eff"
DEFAULT_BACKGROUND = "#ffffff"
LOGO_MAX_BYTES = 200 * 1024
HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


class BrandingError(FieldRefused):
    pass


@dataclass(frozen=True)
class Branding:
    color: str
    background: str
    has_logo: bool
    version: str

    @property
    def color_ink(self):
        return readable_ink(self.color)

    @property
    def background_ink(self):
        return readable_ink(self.background)


def _luminance(hex_color):
    def channel(value):
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g_, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g_) + 0.0722 * channel(b)


#: WCAG 2.1 AA for normal text: the brand colour is the colour of links and of the progress bar
MIN_CONTRAST = 4.5


def contrast(first, second):
    """The WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    a, b = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def readable_on(hex_color):
    """``hex_color``, darkened just enough (same hue) to reach AA contrast as text on white; unchanged
    when it already does (black always does)."""
    r, g_, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    for step in range(101):
        value = "#" + "".join(f"{round(c * (1 - step / 100)):02x}" for c in (r, g_, b))
        if contrast(value, "#ffffff") >= MIN_CONTRAST:
            return value
    return "#000000"


def readable_ink(hex_color):
    """Black or white text, whichever has the higher WCAG contrast on ``hex_color``."""
    lum = _luminance(hex_color)
    return "#000000" if (lum + 0.05) / 0.05 > 1.05 / (lum + 0.05) else "#ffffff"


def _valid(value, default):
    return value.lower() if value and HEX.match(value) else default


def current():
    """This request's branding (read once per request)."""
    cached = g.get("_branding")
    if cached is not None:
        return cached
    # display-only reads: with the database down, pages that need no data still show the last brand
    background = _valid(settings.get(BRAND_BACKGROUND, display=True), DEFAULT_BACKGROUND)
    # a colour stored before the contrast check (or by hand) is shown in its readable shade
    color = readable_on(_valid(settings.get(BRAND_COLOR, display=True), DEFAULT_COLOR))
    logo = settings.get(BRAND_LOGO, display=True) or ""
    version = hashlib.sha256(f"{color}{background}{logo}".encode()).hexdigest()[:12]
    g._branding = Branding(color, background, bool(logo), version)
    return g._branding


def stylesheet():
    brand = current()
    return (
        "/* The shop's colours, from the admin branding page. */\n"
        ":root {\n"
        f"  --brand: {brand.color};\n  --brand-ink: {brand.color_ink};\n"
        f"  --widget-bg: {brand.background};\n  --widget-ink: {brand.background_ink};\n"
        "}\n"
    )


def logo():
    """(bytes, mimetype) of the uploaded logo, or None."""
    data = settings.get(BRAND_LOGO)
    if not data:
        return None
    try:
        return base64.b64decode(data), settings.get(BRAND_LOGO_TYPE) or "image/png"
    except ValueError:
        return None


def sniff_image(data):
    for signature, mimetype in _SIGNATURES:
        if data.startswith(signature):
            return mimetype
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def shown_settings():
    """What the branding form shows, for its hidden ``settings_shown`` (``settings.shown``)."""
    return settings.shown([BRAND_COLOR, BRAND_BACKGROUND, BRAND_LOGO, BRAND_LOGO_TYPE])


def save(color, background, logo_bytes=None, remove_logo=False, shown=None):
    """Check and store the branding in the current transaction (the caller commits).

    Returns the adjustments made for contrast: ``{"color": (asked, used)}`` when the brand colour
    was too light to read as text on white (WCAG AA, 4.5:1), where it is used (the pages, the widget's
    cards; on the widget's own background its text takes the background's ink), so the admin can be
    told; empty when the colours were kept as given. ``settings.SettingsChanged`` when another admin
    changed the branding since the form was ``shown``."""
    for field_name, value in (("color", color), ("background", background)):
        if value and not HEX.match(value):
            raise BrandingError(field_name, _l("Enter a colour such as #1f5eff."))
    adjusted = {}
    if color:
        color = color.lower()
        used = readable_on(color)
        if used != color:
            adjusted["color"] = (color, used)
            color = used
    if logo_bytes:
        if len(logo_bytes) > LOGO_MAX_BYTES:
            raise BrandingError("logo", _l("The logo must be at most 200 KB."))
        mimetype = sniff_image(logo_bytes)
        if mimetype is None:
            raise BrandingError("logo", _l("The logo must be a PNG, JPEG, GIF or WebP image."))
    values = {BRAND_COLOR: (color or "").lower(), BRAND_BACKGROUND: (background or "").lower()}
    if remove_logo:
        values.update({BRAND_LOGO: None, BRAND_LOGO_TYPE: None})
    elif logo_bytes:
        values.update({BRAND_LOGO: base64.b64encode(logo_bytes).decode("ascii"), BRAND_LOGO_TYPE: mimetype})
    settings.save(values, action="settings.branding", object_id="branding", unquoted={BRAND_LOGO}, shown=shown)
    g.pop("_branding", None)
    return adjusted
