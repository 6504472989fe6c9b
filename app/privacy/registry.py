"""Where personal data lives, and the retention rules that clean it up.

Two registries, so that every domain brings its own tables and rules:

* **Personal data.** A column holding personal data is marked on the model with
  ``info={"personal": True}`` (optionally ``"anonymise": value`` or ``callable(row)`` for its
  replacement; the default is NULL, or "—" for NOT NULL text). A table whose rows belong to a
  customer is registered with ``register(PersonalData(Model, rows_of=...))``: erasure
  anonymises the marked columns of every such row (or deletes the rows). A test fails when a
  table has marked columns but is not registered.
* **The subject-access export** is an allow-list, not everything erasure touches: ``export``
  names the columns a customer receives, ``export_rows`` narrows the rows (their own messages,
  not the shop's webhook deliveries). A table with no ``export`` columns is erased but never
  exported (audit rows, delivery attempts: the shop's records about its own systems and staff).
* **Retention rules.** ``register_rule(RetentionRule(...))`` with a ``preview(now)`` (how many
  rows the next run touches, shown on /admin/privacy) and an ``apply(now)`` that does it.
  Notification logs, API tokens and webhook logs add their own rules the same way.
"""
import calendar
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import func
from sqlalchemy import inspect as sa_inspect

from app.extensions import db

NOT_NULL_PLACEHOLDER = "—"


def personal_columns(model):
    return [column for column in model.__table__.columns if column.info.get("personal")]


def attribute_name(model, column):
    return sa_inspect(model).get_property_by_column(column).key


def anonymise(row, now=None):
    """Replace every personal value of ``row`` in place (the caller's transaction)."""
    model = type(row)
    for column in personal_columns(model):
        replacement = column.info.get("anonymise", None if column.nullable else NOT_NULL_PLACEHOLDER)
        value = replacement(row) if callable(replacement) else replacement
        setattr(row, attribute_name(model, column), value)
    if now is not None and hasattr(row, "anonymised_at"):
        row.anonymised_at = now


@dataclass(frozen=True)
class PersonalData:
    """Rows of ``model`` that belong to a customer.

    ``rows_of(customer)`` returns a ``select(model)`` of them. ``erase`` is what erasure does
    to them: ``"anonymise"`` (keep the row, blank the personal columns) or ``"delete"``.
    ``export`` lists the columns the customer's own export contains (none: not exported), and
    ``export_rows(customer)``, when given, the rows it contains (default: ``rows_of``).
    """

    model: type
    rows_of: Callable
    erase: str = "anonymise"
    export: tuple = ()
    export_rows: Callable = None
    #: what the staff's privacy page calls these rows (a lazy translated string)
    label: object = None

    @property
    def name(self):
        return self.model.__tablename__

    def exported_rows(self, customer):
        return (self.export_rows or self.rows_of)(customer)


@dataclass(frozen=True)
class RetentionRule:
    """One thing the retention run does. ``preview(now)`` counts, ``apply(now)`` acts and commits."""

    name: str
    label: object  # a lazy translated string
    preview: Callable
    apply: Callable
    sample: Callable = field(default=lambda now: [])


_sources = {}
_rules = {}


def register(source):
    _sources[source.name] = source
    return source


def sources():
    return list(_sources.values())


def register_rule(rule):
    _rules[rule.name] = rule
    return rule


def rules():
    return list(_rules.values())


def unregistered_personal_tables():
    """Tables with personal columns that no ``PersonalData`` covers (a test keeps this empty)."""
    covered = set(_sources)
    return sorted(mapper.class_.__tablename__ for mapper in db.Model.registry.mappers
                  if personal_columns(mapper.class_) and mapper.class_.__tablename__ not in covered)


def count(select):
    """How many rows ``select`` finds: what a rule's ``preview`` shows."""
    return db.session.execute(db.select(func.count()).select_from(select.order_by(None).subquery())).scalar_one()


def months_before(now, months):
    """The same day ``months`` calendar months earlier (clamped to the month's last day)."""
    index = now.year * 12 + now.month - 1 - int(months)
    year, month = divmod(index, 12)
    day = min(now.day, calendar.monthrange(year, month + 1)[1])
    return now.replace(year=year, month=month + 1, day=day)
