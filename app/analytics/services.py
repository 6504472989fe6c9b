"""The analytics figures, each one SQL query over orders, order_stages, status_events and shipments.

Every figure covers a period ``[start, end)`` of local days converted to UTC (times are stored
in UTC). Stage lengths and delivery times come precomputed from ``order_stages``
(``app.analytics.stages``), each period's rows read off an index by time; medians and 90th percentiles
are interpolated from the sorted values as PostgreSQL's ``percentile_cont`` does (SQLite has no
percentile aggregate). Definitions (also shown on the page):

* orders by status: orders created in the period, by their current status;
* time in stage: for each status entered in the period and since left, the time until the
  next status (history rows ordered by time); orders now cancelled are left out;
* delivery time: orders delivered in the period, from the first "shipped" or "on the way"
  row to the "delivered" row, per carrier and per destination region;
* late shipments: parcels of orders delivered in the period that have an expected date
  (``shipments.scheduled_delivery_date``) and arrived on a later day (the shop's local day, as the
  on-time rate counts it);
* ETA accuracy: the mean absolute difference in days between the expected and actual day;
* returns rate: of the orders that ended in the period as delivered or returned, the share
  returned; reasons from the reason chosen by staff.

Every figure counts real orders only: a sandbox API client's test orders are left out
(``app.orders.models.REAL_ORDER``; ``order_stages`` keeps none of theirs, and the outbox sends them no
message), and the page says how many were created in the period.
"""
import time
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import text

from app.admin.orderlist import local_day_start
from app.analytics.stages import seconds_between
from app.clock import local_today, utcnow
from app.database import reading
from app.extensions import cache, db
from app.notify.preferences import CUSTOMER_CHANNELS  # not in-app (its rows are written already "sent") or webhooks
from app.orders import statuses
from app.orders.models import real_order_sql
from app.returns import analytics as return_analytics

STAGES = (statuses.NEW, statuses.AWAITING_SHIPMENT, statuses.SHIPPED, statuses.IN_TRANSIT)


@dataclass(frozen=True)
class Period:
    first_day: date
    last_day: date

    @property
    def start(self):
        return local_day_start(self.first_day)

    @property
    def end(self):
        return local_day_start(self.last_day + timedelta(days=1))

    @property
    def params(self):
        return {"start": self.start, "end": self.end}

    @property
    def days(self):
        return (self.last_day - self.first_day).days + 1

    @classmethod
    def month(cls, year, month):
        first = date(year, month, 1)
        following = date(year + (month == 12), month % 12 + 1, 1)
        return cls(first, following - timedelta(days=1))


@dataclass
class Stat:
    key: str | None
    count: int
    mean: float | None
    median: float | None
    p90: float | None = None


@dataclass
class LateRow:
    key: str | None
    shipments: int
    late: int
    mean_abs_error_days: float | None

    @property
    def share(self):
        return self.late / self.shipments if self.shipments else None


@dataclass
class Report:
    period: Period
    by_status: dict
    stages: list
    delivery_overall: Stat
    delivery_by_carrier: list
    delivery_by_region: list
    late_overall: LateRow
    late_by_carrier: list
    late_by_region: list
    finished: int
    returned: int
    return_reasons: list = field(default_factory=list)
    #: ``status_latency``: carrier event → shop status per carrier, → first message per carrier and channel
    latency: dict = field(default_factory=lambda: {"shop": [], "message": []})
    #: ``message_counts``: customer messages per channel and template
    messages: list = field(default_factory=list)
    #: ``deliveries``: the late parcels above and the on-time rows for ``kpis.on_time``, read in one statement
    deliveries: dict | None = None
    #: Sandbox API clients' test orders created in the period: counted in no figure, only named
    sandbox_orders: int = 0

    @property
    def returns_rate(self):
        return self.returned / self.finished if self.finished else None

    @property
    def orders_total(self):
        return sum(self.by_status.values())


def _pg():
    return db.engine.dialect.name == "postgresql"


def _day_difference(timestamp, day):
    """Whole days from ``day`` (a DATE column) to the shop's local day of ``timestamp`` (``local_day``:
    parameters ``local_day_params``). A parcel delivered at 00:30 in Kyiv on the day after its expected
    date is late, though it is still the expected day in UTC."""
    if _pg():
        return f"({local_day(timestamp)} - {day})"
    return f"CAST(julianday({local_day(timestamp)}) - julianday({day}) AS INTEGER)"


def quantile(ordered, q):
    """The ``q`` quantile of sorted values, interpolated as ``percentile_cont`` does (None if empty)."""
    if not ordered:
        return None
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def stat(key, values):
    """Count, mean, median and 90th percentile of ``values``."""
    ordered = sorted(values)
    mean = sum(ordered) / len(ordered) if ordered else None
    return Stat(key, len(ordered), mean, quantile(ordered, 0.5), quantile(ordered, 0.9))


def sql_list(values):
    """``values`` as an SQL list of string literals (for ``IN (...)``; the app's own codes only)."""
    return ", ".join(f"'{value}'" for value in values)


def template_sql():
    """A notification's template as SQL: its notice kind, else the status it announces."""
    from app.notify.defaults import NOTICE_KINDS

    return f"CASE WHEN kind IN ({sql_list(NOTICE_KINDS)}) THEN kind ELSE status END"


def _grouped(pairs):
    """[(group, value)] → {group: [values]}"""
    groups = {}
    for key, value in pairs:
        groups.setdefault(key, []).append(value)
    return groups


def orders_by_status(period):
    """({status: real orders created in the period}, sandbox orders created in the period)."""
    rows = db.session.execute(text(
        f"SELECT status, CASE WHEN {real_order_sql()} THEN 1 ELSE 0 END, COUNT(*) FROM orders "
        "WHERE created_at >= :start AND created_at < :end GROUP BY 1, 2"), period.params).all()
    counts = dict.fromkeys(statuses.ALL, 0)
    counts.update({status: int(n) for status, real, n in rows if real})
    return counts, sum(int(n) for _status, real, n in rows if not real)


def index_hint(index):
    """SQLite's planner would rather range over the period's index and sort: name the index to read."""
    return "" if _pg() else f" INDEXED BY {index}"


def stage_times(period):
    """Seconds spent in each stage that began in the period and has ended (from ``order_stages``), orders cancelled
    since left out: a stage a cancellation cut short says nothing of how long orders wait. The few cancelled
    orders come off ``ix_orders_status_created``, the stages off ``ix_order_stages_status_entered`` alone."""
    rows = db.session.execute(text(
        f"SELECT status, seconds FROM order_stages WHERE status IN ({sql_list(STAGES)}) AND entered_at >= :start "
        "AND entered_at < :end AND seconds IS NOT NULL "
        f"AND order_id NOT IN (SELECT id FROM orders WHERE status = '{statuses.CANCELLED}')"), period.params).all()
    lengths = _grouped(rows)
    return [stat(stage, lengths.get(stage, [])) for stage in STAGES]


#: Each order's last delivery in the period (an order delivered again, a correction, counts its last one):
#: its "delivered" row in the period whose order was not delivered again before the period's end.
#: ``status`` is named literally so that the partial indexes of the delivered rows apply.
LAST_DELIVERY = ("status = 'delivered' AND entered_at >= :start AND entered_at < :end "
                 "AND (next_same_at IS NULL OR next_same_at >= :end)")


def last_deliveries_sql():
    """``order_id, region, delivered_at`` of each order delivered in the period, at its last delivery, read off
    the delivered rows' index. Grouped by order, it comes out in order of order_id, so that joins from it read
    the other tables in their order (in order of delivery, the joins jump across them and take twice as long)."""
    return ("SELECT order_id, MAX(region) AS region, MAX(entered_at) AS delivered_at "
            f"FROM order_stages{index_hint('ix_order_stages_delivered')} WHERE status = 'delivered' "
            "AND entered_at >= :start AND entered_at < :end GROUP BY order_id")


def delivery_times(period):
    """Seconds from hand-over to delivery: {"all": [Stat], "carrier": [...], "region": [...]}, each order at
    its last delivery in the period, read off ``ix_order_stages_delivered``."""
    rows = db.session.execute(text(
        f"SELECT since_handover, carrier, region FROM order_stages{index_hint('ix_order_stages_delivered')} "
        f"WHERE {LAST_DELIVERY} AND since_handover IS NOT NULL"), period.params).all()
    out = {"all": [stat("", [row[0] for row in rows])] if rows else []}
    for dim, index in (("carrier", 1), ("region", 2)):
        groups = _grouped((row[index], row[0]) for row in rows)
        out[dim] = sorted((stat(key, values) for key, values in groups.items()), key=lambda s: (-s.count, s.key or ""))
    return out


def local_day(column):
    """The shop's local calendar day of a UTC timestamp column, as SQL (parameters ``zone`` and ``offset``)."""
    if _pg():
        return f"CAST(({column} AT TIME ZONE 'UTC') AT TIME ZONE :zone AS DATE)"
    # SQLite has no time zones: shift by the zone's offset at the period's start (no DST inside a day)
    return f"date({column}, :offset)"


def local_day_params(period):
    zone_name = current_app.config.get("TIMEZONE") or "UTC"
    offset = ZoneInfo(zone_name).utcoffset(period.start) or 0
    seconds = int(offset.total_seconds()) if offset else 0
    return {"zone": zone_name, "offset": f"{seconds:+d} seconds"}


def _deliveries_sql():
    """One statement over the period's deliveries (``last_deliveries_sql``, each order once) for two figures:
    parcels with an expected date grouped by carrier and region (how many, how many arrived on a later UTC
    day, the sum of the days' differences), and orders with a promised date (``orders.promised_date``, else
    the carrier's latest date on a parcel) by carrier (how many, how many arrived on or before it, local day),
    with the first Attention rule of each late one. The orders and their parcels are each read once, in
    order of order_id."""
    diff = _day_difference("d.delivered_at", "sh.scheduled_delivery_date")
    return f"""
        WITH d AS MATERIALIZED ({last_deliveries_sql()}),
        parcels AS MATERIALIZED (
            SELECT sh.carrier AS carrier, d.region AS region, {diff} AS days
            FROM d JOIN shipments AS sh ON sh.order_id = d.order_id
            WHERE sh.scheduled_delivery_date IS NOT NULL),
        promised AS (
            SELECT d.order_id AS order_id, o.delivery_carrier AS carrier, d.delivered_at AS delivered_at,
                   COALESCE(o.promised_date, (SELECT MAX(sh.scheduled_delivery_date) FROM shipments AS sh
                                              WHERE sh.order_id = d.order_id)) AS promised
            FROM d JOIN orders AS o ON o.id = d.order_id),
        p AS MATERIALIZED (
            SELECT order_id, carrier, CASE WHEN {local_day('delivered_at')} <= promised THEN 1 ELSE 0 END AS ok
            FROM promised WHERE promised IS NOT NULL)
        SELECT 'late', carrier, region, COUNT(*), SUM(CASE WHEN days > 0 THEN 1 ELSE 0 END), SUM(ABS(days))
        FROM parcels GROUP BY carrier, region
        UNION ALL SELECT 'on_time', 'carrier', carrier, COUNT(*), SUM(ok), NULL FROM p GROUP BY carrier
        UNION ALL
        SELECT 'on_time', 'cause', COALESCE((SELECT e.rule FROM delivery_exceptions AS e WHERE e.order_id = p.order_id
                                             AND e.rule <> 'low_score' ORDER BY e.found_at, e.id LIMIT 1), 'none'),
               COUNT(*), 0, NULL
        FROM p WHERE ok = 0 GROUP BY 3"""


def deliveries(period):
    """The period's deliveries read once for two figures (``_deliveries_sql``):
    {"late": {"all": [LateRow], "carrier": [...], "region": [...]},
     "on_time": [("carrier" or "cause", key, orders, on time)]} (shaped by ``kpis.on_time``)."""
    late = {"all": {"": [0, 0, 0]}, "carrier": {}, "region": {}}
    on_time = []
    params = {**period.params, **local_day_params(period)}
    for figure, first, second, n, count, days in db.session.execute(text(_deliveries_sql()), params).all():
        if figure == "on_time":
            on_time.append((first, second, int(n), int(count or 0)))
            continue
        for dim, key in (("all", ""), ("carrier", first), ("region", second)):
            totals = late[dim].setdefault(key, [0, 0, 0])
            totals[0] += int(n)
            totals[1] += int(count or 0)
            totals[2] += int(days or 0)
    rows = {dim: [LateRow(key, n, count, days / n if n else None) for key, (n, count, days) in groups.items()]
            for dim, groups in late.items()}
    for dim in ("carrier", "region"):
        rows[dim].sort(key=lambda r: (-r.late, -r.shipments, r.key or ""))
    return {"late": rows, "on_time": on_time}


def returns(period):
    finished, returned = db.session.execute(text(
        "SELECT COUNT(*), SUM(CASE WHEN status = 'returned' THEN 1 ELSE 0 END) FROM orders "
        "WHERE status IN ('delivered', 'returned') AND status_changed_at >= :start AND status_changed_at < :end "
        f"AND {real_order_sql()}"),
        period.params).one()
    # the period's returned orders as a list of ids rather than a join: their history is then looked up in order
    # of order_id (about 30 % less time for a year) instead of in order of the time they were returned
    reasons = db.session.execute(text(
        "SELECT e.reason_code, COUNT(DISTINCT e.order_id) FROM status_events AS e "
        "WHERE e.status = 'returned' AND e.order_id IN (SELECT id FROM orders WHERE status = 'returned' "
        f"AND status_changed_at >= :start AND status_changed_at < :end AND {real_order_sql()}) GROUP BY e.reason_code"),
        period.params).all()
    return int(finished or 0), int(returned or 0), sorted(((code, int(n)) for code, n in reasons),
                                                          key=lambda r: (-r[1], r[0] or ""))


def status_latency(period):
    """How fast a carrier's news reaches the customer, for status changes a carrier event caused
    in the period: {"shop": [Stat per carrier], "message": [(carrier, channel, Stat)]}.

    "shop": seconds from the carrier's event time to the sync that stored it and moved the order
    (the shop's status). "message": seconds from that moment to the first message about that status
    sent on each channel (a status merged into a later one before sending has no message of its own)."""
    changes = f"""
        SELECT se.id AS change_id, se.order_id, se.status, sh.carrier, ce.occurred_at, ce.created_at AS known_at
        FROM status_events AS se
        JOIN carrier_events AS ce ON ce.id = se.carrier_event_id
        JOIN shipments AS sh ON sh.id = ce.shipment_id
        WHERE se.carrier_event_id IS NOT NULL AND se.created_at >= :start AND se.created_at < :end
              AND {real_order_sql('se.order_id')}"""
    shop = db.session.execute(text(
        f"SELECT c.carrier, {seconds_between('c.occurred_at', 'c.known_at')} FROM ({changes}) AS c"), period.params).all()
    message = db.session.execute(text(f"""
        SELECT c.carrier, n.channel, MIN({seconds_between('c.known_at', 'n.sent_at')})
        FROM ({changes}) AS c
        JOIN notifications AS n ON n.order_id = c.order_id AND n.status = c.status AND n.kind = 'status'
             AND n.channel IN ({sql_list(CUSTOMER_CHANNELS)}) AND n.sent_at IS NOT NULL AND n.sent_at >= c.known_at
        GROUP BY c.change_id, c.carrier, n.channel"""), period.params).all()
    by_carrier = _grouped((carrier, max(0.0, float(v))) for carrier, v in shop)
    by_pair = _grouped(((carrier, channel), float(v)) for carrier, channel, v in message)
    return {
        "shop": sorted((stat(k, v) for k, v in by_carrier.items()), key=lambda s: (-s.count, s.key or "")),
        "message": sorted(((k[0], k[1], stat(k, v)) for k, v in by_pair.items()),
                          key=lambda r: (r[0] or "", CUSTOMER_CHANNELS.index(r[1]))),
    }


@dataclass
class MessageRow:
    """Customer messages queued in the period for one channel and template (a status or a notice kind)."""

    channel: str
    template: str | None
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    waiting: int = 0

    @property
    def sent_share(self):
        """Of the messages that were tried to the end, the share the channel accepted."""
        tried = self.sent + self.failed
        return self.sent / tried if tried else None


def message_counts(period):
    """[MessageRow] per channel and template for the messages about orders queued in the period (mail
    about no order, a password reset or a shop alert, is left out)."""
    template = template_sql()
    rows = db.session.execute(text(f"""
        SELECT channel, {template} AS template, state, COUNT(*)
        FROM notifications WHERE channel IN ({sql_list(CUSTOMER_CHANNELS)}) AND order_id IS NOT NULL
          AND created_at >= :start AND created_at < :end
        GROUP BY channel, {template}, state"""), period.params).all()
    out = {}
    for channel, template, state, n in rows:
        row = out.setdefault((channel, template), MessageRow(channel, template))
        field_name = {"sent": "sent", "failed": "failed", "skipped": "skipped"}.get(state, "waiting")
        setattr(row, field_name, getattr(row, field_name) + int(n))
    return sorted(out.values(), key=lambda r: (CUSTOMER_CHANNELS.index(r.channel), -(r.sent + r.failed),
                                               r.template or ""))


def build_report(period):
    delivery = delivery_times(period)
    delivered = deliveries(period)
    late = delivered["late"]
    finished, returned, reasons = returns(period)
    by_status, sandbox_orders = orders_by_status(period)
    return Report(
        period=period, by_status=by_status, sandbox_orders=sandbox_orders, stages=stage_times(period),
        delivery_overall=delivery["all"][0] if delivery["all"] else Stat("", 0, None, None),
        delivery_by_carrier=delivery["carrier"], delivery_by_region=delivery["region"],
        late_overall=late["all"][0], late_by_carrier=late["carrier"], late_by_region=late["region"],
        finished=finished, returned=returned, return_reasons=reasons,
        latency=status_latency(period), messages=message_counts(period), deliveries=delivered)


def presets(today):
    """The periods the analytics page offers as links, by name."""
    return {
        "last-30-days": Period(today - timedelta(days=29), today),
        "this-month": Period(today.replace(day=1), today),
        "last-12-months": Period(today - timedelta(days=364), today),
        "this-year": Period(today.replace(month=1, day=1), today),
    }


#: Periods up to this many days are computed whenever they are asked for (at 100,000 orders a quarter takes
#: about 0.4 s); longer ones are kept between recomputations (``figures``)
LIVE_DAYS = 92


@dataclass
class Figures:
    """Everything the analytics pages and their CSV files show for a period, as plain data. The labels are
    added by the page, in its language, so one copy serves every language."""

    report: Report
    kpis: object  # app.analytics.kpis.KpiReport
    returns: object  # app.returns.analytics.ReturnAnalytics
    computed_at: datetime  # naive UTC, as stored times
    seconds: float = 0.0  # how long computing them took
    from_copy: bool = False  # read from the kept copy rather than computed for this request


def compute(period):
    from app.analytics import kpis  # it reads this module's figures

    started = time.perf_counter()
    report = build_report(period)
    kpi_report = kpis.build(period, report.orders_total, report.deliveries)
    return Figures(report=report, kpis=kpi_report, returns=return_analytics.build(period), computed_at=utcnow(),
                   seconds=time.perf_counter() - started)


def is_kept(period):
    """Whether the period may be read from a kept copy (a period longer than ``LIVE_DAYS``, with
    ``ANALYTICS_REFRESH_MINUTES`` on) rather than computed when asked."""
    return current_app.config["ANALYTICS_REFRESH_MINUTES"] > 0 and period.days > LIVE_DAYS


def figures(period):
    """The period's figures. A period that may be kept (``is_kept``) and took longer than ``ANALYTICS_SLOW_MS``
    to compute last time is read from its copy in the cache (Flask-Caching's ``CACHE_TYPE`` store, shared by
    the processes), which ``refresh_job`` recomputes for the page's long presets every
    ``ANALYTICS_REFRESH_MINUTES``; a copy lasts two such intervals. Otherwise (a quick one: a small shop's
    year, whose copy would only lag behind its shorter periods; or no copy yet) the figures are computed now
    and kept with their time."""
    if not is_kept(period):
        return compute(period)
    found = cache.get(_cache_key(period))
    if found is not None and found.seconds * 1000 >= current_app.config["ANALYTICS_SLOW_MS"]:
        return replace(found, from_copy=True)
    return _keep(period)


def _cache_key(period):
    return f"analytics:{period.first_day.isoformat()}:{period.last_day.isoformat()}"


def _keep(period):
    found = compute(period)
    cache.set(_cache_key(period), found, timeout=2 * 60 * current_app.config["ANALYTICS_REFRESH_MINUTES"])
    return found


def refresh_job(app):
    """Scheduled every ``ANALYTICS_REFRESH_MINUTES``: recompute the kept copies of the page's long presets,
    reading from the database's snapshot without taking SQLite's write lock."""
    with reading():
        for period in presets(local_today()).values():
            if is_kept(period):
                _keep(period)
                db.session.rollback()  # end the read transaction: nothing was written
