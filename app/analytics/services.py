"""The analytics figures, each one SQL query over orders, status_events and shipments.

Every figure covers a period ``[start, end)`` of local days converted to UTC (times are stored
in UTC). Medians use ``percentile_cont`` on PostgreSQL and a window-function rank on SQLite,
which has no percentile aggregate. Definitions (also shown on the page):

* orders by status: orders created in the period, by their current status;
* time in stage: for each status entered in the period and since left, the time until the
  next status (history rows ordered by time);
* delivery time: orders delivered in the period, from the first "shipped" or "on the way"
  row to the "delivered" row, per carrier and per destination region;
* late shipments: parcels of orders delivered in the period that have an expected date
  (``shipments.scheduled_delivery_date``) and arrived on a later (UTC) day;
* ETA accuracy: the mean absolute difference in days between the expected and actual day;
* returns rate: of the orders that ended in the period as delivered or returned, the share
  returned; reasons from the reason chosen by staff.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import text

from app.admin.orderlist import local_day_start
from app.extensions import db
from app.orders import statuses

STAGES = (statuses.NEW, statuses.AWAITING_SHIPMENT, statuses.SHIPPED, statuses.IN_TRANSIT)
#: Naming every status lets the (status, created_at) index serve a plain time range.
_ALL_STATUSES = ", ".join(f"'{s}'" for s in statuses.ALL)


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
    #: ETA accuracy: mean absolute error in days between expected and actual delivery day
    eta_mae: float | None = None

    @property
    def returns_rate(self):
        return self.returned / self.finished if self.finished else None

    @property
    def orders_total(self):
        return sum(self.by_status.values())


def _pg():
    return db.engine.dialect.name == "postgresql"


def _seconds(earlier, later):
    if _pg():
        return f"CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS DOUBLE PRECISION)"
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


def _day_difference(timestamp, day):
    """Whole days from ``day`` (a DATE column) to the UTC day of ``timestamp``."""
    if _pg():
        return f"(CAST({timestamp} AS DATE) - {day})"
    return f"CAST(julianday(date({timestamp})) - julianday({day}) AS INTEGER)"


def _grouped_stats(values_sql, params, prefix=""):
    """Count, mean and median of ``v`` per (``dim``, ``grp``) from a subquery yielding (dim, grp, v).

    ``prefix`` may hold a ``WITH`` clause the subquery refers to.
    """
    if _pg():
        sql = (f"{prefix} SELECT dim, grp, COUNT(*), AVG(v), percentile_cont(0.5) WITHIN GROUP (ORDER BY v) "
               f"FROM ({values_sql}) AS x GROUP BY dim, grp")
    else:
        sql = (f"{prefix} SELECT dim, grp, COUNT(*), AVG(v), "
               f"AVG(CASE WHEN rn IN ((cnt + 1) / 2, (cnt + 2) / 2) THEN v END) "
               f"FROM (SELECT dim, grp, v, ROW_NUMBER() OVER (PARTITION BY dim, grp ORDER BY v) AS rn, "
               f"COUNT(*) OVER (PARTITION BY dim, grp) AS cnt FROM ({values_sql}) AS x) AS r GROUP BY dim, grp")
    out = {}
    for dim, g, n, m, md in db.session.execute(text(sql), params).all():
        out.setdefault(dim, []).append(Stat(g, int(n), None if m is None else float(m), None if md is None else float(md)))
    return out


def orders_by_status(period):
    rows = db.session.execute(text(
        "SELECT status, COUNT(*) FROM orders WHERE created_at >= :start AND created_at < :end GROUP BY status"),
        period.params).all()
    counts = dict.fromkeys(statuses.ALL, 0)
    counts.update({status: int(n) for status, n in rows})
    return counts


def stage_times(period):
    """Seconds spent in each stage that began in the period and has ended.

    The next history row of a row in the period is never earlier than the period's start, so
    only rows from the start on, of orders with a row in the period, are read."""
    values = f"""
        SELECT 'stage' AS dim, ev.status AS grp, {_seconds('ev.created_at', 'ev.left_at')} AS v FROM (
            SELECT status, created_at,
                   LEAD(created_at) OVER (PARTITION BY order_id ORDER BY created_at, id) AS left_at
            FROM status_events
            WHERE created_at >= :start
              AND order_id IN (SELECT order_id FROM status_events
                               WHERE status IN ({_ALL_STATUSES}) AND created_at >= :start AND created_at < :end)
        ) AS ev
        WHERE ev.left_at IS NOT NULL AND ev.created_at < :end"""
    by_stage = {s.key: s for s in _grouped_stats(values, period.params).get("stage", [])}
    return [by_stage.get(stage) or Stat(stage, 0, None, None) for stage in STAGES]


_DELIVERIES = """
    SELECT o.id AS order_id, o.delivery_carrier AS carrier, o.delivery_region AS region,
           d.delivered_at AS delivered_at, MIN(s.created_at) AS shipped_at
    FROM (SELECT order_id, MAX(created_at) AS delivered_at FROM status_events
          WHERE status = 'delivered' AND created_at >= :start AND created_at < :end
          GROUP BY order_id) AS d
    JOIN orders AS o ON o.id = d.order_id
    JOIN status_events AS s ON s.order_id = d.order_id AND s.status IN ('shipped', 'in_transit')
                               AND s.created_at <= d.delivered_at
    GROUP BY o.id, o.delivery_carrier, o.delivery_region, d.delivered_at"""


def delivery_times(period):
    """Seconds from hand-over to delivery: {"all": [Stat], "carrier": [...], "region": [...]} in one query."""
    seconds = _seconds("del.shipped_at", "del.delivered_at")
    values = (f"SELECT 'all' AS dim, '' AS grp, {seconds} AS v FROM del "
              f"UNION ALL SELECT 'carrier', del.carrier, {seconds} FROM del "
              f"UNION ALL SELECT 'region', del.region, {seconds} FROM del")
    stats = _grouped_stats(values, period.params, prefix=f"WITH del AS ({_DELIVERIES})")
    return {dim: sorted(stats.get(dim, []), key=lambda s: (-s.count, s.key or "")) for dim in ("all", "carrier", "region")}


def late_shipments(period):
    """Parcels with an expected date delivered in the period: how many, how many late, and the
    ETA error, as {"all": [LateRow], "carrier": [...], "region": [...]} in one query."""
    diff = _day_difference("d.delivered_at", "sh.scheduled_delivery_date")
    sql = f"""
        WITH parcels AS (
            SELECT sh.carrier AS carrier, o.delivery_region AS region,
                   CASE WHEN {diff} > 0 THEN 1 ELSE 0 END AS late, ABS({diff}) AS error
            FROM (SELECT order_id, MAX(created_at) AS delivered_at FROM status_events
                  WHERE status = 'delivered' AND created_at >= :start AND created_at < :end
                  GROUP BY order_id) AS d
            JOIN shipments AS sh ON sh.order_id = d.order_id
            JOIN orders AS o ON o.id = d.order_id
            WHERE sh.scheduled_delivery_date IS NOT NULL)
        SELECT 'all', '', COUNT(*), SUM(late), AVG(error) FROM parcels
        UNION ALL SELECT 'carrier', carrier, COUNT(*), SUM(late), AVG(error) FROM parcels GROUP BY carrier
        UNION ALL SELECT 'region', region, COUNT(*), SUM(late), AVG(error) FROM parcels GROUP BY region"""
    out = {"all": [], "carrier": [], "region": []}
    for dim, g, n, late, err in db.session.execute(text(sql), period.params).all():
        out[dim].append(LateRow(g, int(n), int(late or 0), None if err is None else float(err)))
    for dim in ("carrier", "region"):
        out[dim].sort(key=lambda r: (-r.late, -r.shipments, r.key or ""))
    return out


def returns(period):
    finished, returned = db.session.execute(text(
        "SELECT COUNT(*), SUM(CASE WHEN status = 'returned' THEN 1 ELSE 0 END) FROM orders "
        "WHERE status IN ('delivered', 'returned') AND status_changed_at >= :start AND status_changed_at < :end"),
        period.params).one()
    reasons = db.session.execute(text(
        "SELECT e.reason_code, COUNT(DISTINCT e.order_id) FROM status_events AS e JOIN orders AS o ON o.id = e.order_id "
        "WHERE e.status = 'returned' AND o.status = 'returned' "
        "AND o.status_changed_at >= :start AND o.status_changed_at < :end GROUP BY e.reason_code"),
        period.params).all()
    return int(finished or 0), int(returned or 0), sorted(((code, int(n)) for code, n in reasons),
                                                          key=lambda r: (-r[1], r[0] or ""))


def eta_accuracy(period, late=None):
    """ETA accuracy: mean absolute error in days of the carriers' expected dates (None without data).

    ``late`` is a ``late_shipments`` result already at hand (saves the query)."""
    return (late or late_shipments(period))["all"][0].mean_abs_error_days


def build_report(period):
    delivery = delivery_times(period)
    late = late_shipments(period)
    finished, returned, reasons = returns(period)
    return Report(
        period=period, by_status=orders_by_status(period), stages=stage_times(period),
        delivery_overall=delivery["all"][0] if delivery["all"] else Stat("", 0, None, None),
        delivery_by_carrier=delivery["carrier"], delivery_by_region=delivery["region"],
        late_overall=late["all"][0], late_by_carrier=late["carrier"], late_by_region=late["region"],
        finished=finished, returned=returned, return_reasons=reasons, eta_mae=eta_accuracy(period, late))
