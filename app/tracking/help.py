"""Help at hand on the customer's tracking pages: the shop's contact, a short FAQ the admin edits,
and "report a problem", which leaves a note staff see on the order.

The FAQ is one text per language (admin settings ``HELP_FAQ_<lang>``): blocks separated by an
empty line, the first line of a block the question, the rest its answer. Until the admin writes
one, a built-in FAQ in the reader's language answers the three questions customers ask most.
"""
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from app import settings
from app.analytics.wismo import register_source
from app.attention import services as attention
from app.audit import record
from app.clock import utcnow
from app.errors import Refused
from app.extensions import db
from app.orders.models import real_order_id
from app.tracking.models import ProblemReport

LANGUAGES = ("uk", "en", "pl", "ru")
PHONE = "HELP_PHONE"
FAQ_PREFIX = "HELP_FAQ_"
MESSAGE_MAX = 2000


class ReportRefused(Refused):
    """A problem report that cannot be sent (empty or too long)."""


@dataclass(frozen=True)
class Contact:
    email: str
    phone: str

    @property
    def phone_href(self):
        return "tel:" + "".join(c for c in self.phone if c.isdigit() or c == "+")


def contact():
    """The shop's e-mail (general settings) and phone (help settings); either may be ""."""
    return Contact(settings.get("SHOP_EMAIL", display=True) or "", settings.get(PHONE) or "")


def default_faq():
    return [
        (_("Where is my parcel?"),
         _("The block at the top of this page shows where the parcel is now and when it arrives; it updates "
           "by itself. The carrier's own page (the link next to the tracking number) has every scan.")),
        (_("What does “at the pickup point” mean?"),
         _("The parcel has arrived at the branch or parcel locker you chose and is waiting for you. Take an ID "
           "or the code from the carrier's message; the parcel waits there free of charge for a few days.")),
        (_("How do I return an item?"),
         _("Once the order is delivered, use “Return or exchange items” on this page or write to the shop. Keep the "
           "item unworn with its labels; the shop will tell you where to send it.")),
    ]


def parse_faq(text):
    """[(question, answer)] from the admin's text (blocks separated by an empty line)."""
    pairs = []
    for block in (text or "").replace("\r\n", "\n").split("\n\n"):
        lines = [line.strip() for line in block.strip().split("\n") if line.strip()]
        if len(lines) >= 2:
            pairs.append((lines[0], " ".join(lines[1:])))
    return pairs


def faq(language):
    """The FAQ in ``language``: the admin's, else the built-in one."""
    return parse_faq(settings.get(FAQ_PREFIX + language)) or default_faq()


def shown_settings():
    """What the help form shows, for its hidden ``settings_shown`` (``settings.shown``)."""
    return settings.shown([PHONE, *(FAQ_PREFIX + lang for lang in LANGUAGES)])


def save_settings(phone, faqs, shown=None):
    """Store the phone and each language's FAQ text, audited (the caller commits); ``settings.SettingsChanged``
    when another admin changed them since the form was ``shown``."""
    settings.save({PHONE: phone or "", **{FAQ_PREFIX + lang: text or "" for lang, text in faqs.items()}},
                  action="settings.help", object_id="help", shown=shown)


def report_problem(order, message, *, source, user=None):
    """Leave the customer's message as a note on the order for staff (the caller commits)."""
    message = (message or "").strip()
    if len(message) < 3:
        raise ReportRefused(_("Please tell the shop what went wrong."))
    if len(message) > MESSAGE_MAX:
        raise ReportRefused(_("Please keep the message under %(count)s characters.", count=MESSAGE_MAX))
    report = ProblemReport(order=order, message=message, source=source)
    db.session.add(report)
    record("order.problem_reported", "order", order.id, after={"source": source}, actor=user)
    attention.scan()  # staff see it on the Attention page now, not at the next scheduled scan
    return report


def mark_handled(report, user):
    report.handled_at = utcnow()
    record("order.problem_handled", "order", report.order_id, after={"report": report.id}, actor=user)
    attention.scan()  # and it leaves the Attention page at once


def open_reports(order):
    return [r for r in order.problem_reports if r.handled_at is None]


def count_between(start, end):
    return db.session.execute(db.select(func.count(ProblemReport.id)).where(
        ProblemReport.created_at >= start, ProblemReport.created_at < end,
        real_order_id(ProblemReport.order_id))).scalar()


# the analytics count "where is my order" questions from every registered source
register_source("problem_reports", _l("Reported problems"), count_between)
