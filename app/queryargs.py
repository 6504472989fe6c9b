"""Checked query-string parameters for the staff lists (orders, audit log, analytics, users, messages).

A date that is not a calendar date or lies outside 1900–2999, or a text filter longer than the list
can use, is refused with a translated 400 naming the parameter, instead of a server error, a
misleading 503 from the database, or a filter that is quietly dropped or cut.
"""
from datetime import date

from flask import request
from flask_babel import format_date
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

#: Dates a filter accepts: anything beyond cannot match an order and would overflow the day arithmetic
DATE_RANGE = (date(1900, 1, 1), date(2999, 12, 31))


class BadQueryArg(BadRequest):
    """A query parameter the page cannot use; ``detail`` is the translated reason shown on the 400 page."""

    def __init__(self, detail):
        super().__init__(detail)
        self.detail = detail
        # the same list without any filter (none for a file download such as export.csv)
        self.back = None if "." in request.path.rsplit("/", 1)[-1] else request.path


def _shown(value, limit=40):
    return value if len(value) <= limit else value[:limit] + "…"


def date_arg(args, name):
    """The date in ``args[name]`` (``YYYY-MM-DD``), None when absent or empty."""
    value = (args.get(name) or "").strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise BadQueryArg(_("“%(value)s” in “%(name)s” is not a date; use the form 2026-03-31.",
                            value=_shown(value), name=name))
    if not DATE_RANGE[0] <= day <= DATE_RANGE[1]:
        raise BadQueryArg(_("The date %(value)s in “%(name)s” is outside the years %(first)d–%(last)d.",
                            value=value, name=name, first=DATE_RANGE[0].year, last=DATE_RANGE[1].year))
    return day


def period_error(first, last):
    """Why a list cannot show the period from ``first`` to ``last`` (dates, either may be None), or None."""
    if first and last and last < first:
        # the dates in the middle: "7 груд. 2026 р." ends with its own full stop
        return _("The end date %(last)s is before the start date %(first)s: the period must end on or after the day "
                 "it starts.", first=format_date(first), last=format_date(last))
    return None


#: Beyond this a page's SQL OFFSET overflows
MAX_PAGE = 1_000_000


def page_arg(args):
    """``args["page"]`` as a page number from 1 to ``MAX_PAGE``; 1 when it is absent or not a number."""
    try:
        return min(max(1, int(args.get("page") or 1)), MAX_PAGE)
    except (TypeError, ValueError):
        return 1


def text_arg(args, name, limit):
    """The stripped text in ``args[name]`` ("" when absent), refused when longer than ``limit``."""
    value = (args.get(name) or "").strip()
    if len(value) > limit:
        raise BadQueryArg(_("The filter “%(name)s” is longer than %(limit)d characters.", name=name, limit=limit))
    return value
