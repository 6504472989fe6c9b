"""What the KPI sections of the analytics page show (labels, table rows, charts), computed here."""
from decimal import Decimal

from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.admin.reasons import reason_label
from app.analytics import charts, wismo
from app.analytics import kpis as kpi_service
from app.attention.services import RULES
from app.carriers import carrier_label as _carrier
from app.notify.channels import LABELS as CHANNEL_LABELS
from app.notify.defaults import kind_label

OUTCOMES = {"delivered": _l("Delivered"), "opened": _l("Opened"), "clicked": _l("Clicked")}
CAUSES = {"none": _l("No warning before")}


def percent(value):
    return "—" if value is None else format_percent(value, format="#,##0.0%")


def number(value, pattern="#,##0.0"):
    return "—" if value is None else format_decimal(value, format=pattern)


def carrier_label(key):
    return _carrier(key) if key else _("No carrier")


def region_label(key):
    return key or _("No region")


def channel_label(code):
    return CHANNEL_LABELS.get(code, code)


def cause_label(code):
    if code in RULES:
        return RULES[code].label
    if code.startswith("reason:"):
        return reason_label(code.split(":", 1)[1])
    return CAUSES.get(code, code)


def _interval(rate):
    low, high = rate.interval
    return "—" if low is None else f"{percent(low)} – {percent(high)}"


def context(report):
    """Template variables of the KPI sections for a ``kpis.KpiReport``."""
    def rate(row, outcome):
        return percent(row.rate(outcome)) if row.channel in kpi_service.REPORTS[outcome] else "—"

    messages = [(channel_label(r.channel), kind_label(r.template) if r.template else "—", r.sent,
                 rate(r, "delivered"), rate(r, "opened"), rate(r, "clicked")) for r in report.messages]
    per_channel = {}
    for r in report.messages:
        sent, clicked = per_channel.get(r.channel, (0, 0))
        per_channel[r.channel] = (sent + r.sent, clicked + r.clicked)
    ab = []
    for test in report.ab:
        rows = []
        for outcome, result in test.results.items():
            verdict = {"a": _("A is better"), "b": _("B is better")}.get(result["better"],
                                                                        _("No clear difference yet"))
            rows.append({"outcome": OUTCOMES[outcome],
                         "a": percent(result["a"].value), "a_ci": _interval(result["a"]),
                         "b": percent(result["b"].value), "b_ci": _interval(result["b"]),
                         "p": number(result["p"], "0.000"), "verdict": verdict, "better": result["better"] or ""})
        ab.append({"channel": channel_label(test.channel), "template": kind_label(test.template),
                   "sent_a": test.a.sent, "sent_b": test.b.sent, "rows": rows})
    ratings = report.ratings
    rating_rows = {dim: [(label(r.key), r.asked, r.answered, percent(r.response_rate), number(r.average), r.low)
                         for r in ratings[dim]] for dim, label in (("carrier", carrier_label), ("region", region_label))}
    on_time = report.on_time
    causes = {kind: [(cause_label(code), n) for code, n in rows] for kind, rows in report.causes.items()}
    return {
        "kpi": report,
        "kpi_messages": messages, "kpi_ab": ab,
        "kpi_views_per_order": number(report.views.per_order),
        "kpi_questions": [(wismo.label(name), n) for name, n in report.questions.sources],
        "kpi_questions_per_100": number(report.questions.per_100, "#,##0.00"),
        "kpi_rating_all": ratings["all"], "kpi_rating_average": number(ratings["all"].average),
        "kpi_rating_rows": rating_rows,
        "kpi_on_time_rate": percent(on_time["all"].rate),
        "kpi_on_time_rows": [(carrier_label(r.key), r.delivered, r.on_time, percent(r.rate)) for r in on_time["carrier"]],
        "kpi_causes": causes,
        "kpi_charts": {
            "clicks": charts.bar_chart(_("Share of sent messages clicked, per channel"), [
                (channel_label(ch), clicked / sent if sent else 0, percent(clicked / sent if sent else None))
                for ch, (sent, clicked) in per_channel.items()]),
            "ratings": charts.bar_chart(_("Average rating per carrier"), [
                (carrier_label(r.key), r.average or 0, number(r.average)) for r in ratings["carrier"][:15]]),
            "on_time": charts.bar_chart(_("On-time rate per carrier"), [
                (carrier_label(r.key), r.rate or 0, percent(r.rate)) for r in on_time["carrier"][:15]]),
            "late_causes": charts.bar_chart(_("Causes of late parcels"), [
                (label, n, str(n)) for label, n in causes["late"]]),
            "return_causes": charts.bar_chart(_("Causes of returned parcels"), [
                (label, n, str(n)) for label, n in causes["returned"]]),
        },
    }


KPI_CSV_COLUMNS = ("section", "item", "count", "successes", "share", "low", "high", "p")
#: ``KPI_CSV_COLUMNS`` in the reader's language: the Excel file's header.
KPI_LABELS = (_l("Section"), _l("Group"), _l("Count"), _l("Successes"), _l("Share"), _l("Interval low"),
              _l("Interval high"), _l("p-value"))


def kpi_labels():
    return [str(label) for label in KPI_LABELS]


def kpi_rows(report):
    """The KPI sections as rows of ``KPI_CSV_COLUMNS`` (shares from 0 to 1; ``low``/``high`` the Wilson interval)."""

    def r(value, digits=4):
        return "" if value is None else Decimal(f"{value:.{digits}f}")

    on_time = report.on_time
    yield ("on_time", "all", on_time["all"].delivered, on_time["all"].on_time, r(on_time["all"].rate))
    for row in on_time["carrier"]:
        yield ("on_time_by_carrier", row.key or "", row.delivered, row.on_time, r(row.rate))
    for kind in ("late", "returned"):
        for code, n in report.causes[kind]:
            yield (f"{kind}_causes", code, n)
    for row in report.messages:
        item = f"{row.channel}/{row.template or ''}"
        for outcome in ("delivered", "opened", "clicked"):
            if row.channel in kpi_service.REPORTS[outcome]:
                yield (f"messages_{outcome}", item, row.sent, getattr(row, outcome), r(row.rate(outcome)))
    for test in report.ab:
        for outcome, result in test.results.items():
            for variant in ("a", "b"):
                rate = result[variant]
                low, high = rate.interval
                yield (f"ab_{outcome}", f"{test.channel}/{test.template}/{variant}", rate.trials,
                       rate.successes, r(rate.value), r(low), r(high), r(result["p"], 5))
    yield ("tracking_views", "all", report.views.orders, report.views.views, r(report.views.per_order, 2))
    for name, n in report.questions.sources:
        yield ("questions", name, report.questions.orders, n)
    yield ("questions_per_100_orders", "all", report.questions.orders, report.questions.total,
           r(report.questions.per_100, 2))
    ratings = report.ratings
    for dim, rows in (("all", [ratings["all"]]), ("carrier", ratings["carrier"]), ("region", ratings["region"])):
        for row in rows:
            yield (f"ratings_{dim}" if dim != "all" else "ratings", row.key or ("all" if dim == "all" else ""),
                   row.asked, row.answered, r(row.average, 2), row.low)

