"""The staff orders list: filters, search, sort, pagination and counts per status, in SQL.

One ``OrderFilters`` value is parsed from the query string and used by the list page, the
htmx table partial and the CSV/JSON export, so what staff see is what they export.

A sandbox API client's test orders are listed among the others (marked), but the counts count real
orders only and the export leaves them out (``app.orders.models.REAL_ORDER``); the list says how many
of them it shows.
"""
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, or_
from sqlalchemy.orm import joinedload, selectinload

from app import settings
from app.audit import record
from app.carriers import CARRIERS, normalize_tracking_number
from app.extensions import db
from app.orders import access, statuses
from app.orders.models import REAL_ORDER, Customer, Order, Shipment, StatusEvent
from app.queryargs import date_arg, page_arg, text_arg

SORTS = {
    "-created": (Order.created_at.desc(), Order.id.desc()),
    "created": (Order.created_at.asc(), Order.id.asc()),
    "-changed": (Order.status_changed_at.desc(), Order.id.desc()),
    "changed": (Order.status_changed_at.asc(), Order.id.asc()),
    "number": (Order.number.asc(),),
    "-number": (Order.number.desc(),),
    "status": (Order.status.asc(), Order.created_at.desc(), Order.id.desc()),
    "customer": (Customer.name.asc(), Order.id.asc()),
    "-customer": (Customer.name.desc(), Order.id.desc()),
}
DEFAULT_SORT = "-created"


def local_day_start(day):
    """Midnight of ``day`` in the shop's time zone, as a naive UTC datetime (how times are stored)."""
    zone = ZoneInfo(current_app.config.get("TIMEZONE") or "UTC")
    local = datetime.combine(day, time.min, tzinfo=zone)
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def per_page():
    return min(max(settings.get_int("ORDERS_PER_PAGE", 25), 5), 500)


@dataclass
class OrderFilters:
    status: str = ""
    carrier: str = ""
    region: str = ""
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""
    sort: str = DEFAULT_SORT
    page: int = 1

    @classmethod
    def from_args(cls, args):
        status = args.get("status", "")
        carrier = args.get("carrier", "")
        sort = args.get("sort", DEFAULT_SORT)
        return cls(status=status if status in statuses.ALL else "",
                   carrier=carrier if carrier in CARRIERS else "",
                   region=text_arg(args, "region", 120),
                   date_from=date_arg(args, "date_from"), date_to=date_arg(args, "date_to"),
                   q=text_arg(args, "q", 200),
                   sort=sort if sort in SORTS else DEFAULT_SORT, page=page_arg(args))

    def as_args(self, **override):
        """Query-string arguments for links (empty values left out), with ``override`` applied."""
        values = {**{f.name: getattr(self, f.name) for f in fields(self)}, **override}
        return {key: value.isoformat() if isinstance(value, date) else value for key, value in values.items()
                if value not in (None, "") and (key, value) not in (("sort", DEFAULT_SORT), ("page", 1))}


def _contains(column, text):
    """Case-insensitive substring match that also folds Cyrillic case on SQLite."""
    if db.engine.dialect.name == "postgresql":
        return column.icontains(text, autoescape=True)
    variants = {text, text.lower(), text.upper(), text.capitalize(), text.title()}
    return or_(*(column.contains(v, autoescape=True) for v in sorted(variants)))


def _search(q):
    """Orders whose number or tracking number is ``q``, or whose customer matches it.

    Each branch is an indexed lookup or a scan of the (much smaller) customers table, joined
    by ``IN`` so the database never scans orders x customers for a text match.
    """
    numbers = {q.upper(), access.normalise_order_number(q)}  # "ps 100002", "100002", "№100002" too
    conditions = [Order.number.in_(sorted(numbers))]
    number = normalize_tracking_number(q)
    if number:
        conditions.append(Order.id.in_(db.select(Shipment.order_id).where(Shipment.tracking_number == number)))
    customer_match = []
    if len(q) >= 2:
        customer_match.append(_contains(Customer.name, q))
    if "@" in q or len(q) >= 3:
        customer_match.append(_contains(Customer.email, q.lower()))
    phone = Customer.phone_matches(q)
    if phone is not None:
        customer_match.append(phone)
    if customer_match:
        conditions.append(Order.customer_id.in_(db.select(Customer.id).where(or_(*customer_match))))
    return or_(*conditions)


def apply_filters(select, filters, *, include_status=True):
    """Add the WHERE clauses of ``filters`` to a select over ``Order`` joined with ``Customer``."""
    if include_status and filters.status:
        select = select.where(Order.status == filters.status)
    if filters.carrier:
        select = select.where(Order.delivery_carrier == filters.carrier)
    if filters.region:
        select = select.where(Order.delivery_region == filters.region)
    if filters.date_from:
        select = select.where(Order.created_at >= local_day_start(filters.date_from))
    if filters.date_to:
        select = select.where(Order.created_at < local_day_start(filters.date_to + timedelta(days=1)))
    if filters.q:
        select = select.where(_search(filters.q))
    return select


def _needs_customer(filters):
    return filters.sort in ("customer", "-customer")


def _base(filters, columns, *, include_status=True, for_sort=True):
    select = db.select(*columns)
    if for_sort and _needs_customer(filters):
        select = select.join(Customer, Customer.id == Order.customer_id)
    return apply_filters(select, filters, include_status=include_status)


@dataclass
class Counts:
    """Orders per status for the current filters: the real ones, and the sandbox orders listed beside them."""

    real: dict
    sandbox: dict

    def found(self, status=""):
        """How many real orders match for ``status`` ("" for every status)."""
        return self.real.get(status, 0) if status else sum(self.real.values())

    def sandbox_found(self, status=""):
        return self.sandbox.get(status, 0) if status else sum(self.sandbox.values())

    def listed(self, status=""):
        """How many orders the list shows for ``status``: the real ones and the sandbox ones."""
        return self.found(status) + self.sandbox_found(status)


def _count_by_status(filters):
    real = REAL_ORDER.label("real")
    select = _base(filters, (Order.status, real, func.count(Order.id)), include_status=False,
                   for_sort=False).group_by(Order.status, real)
    counts = Counts(dict.fromkeys(statuses.ALL, 0), dict.fromkeys(statuses.ALL, 0))
    for status, is_real, n in db.session.execute(select):
        (counts.real if is_real else counts.sandbox)[status] = n
    return counts


def _unfiltered(filters):
    return not (filters.carrier or filters.region or filters.date_from or filters.date_to or filters.q)


def status_counts(filters):
    """``Counts`` for the current filters, whatever status is picked.

    Counting every order takes time in proportion to the number of orders, so on SQLite the
    unfiltered counts (the list's first view) are kept per process under the id of the newest
    history row. Every status an order takes, its first one included, is written with a history
    row (``orders.lifecycle``, ``orders.services.create_order``); those rows are never changed or
    deleted, and SQLite commits one writer at a time, so ids grow in commit order: the same newest
    id means the same counts, and any change is counted afresh on the next view. PostgreSQL may
    commit transactions out of id order, so there every view counts.
    """
    if not _unfiltered(filters) or db.engine.dialect.name != "sqlite":
        return _count_by_status(filters)
    # one read transaction: the id and the counts come from the same snapshot
    newest = db.session.execute(db.select(func.max(StatusEvent.id))).scalar()
    kept = current_app.extensions.get("posylka_status_counts")
    if kept is not None and kept[0] == newest:
        return Counts(dict(kept[1].real), dict(kept[1].sandbox))
    counts = _count_by_status(filters)
    current_app.extensions["posylka_status_counts"] = (newest, Counts(dict(counts.real), dict(counts.sandbox)))
    return counts


@dataclass
class Page:
    orders: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self):
        return max(1, -(-self.total // self.per_page))


def _row_options(with_history=False):
    options = (joinedload(Order.customer), selectinload(Order.shipments), selectinload(Order.items))
    return options + (selectinload(Order.history),) if with_history else options


def find_orders(filters, counts=None):
    """One page of orders for the list, with what each row shows loaded in three queries.

    ``counts`` (``status_counts(filters)``, when the caller has it) gives the total without
    counting the orders a second time.
    """
    size = per_page()
    if counts is not None:
        total = counts.listed(filters.status)
    else:
        total = db.session.execute(_base(filters, (func.count(Order.id),), for_sort=False)).scalar_one()
    page = min(filters.page, max(1, -(-total // size)))
    ids = db.session.execute(
        _base(filters, (Order.id,)).order_by(*SORTS[filters.sort]).limit(size).offset((page - 1) * size)
    ).scalars().all()
    rows = []
    if ids:
        by_id = {o.id: o for o in db.session.execute(
            db.select(Order).where(Order.id.in_(ids)).options(*_row_options())).unique().scalars()}
        rows = [by_id[i] for i in ids]
    return Page(rows, total, page, size)


def exported_orders(filters, fmt):
    """What an export of ``filters`` writes (``iter_orders``, read as the download streams); every export is
    in the audit log, with its format and filters (the caller commits before streaming)."""
    record("orders.export", "order", None, after={"format": fmt, "filters": filters.as_args()})
    return iter_orders(filters, with_history=(fmt != "json"))


def iter_orders(filters, batch=500, with_history=False):
    """Every real order matching ``filters`` (no paging), in list order, loaded in batches: the export."""
    ids = db.session.execute(_base(filters, (Order.id,)).where(REAL_ORDER).order_by(*SORTS[filters.sort])).scalars().all()
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        by_id = {o.id: o for o in db.session.execute(
            db.select(Order).where(Order.id.in_(chunk)).options(*_row_options(with_history))).unique().scalars()}
        for order_id in chunk:
            yield by_id[order_id]
        for order in by_id.values():  # keep memory flat on a large export (items, parcels follow by cascade)
            db.session.expunge(order)


def regions():
    """Regions that appear on orders, for the filter's choices."""
    return db.session.execute(db.select(Order.delivery_region).where(Order.delivery_region.is_not(None))
                              .distinct().order_by(Order.delivery_region)).scalars().all()
