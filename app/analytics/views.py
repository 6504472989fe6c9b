"""Analytics pages for staff: a chosen period, and a printable monthly report with CSV."""
import csv
import io
from datetime import timezone
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _

from app.admin.orderlist import parse_date
from app.admin.reasons import reason_label
from app.analytics import charts
from app.analytics.services import Period, build_report
from app.auth import staff_required
from app.carriers import carrier_name
from app.clock import utcnow
from app.orders import statuses

bp = Blueprint("analytics", __name__, url_prefix="/admin/analytics")
HOUR, DAY = 3600.0, 86400.0
MAX_DAYS = 3700


def _today():

    zone = ZoneInfo(current_app.config.get("TIMEZONE") or "UTC")
    return utcnow().replace(tzinfo=timezone.utc).astimezone(zone).date()


def _num(value, unit):
    return "—" if value is None else format_decimal(value / unit, format="#,##0.0")


def _pct(value):
    return "—" if value is None else format_percent(value, format="#,##0.0%")


def _key_label(by, key):
    if by == "carrier":
        return carrier_name(key) if key else _("No carrier")
    return key or _("No region")


def _view(report):
    """Labels, table rows and charts computed from a report (no logic left for the template)."""
    status_rows = [(statuses.label(s), report.by_status[s]) for s in statuses.ALL]
    stage_rows = [(statuses.label(s.key), s.count, _num(s.mean, HOUR), _num(s.median, HOUR)) for s in report.stages]

    def delivery_rows(rows, by):
        return [(_key_label(by, r.key), r.count, _num(r.mean, DAY), _num(r.median, DAY), r.median) for r in rows]

    def late_rows(rows, by):
        return [(_key_label(by, r.key), r.shipments, r.late, _pct(r.share),
                 "—" if r.mean_abs_error_days is None else format_decimal(r.mean_abs_error_days, format="#,##0.0"),
                 r.share) for r in rows]

    by_carrier = delivery_rows(report.delivery_by_carrier, "carrier")
    by_region = delivery_rows(report.delivery_by_region, "region")
    late_carrier = late_rows(report.late_by_carrier, "carrier")
    late_region = late_rows(report.late_by_region, "region")
    reasons = [(reason_label(code), n, _pct(n / report.returned if report.returned else None))
               for code, n in report.return_reasons]
    mae = report.eta_mae
    return {
        "report": report, "status_rows": status_rows, "stage_rows": stage_rows,
        "by_carrier": by_carrier, "by_region": by_region, "late_carrier": late_carrier, "late_region": late_region,
        "reasons": reasons, "returns_rate": _pct(report.returns_rate),
        "late_share": _pct(report.late_overall.share), "eta_mae": "—" if mae is None else
        format_decimal(mae, format="#,##0.0"),
        "delivery_mean": _num(report.delivery_overall.mean, DAY),
        "delivery_median": _num(report.delivery_overall.median, DAY),
        "charts": {
            "status": charts.bar_chart(_("Orders by status"), [(lbl, n, str(n)) for lbl, n in status_rows],
                                       css=[f"bar bar-{s}" for s in statuses.ALL]),
            "stages": charts.bar_chart(_("Median hours in each stage"),
                                       [(r[0], (s.median or 0) / HOUR, r[3]) for r, s in zip(stage_rows, report.stages)]),
            "carrier": charts.bar_chart(_("Median delivery days per carrier"),
                                        [(r[0], (r[4] or 0) / DAY, r[3]) for r in by_carrier]),
            "region": charts.bar_chart(_("Median delivery days per region"),
                                       [(r[0], (r[4] or 0) / DAY, r[3]) for r in by_region[:15]]),
            "late_region": charts.bar_chart(_("Share of late shipments per region"),
                                            [(r[0], r[5] or 0, r[3]) for r in late_region[:15]], css=None),
            "reasons": charts.bar_chart(_("Return reasons"), [(r[0], r[1], str(r[1])) for r in reasons]),
        },
    }


@bp.route("/")
@staff_required
def overview():
    today = _today()
    first = parse_date(request.args.get("date_from")) or today.replace(day=1)
    last = parse_date(request.args.get("date_to")) or today
    error = None
    if last < first or (last - first).days > MAX_DAYS:
        error = _("The period must end after it starts and be at most ten years long.")
        first, last = today.replace(day=1), today
    report = build_report(Period(first, last))
    return render_template("analytics/overview.html", error=error, **_view(report)), 422 if error else 200


def _month_arg():
    value = request.args.get("month", "")
    try:
        year, month = (int(part) for part in value.split("-", 1))
        return Period.month(year, month), None
    except ValueError:
        today = _today()
        return Period.month(today.year, today.month), (_("Choose a month such as 2026-03.") if value else None)


@bp.route("/monthly")
@staff_required
def monthly():
    period, error = _month_arg()
    return render_template("analytics/monthly.html", error=error, month=period.first_day.strftime("%Y-%m"),
                           **_view(build_report(period))), 422 if error else 200


CSV_COLUMNS = ("section", "item", "count", "mean", "median", "late", "share")


def report_csv(report):
    """The monthly report as CSV (days for delivery, hours for stages, shares from 0 to 1)."""
    buffer = io.StringIO()
    out = csv.writer(buffer)
    out.writerow(CSV_COLUMNS)

    def r(value, unit=1.0, digits=2):
        return "" if value is None else f"{value / unit:.{digits}f}"

    out.writerow(("period", f"{report.period.first_day.isoformat()}..{report.period.last_day.isoformat()}",
                  "", "", "", "", ""))
    for status in statuses.ALL:
        out.writerow(("orders_by_status", status, report.by_status[status], "", "", "", ""))
    for stage in report.stages:
        out.writerow(("hours_in_stage", stage.key, stage.count, r(stage.mean, HOUR), r(stage.median, HOUR), "", ""))
    out.writerow(("delivery_days", "all", report.delivery_overall.count, r(report.delivery_overall.mean, DAY),
                  r(report.delivery_overall.median, DAY), "", ""))
    for row in report.delivery_by_carrier:
        out.writerow(("delivery_days_by_carrier", row.key or "", row.count, r(row.mean, DAY), r(row.median, DAY), "", ""))
    for row in report.delivery_by_region:
        out.writerow(("delivery_days_by_region", row.key or "", row.count, r(row.mean, DAY), r(row.median, DAY), "", ""))
    late = report.late_overall
    out.writerow(("late_shipments", "all", late.shipments, "", "", late.late, r(late.share, digits=4)))
    out.writerow(("eta_mean_absolute_error_days", "all", late.shipments, r(late.mean_abs_error_days), "", "", ""))
    for row in report.late_by_carrier:
        out.writerow(("late_shipments_by_carrier", row.key or "", row.shipments, "", "", row.late, r(row.share, digits=4)))
    for row in report.late_by_region:
        out.writerow(("late_shipments_by_region", row.key or "", row.shipments, "", "", row.late, r(row.share, digits=4)))
    out.writerow(("returns", "all", report.finished, "", "", report.returned, r(report.returns_rate, digits=4)))
    for code, n in report.return_reasons:
        out.writerow(("return_reasons", code or "not_given", n, "", "", "", ""))
    return buffer.getvalue()


@bp.route("/monthly.csv")
@staff_required
def monthly_csv():
    period, _error = _month_arg()
    body = "\ufeff" + report_csv(build_report(period))
    response = Response(body, mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="report-{period.first_day:%Y-%m}.csv"'
    return response


