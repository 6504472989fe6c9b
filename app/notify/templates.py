"""Rendering message templates safely: a sandboxed Jinja2 environment and one set of fields.

A template is validated when an admin saves it (rendered with sample data, undefined names
refused), so a broken template never reaches send time. Should one still fail (a field the
sample lacked), the shipped default is used and the failure is logged.

Templates also run in the dispatcher, so one must not be able to hang it or fill its memory: the
source is at most ``MAX_SOURCE_CHARS``, and a render has a budget (``TEMPLATE_RENDER_MS``,
``TEMPLATE_OUTPUT_CHARS``). Every loop step, call, ``~`` join, ``* ** %`` operation and output
chunk is checked against it: each loop step and call counts against the time, every string that is
built or written counts against the characters, and numbers that would make a huge string or
number (``"x" * 10**9``, ``9**9**9``, a width of a million) are refused before they are built.
"""
import logging
import re
import time
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from functools import lru_cache, wraps

from flask import current_app, has_app_context
from flask_babel import force_locale, format_date, gettext
from flask_babel import lazy_gettext as _l
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment
from jinja2.visitor import NodeTransformer

from app import settings
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

#: the longest template source (subject or body) the editor saves and the preview renders
MAX_SOURCE_CHARS = 5000
#: widths, counts and sizes passed to a filter or a call above this are refused before Python builds the value
MAX_NUMBER_ARG = 10000
#: the largest number a template may build (about 300 digits)
MAX_INT_BITS = 1024
_WIDE_FORMAT = re.compile(r"\d{5,}")  # a "%0100000d" or "{:>100000}" width


class TemplateInvalid(ValueError):
    """A template that does not render; ``str()`` says why (for the editor)."""


class TemplateTooCostly(TemplateInvalid):
    """The render went over its time or size budget."""


class _Budget:
    def __init__(self):
        config = current_app.config if has_app_context() else {}
        self.seconds = int(config.get("TEMPLATE_RENDER_MS", 1000)) / 1000
        self.chars = int(config.get("TEMPLATE_OUTPUT_CHARS", 20000))
        self.deadline = time.monotonic() + self.seconds
        self.written = 0

    def too_costly(self):
        return TemplateTooCostly(str(_l("The template takes too long or writes too much (at most %(ms)d ms and "
                                        "%(chars)d characters).", ms=round(self.seconds * 1000), chars=self.chars)))

    def tick(self):
        if time.monotonic() > self.deadline:
            raise self.too_costly()

    def expect(self, size):
        """Refuse before building a value of about ``size`` characters or items that would not fit."""
        if size > self.chars - self.written:
            raise self.too_costly()

    def wrote(self, value):
        if isinstance(value, (str, list, tuple)):
            self.written += len(value)
            if self.written > self.chars:
                raise self.too_costly()
        elif isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
            raise self.too_costly()
        self.tick()
        return value


#: The budget of the render under way (``render_source`` sets it; nothing else renders)
_budget = ContextVar("posylka_template_budget", default=None)


def _check_arguments(budget, owner, args):
    """Before a filter or a call runs: no huge width, count or format width, and no result larger
    than what is left (estimated as the product of the sizes of its text and list arguments)."""
    estimate = 1
    for value in (owner, *args):
        if isinstance(value, bool):
            continue
        if isinstance(value, int) and abs(value) > MAX_NUMBER_ARG:
            raise budget.too_costly()
        if isinstance(value, (str, list, tuple)):
            estimate *= max(1, len(value))
    if isinstance(owner, str) and _WIDE_FORMAT.search(owner):
        raise budget.too_costly()
    budget.expect(estimate)


class _Checkpoints(NodeTransformer):
    """Rewrites a parsed template so that loops, joins and output go through the budget."""

    def _check(self, node, name):
        return nodes.Call(nodes.EnvironmentAttribute(name), [node], [], None, None, lineno=node.lineno)

    def visit_For(self, node):
        node = self.generic_visit(node)
        node.iter = self._check(node.iter, "budgeted_loop")
        return node

    def visit_Concat(self, node):
        return self._check(self.generic_visit(node), "budgeted_text")

    def visit_Output(self, node):
        node = self.generic_visit(node)
        node.nodes = [self._check(nodes.Const(child.data, lineno=child.lineno) if isinstance(child, nodes.TemplateData)
                                  else child, "budgeted_text") for child in node.nodes]
        return node


def _budgeted_filter(function):
    skip = 1 if getattr(function, "jinja_pass_arg", None) else 0  # the context or environment Jinja passes

    @wraps(function)  # keeps Jinja's pass_context/pass_environment marks
    def checked(*args, **kwargs):
        budget = _budget.get()
        budget.tick()
        value, rest = (args[skip], args[skip + 1:]) if len(args) > skip else (None, ())
        _check_arguments(budget, value, (*rest, *kwargs.values()))
        return budget.wrote(function(*args, **kwargs))

    return checked


class _LimitedSandbox(SandboxedEnvironment):
    """The sandbox with a budget for each render (see the module's docstring)."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, **options):
        super().__init__(**options)
        self.filters = {name: _budgeted_filter(function) for name, function in self.filters.items()}

    def _parse(self, source, name, filename):
        return _Checkpoints().visit(super()._parse(source, name, filename))

    def budgeted_loop(self, iterable):
        budget = _budget.get()
        for item in iterable:
            budget.tick()
            yield item

    def budgeted_text(self, value):
        return _budget.get().wrote(value)

    def call_binop(self, context, operator, left, right):
        budget = _budget.get()
        budget.tick()
        sized = (str, list, tuple)
        if operator == "*":
            for sequence, times in ((left, right), (right, left)):
                if isinstance(sequence, sized) and isinstance(times, int):
                    budget.expect(len(sequence) * times)
            if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise budget.too_costly()
        elif operator == "**":
            if isinstance(left, int) and isinstance(right, int) and left.bit_length() * abs(right) > MAX_INT_BITS:
                raise budget.too_costly()
        elif operator == "+":
            if isinstance(left, sized) and isinstance(right, sized):
                budget.expect(len(left) + len(right))
        elif operator == "%" and isinstance(left, str):
            _check_arguments(budget, left, right if isinstance(right, tuple) else (right,))
        return budget.wrote(super().call_binop(context, operator, left, right))

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (Jinja's own signature)
        if getattr(__obj, "__self__", None) is __self and __obj.__name__ in ("budgeted_loop", "budgeted_text"):
            return __obj(*args)
        budget = _budget.get()
        budget.tick()
        method = getattr(__obj, "__wrapped__", __obj)  # the sandbox wraps str.format
        _check_arguments(budget, getattr(method, "__self__", None), (*args, *kwargs.values()))
        return budget.wrote(super().call(__context, __obj, *args, **kwargs))


_env = _LimitedSandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


def shop_name():
    """The shop's name in messages: the admin's (settings page), else the environment's."""
    return settings.get("SHOP_NAME", display=True) or "Posylka"


@dataclass
class Rendered:
    subject: str | None
    body: str


def sample_context(language, kind=None):
    """Realistic sample values for previews and validation; ``status`` is the template's own status
    (``kind``), or "on the way" for a message that is not about one (a reminder, a delay)."""
    from app.carriers import carrier_label
    from app.orders import statuses

    status = kind if kind in statuses.ALL else statuses.IN_TRANSIT
    with force_locale(language):
        return {
            "order_number": "PS-100042", "tracking_number": "20450000123456", "carrier": carrier_label("nova_poshta"),
            "expected_date": format_date(date(2026, 5, 14), "long"), "pickup_point": "Відділення №12",
            "tracking_link": "https://shop.example/t/sample-signed-token", "status": str(statuses.label(status)),
            "customer_name": "Олена", "shop_name": shop_name(),
            "feedback_link": "https://shop.example/feedback/sample-signed-token",
        }


def order_context(order, language, tracking_link):
    """The template fields for ``order`` in ``language``."""
    from app.carriers import carrier_label
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
            "carrier": carrier_label(shipment.carrier if shipment else order.delivery_carrier) or "",
            "expected_date": expected,
            "pickup_point": order.delivery_pickup_point or "",
            "tracking_link": tracking_link or "",
            "status": str(statuses.label(order.status)),
            "customer_name": (order.customer.name or "").split(" ")[0] if order.customer else "",
            "shop_name": shop_name(),
            "feedback_link": "",  # filled in by the dispatcher for the question after delivery
        }


@lru_cache(maxsize=1024)
def _compiled(source):
    return _env.from_string(source)


def _in_words(error):
    """What is wrong with a template, said to the admin who wrote it (Jinja's English follows)."""
    detail = str(error)
    if isinstance(error, UndefinedError) and (name := re.match(r"'([^']+)' is undefined", detail)):
        return gettext("The template uses “%(name)s”, which is not one of its fields.", name=name.group(1))
    if isinstance(error, UndefinedError):
        return gettext("The template asks a field for something it does not have.")
    if isinstance(error, TemplateSyntaxError) and "end of template" in detail.lower():
        return gettext("The template is incomplete: a tag or a field is opened and not closed.")
    if isinstance(error, TemplateSyntaxError):
        return gettext("The template cannot be read at line %(line)s.", line=error.lineno)
    if isinstance(error, SecurityError):
        return gettext("The template uses something that is not allowed in messages.")
    return gettext("The template cannot be rendered.")


#: A field that ends with its own full stop ("7 грудня 2026 р.") before the sentence's: one stop
#: (an ellipsis "..." stays)
_DOUBLE_STOP = re.compile(r"(?<!\.)\.\.(?=\s|$)")


def render_source(source, context):
    if not source:
        return ""
    if len(source) > MAX_SOURCE_CHARS:
        raise TemplateInvalid(str(_l("The template is longer than %(n)d characters.", n=MAX_SOURCE_CHARS)))
    token = _budget.set(_Budget())
    try:
        text = re.sub(r"\n{3,}", "\n\n", _compiled(source).render(**context))
        return _DOUBLE_STOP.sub(".", text).strip()
    except TemplateInvalid:
        raise
    except TemplateError as error:
        raise TemplateInvalid(f"{_in_words(error)} ({error})") from error
    except Exception as error:  # the sandbox raises SecurityError and friends; all mean "broken"
        raise TemplateInvalid(f"{_in_words(error)} ({error.__class__.__name__}: {error})") from error
    finally:
        _budget.reset(token)


def validate(subject, body, language):
    """Raise TemplateInvalid unless both parts render with the sample data."""
    context = sample_context(language)
    render_source(subject, context)
    if not render_source(body, context):
        raise TemplateInvalid(str(_l("The message text is empty.")))


def _override(kind, channel, language):
    return db.session.execute(db.select(NotificationTemplate).filter_by(
        status=kind, channel=channel, language=language)).scalar_one_or_none()


def overridden():
    """{(kind, channel, language)} of every template an admin has rewritten."""
    return {(t.status, t.channel, t.language) for t in db.session.execute(db.select(NotificationTemplate)).scalars()}


def save(kind, channel, language, subject, body):
    """Store an admin's version of one template, checked first (``TemplateInvalid``); audited."""
    from app.audit import record

    validate(subject, body, language)
    row = _override(kind, channel, language)
    if row is None:
        row = NotificationTemplate(status=kind, channel=channel, language=language)
        db.session.add(row)
    row.subject = subject or None
    row.body = body
    record("notification.template_save", "notification_template", f"{kind}/{channel}/{language}",
           after={"subject": row.subject, "body": row.body})
    return row


def reset(kind, channel, language):
    """Drop the admin's version (the shipped template is used again); False if there was none."""
    from app.audit import record

    row = _override(kind, channel, language)
    if row is None:
        return False
    db.session.delete(row)
    record("notification.template_reset", "notification_template", f"{kind}/{channel}/{language}")
    return True


def preview(kind, subject, body, channel, language):
    """What the template editor shows: the message of template ``kind`` for the sample order (for SMS
    as sent, with its length), or {"error": why it does not render}."""
    context = sample_context(language, kind)
    try:
        rendered = Rendered(render_source(subject, context) or None, render_source(body, context))
    except TemplateInvalid as error:
        return {"error": str(error)}
    result = {"subject": rendered.subject, "body": rendered.body}
    if channel == "sms":
        from app.notify.channels.sms import fit, length_units, segments

        text = fit(rendered.body, shop=context["shop_name"])
        units, encoding = length_units(text)
        result.update(body=text, sms_info=gettext("%(units)s characters, %(encoding)s, %(segments)s SMS segment(s)",
                                                  units=units, encoding=encoding.upper(), segments=segments(text)))
    return result


def source_for(kind, channel, language):
    """(subject, body, overridden) for one template key."""
    row = _override(kind, channel, language)
    if row is not None:
        return row.subject, row.body, True
    subject, body = default_template(kind, channel, language)
    return subject, body, False


def render(kind, channel, language, context, *, cache=None):
    """Render one template; an override that fails falls back to the shipped default."""
    key = (kind, channel, language)
    cache = {} if cache is None else cache
    if key not in cache:
        cache[key] = source_for(kind, channel, language)[:2]
    subject_src, body_src = cache[key]
    try:
        return Rendered(render_source(subject_src, context) or None, render_source(body_src, context))
    except TemplateInvalid:
        log.exception("template %s failed; using the default", key)
        subject_src, body_src = default_template(kind, channel, language)
        return Rendered(render_source(subject_src, context) or None, render_source(body_src, context))
