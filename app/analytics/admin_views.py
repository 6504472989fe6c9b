"""Analytics pages for staff: a chosen period, and a printable monthly report, each figure downloadable as CSV and
Excel (``app.exports``)."""
from decimal import Decimal

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import exports
from app.admin.reasons import reason_label
from app.analytics import charts, kpi_view
from app.analytics.kpi_view import carrier_label, channel_label, percent, region_label
from app.analytics.services import Period, figures, presets
from app.auth import staff_required
from app.clock import local_today
from app.notify.defaults import kind_label
from app.orders import statuses
from app.queryargs import BadQueryArg, date_arg, period_error
from app.returns.analytics import csv_rows as return_csv_rows

bp = Blueprint("analytics_admin", __name__, url_prefix="/admin/analytics")
bp.add_app_template_filter(percent)  # the returns section's shares, written as every other share here
MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0
MAX_DAYS = 3700


def _num(value, unit):
    return kpi_view.number(None if value is None else value / unit)


def _key_label(by, key):
    return carrier_label(key) if by == "carrier" else region_label(key)


def _view(found, download_url, tables_open=False):
    """Labels, table rows and charts computed from a period's ``services.Figures`` (no logic left for the
    template). ``download_url(fmt, section)`` links each figure's CSV or Excel file (``section`` None: every
    figure)."""
    report = found.report
    kpi_context = kpi_view.context(found.kpis)
    kpi_context["kpi_downloads"] = {fmt: url_for("analytics_admin.kpis_download", fmt=fmt,
                                                 date_from=report.period.first_day.isoformat(),
                                                 date_to=report.period.last_day.isoformat()) for fmt in exports.FORMATS}
    status_rows = [(statuses.label(s), report.by_status[s]) for s in statuses.ALL]
    stage_rows = [(statuses.label(s.key), s.count, _num(s.mean, HOUR), _num(s.median, HOUR), _num(s.p90, HOUR))
                  for s in report.stages]

    def delivery_rows(rows, by):
        return [(_key_label(by, r.key), r.count, _num(r.mean, DAY), _num(r.median, DAY), _num(r.p90, DAY))
                for r in rows]

    def late_rows(rows, by):
        return [(_key_label(by, r.key), r.shipments, r.late, percent(r.share), kpi_view.number(r.mean_abs_error_days))
                for r in rows]

    def per_key(title, rows, by, value, text, limit=15):
        return charts.bar_chart(title, [(_key_label(by, r.key), value(r) or 0, text(r)) for r in rows[:limit]])

    reasons = [(reason_label(code), n, percent(n / report.returned if report.returned else None))
               for code, n in report.return_reasons]
    latency_shop = [(_key_label("carrier", s.key), s.count, _num(s.median, MINUTE), _num(s.p90, MINUTE))
                    for s in report.latency["shop"]]
    latency_message = [(_key_label("carrier", carrier), channel_label(channel), s.count, _num(s.median, MINUTE),
                        _num(s.p90, MINUTE)) for carrier, channel, s in report.latency["message"]]
    messages = [(channel_label(r.channel), kind_label(r.template) if r.template else "—", r.sent, r.failed,
                 r.skipped, r.waiting, percent(r.sent_share)) for r in report.messages]
    per_channel = {}
    for r in report.messages:
        sent, tried = per_channel.get(r.channel, (0, 0))
        per_channel[r.channel] = (sent + r.sent, tried + r.sent + r.failed)
    return {
        **kpi_context,
        "report": report, "ra": found.returns, "computed_at": found.computed_at if found.from_copy else None,
        "status_rows": status_rows, "stage_rows": stage_rows, "tables_open": tables_open,
        "by_carrier": delivery_rows(report.delivery_by_carrier, "carrier"),
        "by_region": delivery_rows(report.delivery_by_region, "region"),
        "late_carrier": late_rows(report.late_by_carrier, "carrier"),
        "late_region": late_rows(report.late_by_region, "region"),
        "reasons": reasons, "returns_rate": percent(report.returns_rate),
        "latency_shop": latency_shop, "latency_message": latency_message, "messages": messages,
        "late_share": percent(report.late_overall.share), "eta_mae": kpi_view.number(report.late_overall.mean_abs_error_days),
        "delivery_mean": _num(report.delivery_overall.mean, DAY),
        "delivery_median": _num(report.delivery_overall.median, DAY),
        "downloads": {section or "all": {fmt: download_url(fmt, section) for fmt in exports.FORMATS}
                      for section in (None, *CSV_SECTIONS)},
        "charts": {
            "status": charts.bar_chart(_("Orders by status"), [(lbl, n, str(n)) for lbl, n in status_rows],
                                       css=[f"bar bar-{s}" for s in statuses.ALL]),
            "stages": charts.bar_chart(_("Median hours in each stage"),
                                       [(r[0], (s.median or 0) / HOUR, r[3]) for r, s in zip(stage_rows, report.stages)]),
            "delivery-carrier": per_key(_("Median delivery days per carrier"), report.delivery_by_carrier, "carrier",
                                        lambda r: (r.median or 0) / DAY, lambda r: _num(r.median, DAY)),
            "delivery-region": per_key(_("Median delivery days per region"), report.delivery_by_region, "region",
                                       lambda r: (r.median or 0) / DAY, lambda r: _num(r.median, DAY)),
            "late_region": per_key(_("Share of late shipments per region"), report.late_by_region, "region",
                                   lambda r: r.share, lambda r: percent(r.share)),
            "reasons": charts.bar_chart(_("Return reasons"), [(r[0], r[1], str(r[1])) for r in reasons]),
            "messages": charts.bar_chart(_("Share of messages sent per channel"), [
                (channel_label(channel), sent / tried if tried else 0, percent(sent / tried if tried else None))
                for channel, (sent, tried) in per_channel.items()]),
            "latency": per_key(_("Median minutes from the carrier's event to the shop's status"),
                               report.latency["shop"], "carrier", lambda r: (r.median or 0) / MINUTE,
                               lambda r: _num(r.median, MINUTE)),
        },
    }


def _period_args():
    """(Period, error or None) from ``date_from`` and ``date_to`` (default: this month so far)."""
    today = local_today()
    first = date_arg(request.args, "date_from") or today.replace(day=1)
    last = date_arg(request.args, "date_to") or today
    error = period_error(first, last)
    if error is None and (last - first).days > MAX_DAYS:
        error = _("The period must be at most ten years long.")
    if error:
        return Period(today.replace(day=1), today), error
    return Period(first, last), None


@bp.route("/")
@staff_required
def overview():
    period, error = _period_args()
    first, last = period.first_day, period.last_day
    found = figures(period)

    def download_url(fmt, section):
        return url_for("analytics_admin.period_download", fmt=fmt, date_from=first.isoformat(), date_to=last.isoformat(),
                       section=section)

    # a refused period is shown as typed, beside its error (the figures are this month's)
    typed = {name: request.args.get(name, "") for name in ("date_from", "date_to")} if error else \
        {"date_from": first.isoformat(), "date_to": last.isoformat()}
    return render_template("analytics/overview.html", error=error, presets=presets(local_today()), typed=typed,
                           **_view(found, download_url)), 422 if error else 200


def _month_arg():
    value = request.args.get("month", "")
    try:
        year, month = (int(part) for part in value.split("-", 1))
        return Period.month(year, month), None
    except ValueError:
        today = local_today()
        return Period.month(today.year, today.month), (_("Choose a month such as 2026-03.") if value else None)


@bp.route("/monthly")
@staff_required
def monthly():
    period, error = _month_arg()
    month = period.first_day.strftime("%Y-%m")

    def download_url(fmt, section):
        return url_for("analytics_admin.monthly_download", fmt=fmt, month=month, section=section)

    return render_template("analytics/monthly.html", error=error, month=month,
                           **_view(figures(period), download_url, tables_open=True)), 422 if error else 200


CSV_COLUMNS = ("section", "item", "count", "mean", "median", "late", "share", "p90")
#: The page's figures and the CSV sections each one's download holds.
CSV_SECTIONS = {
    "by-status": ("orders_by_status",),
    "stages": ("hours_in_stage",),
    "delivery-carrier": ("delivery_days", "delivery_days_by_carrier"),
    "delivery-region": ("delivery_days", "delivery_days_by_region"),
    "late": ("late_shipments", "late_shipments_by_carrier", "late_shipments_by_region",
             "eta_mean_absolute_error_days"),
    "returns": ("returns", "return_reasons"),
    "latency": ("minutes_event_to_status_by_carrier", "minutes_status_to_message_by_carrier_channel"),
    "messages": ("messages_sent", "messages_failed", "messages_skipped", "messages_waiting"),
    # app/returns: return and exchange rates by item, refusals at the pickup point
    "returns-items": ("returns_by_product_size", "returns_by_product", "returns_by_size", "exchanges_by_product_size",
                      "exchanges_by_product", "exchanges_by_size", "return_reasons_by_item"),
    "refusals": ("refusals_by_carrier", "refusals_by_region"),
}


#: ``CSV_COLUMNS`` in the reader's language: the Excel file's header.
CSV_LABELS = (_l("Section"), _l("Group"), _l("Count"), _l("Average"), _l("Median"), _l("Late"), _l("Share"),
              _l("90th percentile"))


def report_rows(found, section=None):
    """A period's ``services.Figures`` as rows of ``CSV_COLUMNS`` (days for delivery, hours for stages, shares
    from 0 to 1); ``section`` one figure of the page (``CSV_SECTIONS``), None for all."""
    sections = CSV_SECTIONS.get(section)
    for row in _all_report_rows(found):
        if sections is None or row[0] in sections or row[0] == "period":
            yield tuple(row) + ("",) * (len(CSV_COLUMNS) - len(row))


def _all_report_rows(found):
    report = found.report

    def r(value, unit=1.0, digits=2):
        return "" if value is None else Decimal(f"{value / unit:.{digits}f}")

    yield ("period", f"{report.period.first_day.isoformat()}..{report.period.last_day.isoformat()}",
           "", "", "", "", "")
    for status in statuses.ALL:
        yield ("orders_by_status", status, report.by_status[status], "", "", "", "")
    for stage in report.stages:
        yield ("hours_in_stage", stage.key, stage.count, r(stage.mean, HOUR), r(stage.median, HOUR), "", "",
               r(stage.p90, HOUR))
    overall = report.delivery_overall
    yield ("delivery_days", "all", overall.count, r(overall.mean, DAY), r(overall.median, DAY), "", "",
           r(overall.p90, DAY))
    for section, rows in (("delivery_days_by_carrier", report.delivery_by_carrier),
                          ("delivery_days_by_region", report.delivery_by_region)):
        for row in rows:
            yield (section, row.key or "", row.count, r(row.mean, DAY), r(row.median, DAY), "", "", r(row.p90, DAY))
    late = report.late_overall
    yield ("late_shipments", "all", late.shipments, "", "", late.late, r(late.share, digits=4))
    yield ("eta_mean_absolute_error_days", "all", late.shipments, r(late.mean_abs_error_days), "", "", "")
    for row in report.late_by_carrier:
        yield ("late_shipments_by_carrier", row.key or "", row.shipments, "", "", row.late, r(row.share, digits=4))
    for row in report.late_by_region:
        yield ("late_shipments_by_region", row.key or "", row.shipments, "", "", row.late, r(row.share, digits=4))
    yield ("returns", "all", report.finished, "", "", report.returned, r(report.returns_rate, digits=4))
    for code, n in report.return_reasons:
        yield ("return_reasons", code or "not_given", n, "", "", "", "")
    for row in report.messages:
        item = f"{row.channel}/{row.template or ''}"
        yield ("messages_sent", item, row.sent, "", "", "", r(row.sent_share, digits=4))
        for state in ("failed", "skipped", "waiting"):
            yield (f"messages_{state}", item, getattr(row, state), "", "", "", "")
    for row in report.latency["shop"]:
        yield ("minutes_event_to_status_by_carrier", row.key or "", row.count, r(row.mean, MINUTE),
               r(row.median, MINUTE), "", "", r(row.p90, MINUTE))
    for carrier, channel, row in report.latency["message"]:
        yield ("minutes_status_to_message_by_carrier_channel", f"{carrier or ''}/{channel}", row.count,
               r(row.mean, MINUTE), r(row.median, MINUTE), "", "", r(row.p90, MINUTE))
    yield from return_csv_rows(found.returns)


def report_csv(found, section=None):
    """``report_rows`` as CSV text."""
    return exports.csv_text(CSV_COLUMNS, report_rows(found, section))


def _report_download(fmt, found, filename):
    section = request.args.get("section")
    section = section if section in CSV_SECTIONS else None
    return exports.download(fmt, CSV_COLUMNS, [str(label) for label in CSV_LABELS], report_rows(found, section),
                            f"{filename}-{section}" if section else filename)


@bp.route("/monthly.<fmt>")
@staff_required
def monthly_download(fmt):
    _known_format(fmt)
    period = _download_period(_month_arg())
    return _report_download(fmt, figures(period), f"report-{period.first_day:%Y-%m}")


def _known_format(fmt):
    if fmt not in exports.FORMATS:
        abort(404)


def _download_period(period_and_error):
    """A download's period; a wrong one is refused in the page's words (the orders export's rule), not
    replaced by this month's figures in a file named and dated as asked."""
    period, error = period_and_error
    if error:
        raise BadQueryArg(error)
    return period


@bp.route("/report.<fmt>")
@staff_required
def period_download(fmt):
    _known_format(fmt)
    period = _download_period(_period_args())
    return _report_download(fmt, figures(period), f"analytics-{period.first_day}-{period.last_day}")


@bp.route("/kpis.<fmt>")
@staff_required
def kpis_download(fmt):
    """The delivery and message KPIs of the period as CSV or Excel (``kpi_view.kpi_rows``)."""
    _known_format(fmt)
    period = _download_period(_period_args())
    return exports.download(fmt, kpi_view.KPI_CSV_COLUMNS, kpi_view.kpi_labels(), kpi_view.kpi_rows(figures(period).kpis),
                            f"kpis-{period.first_day}-{period.last_day}")
