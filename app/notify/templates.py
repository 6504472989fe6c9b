"""Rendering message templates safely: a sandboxed Jinja2 environment and one set of fields.

A template is validated when an admin saves it (rendered with sample data, undefined names
refused), so a broken template never reaches send time. Should one still fail (a field the
sample lacked), the shipped default is used and the failure is logged.
"""
import logging
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from flask import current_app
from flask_babel import force_locale, format_date
from flask_babel import lazy_gettext as _l
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from app.extensions import db
from app.notify.defaults import default_template
from app.notify.models import NotificationTemplate

log = logging.getLogger(__name__)

#: The fields every template may use, with their descriptions for the editor.
FIELDS = {
    "order_number": _l("Order number"),
    "tracking_number": _l("Tracking number"),
    "carrier": _l("Carrier"),
    "expected_date": _l("Expected delivery date"),
    "pickup_point": _l("Pickup point"),
    "tracking_link": _l("Tracking link"),
    "status": _l("Order status"),
    "customer_name": _l("Customer's name"),
    "shop_name": _l("Shop name"),
    "feedback_link": _l("Link to the question after delivery"),
}

_env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


class TemplateInvalid(ValueError):
    """A template that does not render; ``str()`` says why (for the editor)."""


@dataclass
class Rendered:
    subject: str | None
    body: str


def sample_context(language):
    """Realistic sample values for previews and validation."""
    from app.orders import statuses

    with force_locale(language):
        return {
            "order_number": "PS-100042", "tracking_number": "20450000123456", "carrier": "Nova Poshta",
            "expected_date": format_date(date(2026, 5, 14), "long"), "pickup_point": "Відділення №12",
            "tracking_link": "https://shop.example/t/sample-signed-token", "status": str(statuses.label("in_transit")),
            "customer_name": "Олена", "shop_name": current_app.config.get("SHOP_NAME", "Posylka"),
            "feedback_link": "https://shop.example/feedback/sample-signed-token",
        }


def order_context(order, language, tracking_link):
    """The template fields for ``order`` in ``language``."""
    from app.carriers import carrier_name
    from app.carriers.eta import expected_delivery
    from app.orders import statuses

    shipment = order.shipments[-1] if order.shipments else None
    with force_locale(language):
        eta = expected_delivery(order)
        if eta is None:
            expected = ""
        elif eta.is_window:
            expected = f"{format_date(eta.earliest, 'medium')} – {format_date(eta.latest, 'medium')}"
        else:
            expected = format_date(eta.latest, "long")
        return {
            "order_number": order.number,
            "tracking_number": shipment.tracking_number if shipment else "",
            "carrier": carrier_name(shipment.carrier if shipment else order.delivery_carrier) or "",
            "expected_date": expected,
            "pickup_point": order.delivery_pickup_point or "",
            "tracking_link": tracking_link or "",
            "status": str(statuses.label(order.status)),
            "customer_name": (order.customer.name or "").split(" ")[0] if order.customer else "",
            "shop_name": current_app.config.get("SHOP_NAME", "Posylka"),
            "feedback_link": "",  # filled in by the dispatcher for the question after delivery
        }


@lru_cache(maxsize=1024)
def _compiled(source):
    return _env.from_string(source)


def render_source(source, context):
    if not source:
        return ""
    try:
        return re.sub(r"\n{3,}", "\n\n", _compiled(source).render(**context)).strip()
    except TemplateError as error:
        raise TemplateInvalid(str(error)) from error
    except Exception as error:  # the sandbox raises SecurityError and friends; all mean "broken"
        raise TemplateInvalid(f"{error.__class__.__name__}: {error}") from error


def validate(subject, body, language):
    """Raise TemplateInvalid unless both parts render with the sample data."""
    context = sample_context(language)
    render_source(subject, context)
    if not render_source(body, context):
        raise TemplateInvalid(str(_l("The message text is empty.")))


def source_for(kind, channel, language):
    """(subject, body, overridden) for one template key."""
    row = db.session.execute(db.select(NotificationTemplate).filter_by(
        status=kind, channel=channel, language=language)).scalar_one_or_none()
    if row is not None:
        return row.subject, row.body, True
    subject, body = default_template(kind, channel, language)
    return subject, body, False


def render(kind, channel, language, context, *, cache=None):
    """Render one template; an override that fails falls back to the shipped default."""
    key = (kind, channel, language)
    if cache is not None and key in cache:
        subject_src, body_src = cache[key]
    else:
        subject_src, body_src, _ = source_for(kind, channel, language)
        if cache is not None:
            cache[key] = (subject_src, body_src)
    try:
        return Rendered(render_source(subject_src, context) or None, render_source(body_src, context))
    except TemplateInvalid:
        log.exception("template %s failed; using the default", key)
        subject_src, body_src = default_template(kind, channel, language)
        return Rendered(render_source(subject_src, context) or None, render_source(body_src, context))
