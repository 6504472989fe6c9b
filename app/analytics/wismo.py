""""Where is my order?" questions: a registry of where customers ask, counted per 100 orders.

A domain that takes customers' questions about an order registers a counter once at import (the
customer page's "report a problem" is registered by ``app.tracking.help``; a contact form would add
its own):

    from app.analytics.wismo import register_source
    register_source("problem_reports", _l("Reported problems"), count_between)

where ``count_between(start, end)`` returns how many questions arrived in ``[start, end)`` (naive
UTC datetimes). The analytics add up every registered source; with none registered the figure
says so instead of showing zero.
"""
from dataclasses import dataclass
from typing import Callable

_sources = {}


@dataclass(frozen=True)
class Source:
    name: str
    label: object
    count_between: Callable


def register_source(name, label, count_between):
    _sources[name] = Source(name, label, count_between)


def unregister_source(name):
    _sources.pop(name, None)


def sources():
    return list(_sources.values())


def counts(start, end):
    """[(source name, questions in [start, end))] for every registered source."""
    return [(source.name, int(source.count_between(start, end) or 0)) for source in sources()]


def label(name):
    source = _sources.get(name)
    return source.label if source else name

