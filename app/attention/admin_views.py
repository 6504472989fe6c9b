"""The Attention page: delivery exceptions to act on, a message to the customer, thresholds."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from app import settings
from app.attention import services
from app.attention.forms import ThresholdsForm
from app.auth import admin_required, staff_required
from app.carriers import carrier_label
from app.carriers.mapping import note_text
from app.extensions import db
from app.tracking.help import open_reports

bp = Blueprint("attention_admin", __name__, url_prefix="/admin/attention")


def _rating_words(order_id):
    """A low rating as the customer gave it: "2/5: their comment"."""
    from app.feedback.services import for_order

    feedback = for_order(order_id)
    if feedback is None or feedback.rating is None:
        return None
    return f"{feedback.rating}/5" + (f": {feedback.comment}" if feedback.comment else "")


def _report_words(order):
    """The customer's latest open "report a problem" note."""
    reports = open_reports(order)
    return reports[-1].message if reports else None


def _store_words(order):
    """What the store did: "Refunded in Shopify." (``app.api.platforms.withdrawal_note``)."""
    from app.api.platforms import withdrawal_note

    return withdrawal_note(order)


def _rows(exceptions, days):
    """Everything a table row shows, computed here (no logic in the template)."""
    out = []
    for row in exceptions:
        rule, order = services.RULES[row.rule], row.order
        shipment = order.shipments[-1] if order.shipments else None
        out.append({
            "id": row.id, "order": order, "code": row.rule, "rule": rule.label,
            "explanation": rule.explanation % {"days": days.get(row.rule)},
            "customer": order.customer.name if order.customer else "",
            "carrier": carrier_label(shipment.carrier if shipment else order.delivery_carrier),
            "tracking_number": shipment.tracking_number if shipment else "",
            "found": format_datetime(row.found_at, "short"),
            "notified": format_datetime(row.notified_at, "short") if row.notified_at else None,
            "customer_words": (_rating_words(order.id) if row.rule == "low_score"
                               else _report_words(order) if row.rule == "customer_report" else None),
            "carrier_words": note_text(order.problem_note) if row.rule == "carrier_problem" else None,
            "store_words": _store_words(order) if row.rule == services.CANCELLED_IN_STORE else None,
            "can_notify": rule.message_kind is not None,
        })
    return out


def order_rows(order):
    """The order's problems now on the Attention page, as its rows show them (the staff order page)."""
    return _rows(services.listed(order=order), services.thresholds())


@bp.route("/")
@staff_required
def index():
    rule = request.args.get("rule")
    rule = rule if rule in services.RULES else None
    form = ThresholdsForm(formdata=None)
    settings.fill_form(form)
    return _page(rule, form)


def _page(rule, form, code=200):
    counts = services.counts()
    tabs = [(None, _("All"), sum(counts.values()))] + [(c, r.label, counts[c]) for c, r in services.RULES.items()]
    return render_template("attention/index.html", tabs=tabs, rule=rule, form=form,
                           thresholds_open=code != 200,  # a refused form is open, as typed
                           rows=_rows(services.listed(rule), services.thresholds())), code


def _back():
    rule = request.form.get("rule")
    return redirect(url_for("attention_admin.index", rule=rule if rule in services.RULES else None))


def _act(exception_id, action, done_message):
    """Do ``action`` on one listed problem and commit; a refused action is a flash message."""
    try:
        row = action(services.get_open(exception_id), user=current_user)
    except services.AttentionError as error:
        db.session.commit()  # a problem found to hold no more is cleared (``services.recheck``); nothing else changed
        flash(str(error), "error")
        return _back()
    db.session.commit()
    flash(done_message(number=row.order.number), "success")
    return _back()


@bp.route("/<int:exception_id>/notify", methods=["POST"])
@staff_required
def notify(exception_id):
    return _act(exception_id, services.notify_customer,
                lambda number: _("The message to the customer of order %(number)s is queued.", number=number))


@bp.route("/<int:exception_id>/dismiss", methods=["POST"])
@staff_required
def dismiss(exception_id):
    return _act(exception_id, services.dismiss,
                lambda number: _("Order %(number)s is off the list.", number=number))


@bp.route("/thresholds", methods=["POST"])
@admin_required
def thresholds():
    form = ThresholdsForm()
    if not form.validate():  # the form is below the list: say so where the page opens
        flash(_("The settings were not saved: check the fields marked below."), "error")
        return _page(None, form, 422)
    try:
        changed = services.save_thresholds(settings.form_values(form), shown=form.settings_shown.data)
    except settings.SettingsChanged as error:  # shown again as typed
        flash(str(error), "error")
        return _page(None, form, 409)
    db.session.commit()
    flash(_("Settings saved.") if changed else _("Nothing to save: no field was changed."), "success")
    return redirect(url_for("attention_admin.index"))


@bp.app_template_global()
def attention_count():
    """The staff menu's count (admin/_nav.html: only staff pages show the menu)."""
    return services.total()
