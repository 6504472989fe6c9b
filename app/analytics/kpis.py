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

As in the main report, a sandbox API client's test orders count nowhere (``app.orders.models.REAL_ORDER``).
"""
from dataclasses import dataclass, field

from sqlalchemy import text

from app.analytics import services, stats, wismo
from app.extensions import db
from app.orders.models import real_order_sql

CHANNELS = ("email", "sms", "push", "telegram", "viber")
#: Which channels can report each outcome at all (the others show "—", not 0 %)
REPORTS = {"delivered": ("sms", "viber"), "opened": ("email",), "clicked": CHANNELS}


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
    template = services.template_sql()
    rows = db.session.execute(text(f"""
        SELECT channel, {template}, COUNT(*), COUNT(delivered_at), COUNT(opened_at), COUNT(clicked_at)
        FROM notifications
        WHERE channel IN ({services.sql_list(CHANNELS)}) AND state = 'sent' AND created_at >= :start AND created_at < :end
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
    template = services.template_sql()
    rows = db.session.execute(text(f"""
        SELECT channel, {template}, variant, COUNT(*), COUNT(delivered_at), COUNT(opened_at), COUNT(clicked_at)
        FROM notifications
        WHERE variant IS NOT NULL AND channel IN ({services.sql_list(CHANNELS)}) AND state = 'sent'
              AND created_at >= :start AND created_at < :end
        GROUP BY channel, {template}, variant"""), period.params).all()
    tests = {}
    for channel, tmpl, variant, n, d, o, c in rows:
        test = tests.setdefault((channel, tmpl), VariantTest(channel, tmpl, Outcomes(), Outcomes()))
        setattr(test, variant if variant in ("a", "b") else "a", Outcomes(int(n), int(d), int(o), int(c)))
    out = []
    for (channel, _template), test in sorted(tests.items(), key=lambda item: (CHANNELS.index(item[0][0]), item[0][1])):
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
    """Views of the tracking page on the period's days (each view counted on the shop's day, ``TIMEZONE``)."""
    views, orders = db.session.execute(text(
        "SELECT COALESCE(SUM(views), 0), COUNT(DISTINCT order_id) FROM tracking_views "
        f"WHERE day >= :first AND day <= :last AND {real_order_sql('order_id')}"),
        {"first": period.first_day, "last": period.last_day}).one()
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
    sql = f"""
        WITH asked AS MATERIALIZED (
            SELECT o.delivery_carrier AS carrier, o.delivery_region AS region, f.rating AS rating,
                   CASE WHEN f.answered_at IS NOT NULL THEN 1 ELSE 0 END AS answered,
                   CASE WHEN f.rating <= 2 THEN 1 ELSE 0 END AS low
            FROM customer_feedback AS f JOIN orders AS o ON o.id = f.order_id
            WHERE f.asked_at >= :start AND f.asked_at < :end AND {real_order_sql('o.id')})
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


def on_time(period, delivered=None):
    """{"all": OnTimeRow, "carrier": [OnTimeRow], "late_causes": [(cause, n)]} for orders delivered in the
    period that had a promised date (``orders.promised_date``, else the carrier's latest date on a parcel),
    on time when delivered (local day) on or before it. ``delivered``: ``services.deliveries`` already at
    hand (the main report reads it with the late parcels)."""
    delivered = delivered or services.deliveries(period)
    overall, carriers, late = OnTimeRow("", 0, 0), [], []
    for dim, key, n, ok in delivered["on_time"]:
        if dim == "carrier":
            carriers.append(OnTimeRow(key, n, ok))
            overall.delivered += n
            overall.on_time += ok
        else:
            late.append((key, n))
    return {"all": overall, "carrier": sorted(carriers, key=lambda r: (-r.delivered, r.key or "")),
            "late_causes": sorted(late, key=lambda item: (-item[1], item[0]))}


def returned_causes(period):
    """[(cause, n)] for orders returned in the period: the first Attention rule found for each, else the
    staff's return reason ("reason:<code>"), else "none"."""
    rows = db.session.execute(text(f"""
        SELECT COALESCE(
                   (SELECT e.rule FROM delivery_exceptions AS e WHERE e.order_id = o.id AND e.rule <> 'low_score'
                    ORDER BY e.found_at, e.id LIMIT 1),
                   'reason:' || (SELECT e.reason_code FROM status_events AS e WHERE e.order_id = o.id
                                 AND e.status = 'returned' AND e.reason_code IS NOT NULL
                                 ORDER BY e.created_at DESC, e.id DESC LIMIT 1),
                   'none') AS cause, COUNT(*)
        FROM orders AS o
        WHERE o.status = 'returned' AND o.status_changed_at >= :start AND o.status_changed_at < :end
              AND {real_order_sql('o.id')}
        GROUP BY 1"""), period.params).all()
    return sorted(((cause, int(n)) for cause, n in rows), key=lambda item: (-item[1], item[0]))


def causes(period, punctual=None):
    """{"late": [(cause, n)], "returned": [(cause, n)]}: a late order's cause is the first Attention rule
    found for it (else "none"); a returned one's, that or its staff reason."""
    punctual = punctual or on_time(period)
    return {"late": punctual["late_causes"], "returned": returned_causes(period)}


@dataclass
class KpiReport:
    messages: list
    ab: list
    views: Views
    questions: Questions
    ratings: dict
    on_time: dict
    causes: dict


def build(period, orders_created, delivered=None):
    """The KPI sections; ``delivered``: ``services.deliveries`` already at hand (``Report.deliveries``)."""
    punctual = on_time(period, delivered)
    return KpiReport(messages=message_kpis(period), ab=ab_tests(period), views=tracking_views(period),
                     questions=questions(period, orders_created), ratings=ratings(period), on_time=punctual,
                     causes=causes(period, punctual))
