"""Delivery and message KPIs beside the main report (issue #19): what happened to messages after
sending, A/B variants, tracking-page views, "where is my order" questions, the customers' ratings,
the on-time rate against the date the customer was shown and the causes of late and returned parcels.

Each figure is one or two SQL queries over the period ``[start, end)`` (``services.Period``):

* message KPIs: customer messages (e-mail, SMS, push, Telegram, Viber) created in the period and
  sent, per channel and template: how many, how many the provider reported delivered, opened, clicked;
* A/B: the same counts per variant for templates with a variant recorded; each rate with its Wilson
  interval, and the two-proportion test of "b" against "a";
* views: tracking-page views on the period's days, the orders viewed and views per viewed order;
* questions: every registered "where is my order" source (``wismo``) per 100 orders created;
* ratings: questions asked in the period per carrier and destination region: asked, answered,
  average rating and low ratings (1–2);
* on time: orders delivered in the period with a promised date (``orders.promised_date``, else the
  carrier's date on the parcel): on time when delivered (local day) on or before it;
* causes: each late or returned order's cause is the first Attention rule found for it
  (``delivery_exceptions``), a staff reason for a return without one, else "no warning".
"""
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import text

from app.analytics import stats, wismo
from app.extensions import db

CHANNELS = ("email", "sms", "push", "telegram", "viber")
#: Which channels can report each outcome at all (the others show "—", not 0 %)
REPORTS = {"delivered": ("sms", "viber"), "opened": ("email",), "clicked": CHANNELS}


def _channels_sql():
    return ", ".join(f"'{c}'" for c in CHANNELS)


def _template_sql():
    from app.notify.defaults import NOTICE_KINDS

    notices = ", ".join(f"'{k}'" for k in NOTICE_KINDS)
    return f"CASE WHEN kind IN ({notices}) THEN kind ELSE status END"


@dataclass
class Outcomes:
    sent: int = 0
    delivered: int = 0
    opened: int = 0
    clicked: int = 0

    def rate(self, name):
        return getattr(self, name) / self.sent if self.sent else None


@dataclass
class MessageKpi(Outcomes):
    channel: str = ""
    template: str | None = None


def message_kpis(period):
    """[MessageKpi] per channel and template for the customer messages sent from the period."""
    template = _template_sql()
    rows = db.session.execute(text(f"""
        SELECT channel, {template}, COUNT(*), COUNT(delivered_at), COUNT(opened_at), COUNT(clicked_at)
        FROM notifications
        WHERE channel IN ({_channels_sql()}) AND state = 'sent' AND created_at >= :start AND created_at < :end
        GROUP BY channel, {template}"""), period.params).all()
    out = [MessageKpi(int(n), int(d), int(o), int(c), channel=ch, template=t) for ch, t, n, d, o, c in rows]
    return sorted(out, key=lambda r: (CHANNELS.index(r.channel), -r.sent, r.template or ""))


@dataclass
class Rate:
    successes: int
    trials: int

    @property
    def value(self):
        return self.successes / self.trials if self.trials else None

    @property
    def interval(self):
        return stats.wilson(self.successes, self.trials)


@dataclass
class VariantTest:
    """One template's A/B test: per outcome, the rates of "a" and "b", the test's p and the winner."""

    channel: str
    template: str
    a: Outcomes
    b: Outcomes
    results: dict = field(default_factory=dict)


def ab_tests(period):
    """[VariantTest] for every channel × template with messages of both variants in the period."""
    template = _template_sql()
    rows = db.session.execute(text(f"""
        SELECT channel, {template}, variant, COUNT(*), COUNT(delivered_at), COUNT(opened_at), COUNT(clicked_at)
        FROM notifications
        WHERE variant IS NOT NULL AND channel IN ({_channels_sql()}) AND state = 'sent'
              AND created_at >= :start AND created_at < :end
        GROUP BY channel, {template}, variant"""), period.params).all()
    tests = {}
    for channel, tmpl, variant, n, d, o, c in rows:
        test = tests.setdefault((channel, tmpl), VariantTest(channel, tmpl, Outcomes(), Outcomes()))
        setattr(test, variant if variant in ("a", "b") else "a", Outcomes(int(n), int(d), int(o), int(c)))
    out = []
    for (channel, tmpl), test in sorted(tests.items(), key=lambda item: (CHANNELS.index(item[0][0]), item[0][1])):
        for outcome in ("delivered", "opened", "clicked"):
            if channel not in REPORTS[outcome]:
                continue
            a = Rate(getattr(test.a, outcome), test.a.sent)
            b = Rate(getattr(test.b, outcome), test.b.sent)
            z, p = stats.two_proportion(b.successes, b.trials, a.successes, a.trials)
            test.results[outcome] = {"a": a, "b": b, "z": z, "p": p,
                                     "better": stats.better(a.successes, a.trials, b.successes, b.trials)}
        out.append(test)
    return out


@dataclass
class Views:
    views: int
    orders: int

    @property
    def per_order(self):
        return self.views / self.orders if self.orders else None


def tracking_views(period):
    """Views of the tracking page on the period's (UTC) days."""
    views, orders = db.session.execute(text(
        "SELECT COALESCE(SUM(views), 0), COUNT(DISTINCT order_id) FROM tracking_views "
        "WHERE day >= :first AND day <= :last"), {"first": period.first_day, "last": period.last_day}).one()
    return Views(int(views or 0), int(orders or 0))


@dataclass
class Questions:
    sources: list
    orders: int

    @property
    def total(self):
        return sum(n for _source, n in self.sources)

    @property
    def per_100(self):
        return 100.0 * self.total / self.orders if self.orders and self.sources else None


def questions(period, orders_created):
    return Questions(wismo.counts(period.start, period.end), orders_created)


@dataclass
class RatingRow:
    key: str | None
    asked: int
    answered: int
    average: float | None
    low: int

    @property
    def response_rate(self):
        return self.answered / self.asked if self.asked else None


def ratings(period):
    """{"all": RatingRow, "carrier": [RatingRow], "region": [RatingRow]} for questions asked in the period."""
    sql = """
        WITH asked AS MATERIALIZED (
            SELECT o.delivery_carrier AS carrier, o.delivery_region AS region, f.rating AS rating,
                   CASE WHEN f.answered_at IS NOT NULL THEN 1 ELSE 0 END AS answered,
                   CASE WHEN f.rating <= 2 THEN 1 ELSE 0 END AS low
            FROM customer_feedback AS f JOIN orders AS o ON o.id = f.order_id
            WHERE f.asked_at >= :start AND f.asked_at < :end)
        SELECT 'all', '', COUNT(*), SUM(answered), AVG(rating), SUM(low) FROM asked
        UNION ALL SELECT 'carrier', carrier, COUNT(*), SUM(answered), AVG(rating), SUM(low) FROM asked GROUP BY carrier
        UNION ALL SELECT 'region', region, COUNT(*), SUM(answered), AVG(rating), SUM(low) FROM asked GROUP BY region"""
    out = {"all": RatingRow("", 0, 0, None, 0), "carrier": [], "region": []}
    for dim, key, n, answered, average, low in db.session.execute(text(sql), period.params).all():
        row = RatingRow(key, int(n), int(answered or 0), None if average is None else float(average), int(low or 0))
        if dim == "all":
            out["all"] = row
        else:
            out[dim].append(row)
    for dim in ("carrier", "region"):
        out[dim].sort(key=lambda r: (-r.asked, r.key or ""))
    return out


@dataclass
class OnTimeRow:
    key: str | None
    delivered: int
    on_time: int

    @property
    def rate(self):
        return self.on_time / self.delivered if self.delivered else None


def _local_day(column):
    """The shop's local calendar day of a UTC timestamp column, as SQL."""
    if db.engine.dialect.name == "postgresql":
        return f"CAST(({column} AT TIME ZONE 'UTC') AT TIME ZONE :zone AS DATE)"
    # SQLite has no time zones: shift by the zone's offset at the period's start (no DST inside a day)
    return f"date({column}, :offset)"


def _offset_param(period):
    zone = ZoneInfo(current_app.config.get("TIMEZONE") or "UTC")
    offset = zone.utcoffset(period.start) or 0
    seconds = int(offset.total_seconds()) if offset else 0
    return f"{seconds:+d} seconds"


def _delivered_with_promise(period):
    """(order id, carrier, region, promised day, delivered local day) of orders delivered in the period."""
    sql = f"""
        SELECT d.order_id, o.delivery_carrier, o.delivery_region,
               COALESCE(o.promised_date, (SELECT MAX(sh.scheduled_delivery_date) FROM shipments AS sh
                                          WHERE sh.order_id = d.order_id)) AS promised,
               {_local_day('d.delivered_at')} AS delivered_day
        FROM (SELECT order_id, MAX(entered_at) AS delivered_at FROM order_stages
              WHERE status = 'delivered' AND entered_at >= :start AND entered_at < :end GROUP BY order_id) AS d
        JOIN orders AS o ON o.id = d.order_id"""
    params = dict(period.params, offset=_offset_param(period), zone=current_app.config.get("TIMEZONE") or "UTC")
    return db.session.execute(text(sql), params).all()


def _as_date(value):
    from datetime import date, datetime

    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(str(value)[:10])


def on_time(period):
    """{"all": OnTimeRow, "carrier": [OnTimeRow], "late": [order ids]} for orders delivered in the period."""
    overall = OnTimeRow("", 0, 0)
    per_carrier, late = {}, []
    for order_id, carrier, _region, promised, delivered_day in _delivered_with_promise(period):
        promised, delivered_day = _as_date(promised), _as_date(delivered_day)
        if promised is None:
            continue
        ok = delivered_day <= promised
        row = per_carrier.setdefault(carrier, OnTimeRow(carrier, 0, 0))
        for target in (overall, row):
            target.delivered += 1
            target.on_time += ok
        if not ok:
            late.append(order_id)
    return {"all": overall, "carrier": sorted(per_carrier.values(), key=lambda r: (-r.delivered, r.key or "")),
            "late": late}


def _first_rules(order_ids):
    """{order id: the first Attention rule found for it}."""
    out = {}
    for start in range(0, len(order_ids), 500):
        chunk = order_ids[start:start + 500]
        if not chunk:
            continue
        marks = ", ".join(str(int(i)) for i in chunk)
        for order_id, rule, _found in db.session.execute(text(
                f"SELECT order_id, rule, found_at FROM delivery_exceptions WHERE order_id IN ({marks}) "
                "AND rule <> 'low_score' ORDER BY found_at, id")).all():
            out.setdefault(order_id, rule)
    return out


def causes(period, late_ids):
    """{"late": [(cause, n)], "returned": [(cause, n)]}: causes by the first Attention rule of each order;
    a returned order without one is counted under its staff reason ("reason:<code>") or "none"."""
    returned = db.session.execute(text(
        "SELECT o.id, (SELECT e.reason_code FROM status_events AS e WHERE e.order_id = o.id AND e.status = 'returned' "
        "ORDER BY e.created_at DESC, e.id DESC LIMIT 1) FROM orders AS o WHERE o.status = 'returned' "
        "AND o.status_changed_at >= :start AND o.status_changed_at < :end"), period.params).all()
    rules = _first_rules(sorted(set(late_ids) | {row[0] for row in returned}))

    def tally(keys):
        counts = {}
        for key in keys:
            counts[key] = counts.get(key, 0) + 1
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))

    return {
        "late": tally(rules.get(order_id, "none") for order_id in late_ids),
        "returned": tally(rules.get(order_id) or (f"reason:{reason}" if reason else "none")
                          for order_id, reason in returned),
    }


@dataclass
class KpiReport:
    messages: list
    ab: list
    views: Views
    questions: Questions
    ratings: dict
    on_time: dict
    causes: dict


def build(period, orders_created):
    punctual = on_time(period)
    return KpiReport(messages=message_kpis(period), ab=ab_tests(period), views=tracking_views(period),
                     questions=questions(period, orders_created), ratings=ratings(period), on_time=punctual,
                     causes=causes(period, punctual["late"]))
