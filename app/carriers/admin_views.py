"""Staff pages for carriers (``/admin/carriers``): settings, sync, status mapping, and the tracking-number hint."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import queued
from app import settings as app_settings
from app.auth import admin_required, staff_required
from app.carriers import CARRIER_CODES, carrier_label, detect_carriers, overrides, problems, services
from app.carriers.forms import CarrierSettingsForm, EmptyForm, MappingOverrideForm, RemoveOverrideForm, WebhookForm
from app.carriers.registry import CREDENTIALS, setting
from app.extensions import db
from app.htmx import is_partial_request
from app.orders import statuses
from app.scheduler import run_soon

bp = Blueprint("carriers_admin", __name__, url_prefix="/admin/carriers")

STATUS_LABELS = {"off": _l("Off"), "live": _l("Live"), "simulated": _l("Simulated"),
                 "not_configured": _l("Not configured: credentials missing")}
BREAKER_LABELS = {"closed": _l("Working"), "open": _l("Paused after repeated failures"),
                  "half_open": _l("Trying again")}
SOURCE_LABELS = {
    app_settings.ENVIRONMENT: _l("Set in the environment (%(name)s); change it there: it wins over this page."),
    app_settings.ADMIN: _l("Admin setting (%(name)s)."),
    app_settings.DEFAULT: _l("Default (%(name)s is not set)."),
}
OUTCOME_LABELS = {"ok": _l("OK"), "partial": _l("With errors"), "failed": _l("Failed"), "skipped": _l("Skipped"),
                  "running": _l("Running"), "interrupted": _l("Interrupted: stopped before it finished")}
#: The "sync now" panel while the sync waits or runs (``queued.panel``)
SYNC_WAITING = {"queued": _l("Sync queued at %(time)s: it starts in the background within a few seconds."),
                "running": _l("Sync running since %(time)s…"),
                "interrupted": _l("The sync started at %(time)s was interrupted before it finished.")}
#: What started a sync run (``SyncRun.trigger``)
TRIGGER_LABELS = {"schedule": _l("on schedule"), "admin": _l("started by staff"), "cli": _l("from the command line"),
                  "push": _l("pushed by the carrier")}


def _settings_form(row):
    return CarrierSettingsForm(prefix=row["code"], formdata=None, mode=row["mode"], base_url=row["base_url"],
                               username=setting("MEEST_USERNAME", "") if row["code"] == "meest" else "",
                               settings_shown=services.shown_settings(row["code"]))


def _mapping_form(form=None):
    form = form or MappingOverrideForm(formdata=None)
    form.carrier.choices = [("", _("Choose…"))] + [(code, carrier_label(code)) for code in overrides.CARRIERS]
    form.status.choices = [(code, str(statuses.label(code)) if code else _("Moves nothing"))
                           for code in overrides.TARGETS]
    return form


def _page(status=200, forms=None, webhook_form=None, mapping_form=None):
    rows = services.overview()
    for row in rows:
        row["status_label"] = STATUS_LABELS.get(row["status"], row["status"])
        row["breaker_label"] = BREAKER_LABELS.get(row["breaker"], row["breaker"])
        row["last_error_text"] = problems.describe(row["last_error"])
        row["fields"] = [n for n in ("api_key", "token", "username", "password") if n in CREDENTIALS[row["code"]]]
        row["source_labels"] = {field: str(SOURCE_LABELS[where]) % {"name": name}
                                for field, (name, where) in row["sources"].items()}
        row["fixed"] = {field for field, (_name, where) in row["sources"].items()
                        if where == app_settings.ENVIRONMENT}
    all_forms = {row["code"]: _settings_form(row) for row in rows if row["code"] != "sandbox"} | (forms or {})
    webhook_form = webhook_form or WebhookForm(formdata=None, allowed_ips=setting("INPOST_WEBHOOK_IPS", ""))
    runs = services.recent_runs()
    return render_template(
        "carriers/admin.html", carriers=rows, forms=all_forms, runs=runs, outcome_labels=OUTCOME_LABELS,
        trigger_labels=TRIGGER_LABELS, run_errors={run.id: "\n".join(problems.lines(run.errors)) for run in runs},
        outcomes=services.run_outcomes(runs),
        unmapped=services.unmapped_codes(), action_form=EmptyForm(), queued_request=_sync_panel(),
        webhook_form=webhook_form,
        webhook_configured=bool(setting("INPOST_WEBHOOK_SECRET", "")),
        webhook_url=url_for("carriers.inpost_webhook", _external=True),
        mapping_form=_mapping_form(mapping_form), overrides=overrides.overrides(), describe=overrides.describe), status


@bp.route("/")
@admin_required
def index():
    return _page()


@bp.route("/<code>", methods=["POST"])
@admin_required
def save(code):
    if code not in CARRIER_CODES or code == "sandbox":
        abort(404)
    form = CarrierSettingsForm(prefix=code)
    if form.validate_on_submit():
        try:
            services.save_carrier_settings(code, mode=form.mode.data, base_url=form.base_url.data,
                                           credentials={n: form[n].data for n in ("api_key", "token", "username",
                                                                                  "password")},
                                           shown=form.settings_shown.data)
        except services.SecretNeeded as error:
            db.session.rollback()
            field = form[str(error.args[0])]  # a credential's name
            field.errors = list(field.errors) + [_("The API address changed: enter this again, so that it is "
                                                   "sent only where you mean.")]
        except services.CarrierSettingsError:
            db.session.rollback()
        except app_settings.SettingsChanged as error:  # another admin saved this carrier since the page was shown
            db.session.rollback()
            flash(str(error), "error")
            return _page(409, forms={code: form})
        else:
            db.session.commit()
            flash(_("Settings for %(carrier)s saved.", carrier=carrier_label(code)), "success")
            return redirect(url_for("carriers_admin.index") + f"#carrier-{code}")
    flash(_("The settings were not saved: check the fields marked below."), "error")
    return _page(400, forms={code: form})


@bp.route("/<code>/test", methods=["POST"])
@admin_required
def test(code):
    if code not in CARRIER_CODES:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    check = services.test_connection(code)
    db.session.rollback()
    if is_partial_request():  # the result goes next to the button
        return render_template("carriers/_connection_check.html", check=check, code=code)
    flash(f"{carrier_label(code)}: {check.message()}", "success" if check.ok else "error")
    return redirect(url_for("carriers_admin.index") + f"#carrier-{code}")


@bp.route("/sync", methods=["POST"])
@admin_required
def sync_now():
    if not EmptyForm().validate_on_submit():
        abort(400)
    queued.queue("carriers", current_user)
    db.session.commit()
    run_soon(current_app._get_current_object(), "sync-requests")
    flash(_("Sync queued: it runs in the background; this page shows its result when it finishes."), "success")
    return redirect(url_for("carriers_admin.index") + "#sync-request")


@bp.route("/sync")
@admin_required
def sync_state():
    """The "sync now" panel alone (polled by the page while the sync is queued or running)."""
    return render_template("_queued_request.html", queued_request=_sync_panel())


def _sync_panel():
    return queued.panel("carriers", element_id="sync-request", url=url_for("carriers_admin.sync_state"),
                        waiting=SYNC_WAITING, finished=_sync_finished)


def _sync_finished(request):
    """What the "sync now" panel says of a finished sync: [(text, css class)]."""
    if request.result.get("error"):
        return [(_("Sync failed at %(time)s: %(error)s", time=format_datetime(request.finished_at, "short"),
                   error=request.result["error"]), "field-error")]
    lines = [(_("Sync finished at %(time)s: %(checked)d parcels checked, %(changes)d status changes.",
                time=format_datetime(request.finished_at, "short"), checked=request.result["shipments"],
                changes=request.result["status_changes"]), "")]
    if request.result.get("busy"):
        lines.append((_("Skipped, another sync of the carrier was already running: %(carriers)s.",
                        carriers=", ".join(carrier_label(code) for code in request.result["busy"])), "muted"))
    return lines


@bp.route("/inpost-webhook", methods=["POST"])
@admin_required
def webhook_settings():
    form = WebhookForm()
    valid = form.validate_on_submit()
    bad = services.bad_networks(form.allowed_ips.data)
    form.allowed_ips.errors = list(form.allowed_ips.errors) + [
        _("“%(value)s” is not an address or network.", value=network) for network in bad]
    if not valid or bad:
        flash(_("The settings were not saved: check the fields marked below."), "error")
        return _page(400, webhook_form=form)
    services.save_webhook_settings(form.secret.data, form.allowed_ips.data)
    db.session.commit()
    flash(_("Webhook settings saved."), "success")
    return redirect(url_for("carriers_admin.index") + "#webhook")


@bp.route("/mapping", methods=["POST"])
@admin_required
def save_mapping():
    form = _mapping_form(MappingOverrideForm())
    if form.validate_on_submit():
        try:
            overrides.set_override(form.carrier.data, form.code.data, status=form.status.data,
                                   at_pickup_point=form.at_pickup_point.data, problem=form.problem.data,
                                   actor=current_user)
        except overrides.OverrideError as error:
            db.session.rollback()
            form.code.errors = list(form.code.errors) + [str(error)]
        else:
            db.session.commit()
            flash(_("%(carrier)s code %(code)s now means: %(meaning)s.", carrier=carrier_label(form.carrier.data),
                    code=overrides.normalize_code(form.carrier.data, form.code.data),
                    meaning=overrides.describe(overrides.map_event(form.carrier.data, form.code.data))), "success")
            return redirect(url_for("carriers_admin.index") + "#mapping")
    flash(_("The settings were not saved: check the fields marked below."), "error")
    return _page(400, mapping_form=form)


@bp.route("/mapping/remove", methods=["POST"])
@admin_required
def remove_mapping():
    form = RemoveOverrideForm()
    if not form.validate_on_submit():
        abort(400)
    if overrides.remove_override(form.carrier.data, form.code.data, actor=current_user):
        db.session.commit()
        flash(_("The default meaning applies again."), "success")
    return redirect(url_for("carriers_admin.index") + "#mapping")


@bp.route("/detect")
@staff_required
def detect_carrier():
    """htmx: the carrier suggested for a tracking number as typed (a small hint fragment)."""
    number = request.args.get("tracking_number", "")
    codes = detect_carriers(number)[:3] if number.strip() else []
    return render_template("carriers/_carrier_hint.html", names=[carrier_label(c) for c in codes],
                           typed=bool(number.strip()), hint_id="tracking_number-hint")


@bp.app_template_global()
def carrier_checks_late():
    """Parcels whose carrier check is long overdue (``services.late_checks``): every staff page says so."""
    return services.late_checks()
