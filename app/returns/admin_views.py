"""Staff pages for returns and exchanges (``/admin/returns``): answer a request, follow the parcel back,
record the refund, set the return rules."""
from datetime import date

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import settings as app_settings
from app.auth import admin_required, staff_required
from app.clock import local_today
from app.orders import access
from app.returns import display, services
from app.returns.views import answer, form_request
from app.tracking.views import commit_or_show_again

bp = Blueprint("returns_admin", __name__, url_prefix="/admin/returns")


def _staff_order(number):
    return access.order_by_number(number) or abort(404)


@bp.route("")
@staff_required
def staff_list():
    return _list_page()


def _list_page():
    waiting, recent = services.waiting_and_recent()
    return render_template("returns/staff_list.html", waiting=waiting, recent=recent,
                           kinds=services.KIND_LABELS, states=services.STATE_LABELS, reasons=services.REASONS,
                           rules=services.rules())


@bp.route("/<number>")
@staff_required
def staff_order(number):
    return _staff_page(number)


def _staff_page(number):
    order = _staff_order(number)
    view = display.returns_view(order, url_for_order=lambda other: url_for("returns_admin.staff_order", number=other.number))
    return render_template("returns/staff_order.html", order=order, view=view, outcomes=services.OUTCOME_LABELS,
                           reasons=services.REASONS, methods=services.REFUND_METHODS, today=local_today().isoformat())


def _answer(number, action, success):
    """``answer`` on the staff's returns page of order ``number``."""
    return answer(action, _staff_order(number), url_for("returns_admin.staff_order", number=number), success,
                  lambda: _staff_page(number))


@bp.route("/<number>/<int:case_id>/approve", methods=["POST"])
@staff_required
def staff_approve(number, case_id):
    message = request.form.get("message", "")
    return _answer(number, lambda o: services.approve(o, case_id, user=current_user, message=message),
                   _("The request is approved; the customer has been told."))


@bp.route("/<number>/<int:case_id>/refuse", methods=["POST"])
@staff_required
def staff_refuse(number, case_id):
    message = request.form.get("message", "")
    return _answer(number, lambda o: services.refuse(o, case_id, user=current_user, message=message),
                   _("The request is refused; the customer has been told."))


@bp.route("/<number>/<int:case_id>/waybill", methods=["POST"])
@staff_required
def staff_waybill(number, case_id):
    return _answer(number, lambda o: services.add_return_waybill(o, case_id, request.form.get("carrier", ""),
                                                                  request.form.get("number", ""), user=current_user),
                   _("The return parcel will be followed."))


@bp.route("/<number>/<int:case_id>/received", methods=["POST"])
@staff_required
def staff_received(number, case_id):
    return _answer(number, lambda o: services.mark_received(o, case_id, user=current_user),
                   _("Marked as back at the shop."))


@bp.route("/<number>/<int:case_id>/refund", methods=["POST"])
@staff_required
def staff_refund(number, case_id):
    try:
        day = date.fromisoformat(request.form.get("date", ""))
    except ValueError:
        day = None
    return _answer(number, lambda o: services.record_refund(o, case_id, amount=request.form.get("amount", ""),
                                                             method=request.form.get("method", ""), day=day,
                                                             user=current_user),
                   _("The refund is recorded; the customer has been told."))


@bp.route("/<number>/items/<int:item_id>", methods=["POST"])
@staff_required
def staff_outcome(number, item_id):
    """What became of one item (the service refuses an unknown outcome)."""
    outcome, reason = request.form.get("outcome", ""), request.form.get("reason") or None
    return _answer(number, lambda o: services.set_item_outcome(o, item_id, outcome, user=current_user, reason=reason),
                   _("The item's outcome is saved."))


@bp.route("/<number>/request", methods=["POST"])
@staff_required
def staff_request(number):
    """Staff open a return or an exchange for the customer (asked by phone, say)."""
    return _answer(number, lambda o: form_request(o, user=current_user, opened_by="staff"),
                   _("The request is recorded."))


@bp.route("/settings", methods=["POST"])
@admin_required
def staff_settings():
    form = request.form
    return commit_or_show_again(
        lambda: services.save_rules(form.get("days", ""), form.getlist("reason"), form.get("sizes", ""),
                                    form.get("default_sizes", ""), shown=form.get(app_settings.SHOWN_FIELD)),
        (services.ReturnRefused, app_settings.SettingsChanged), _("The return rules are saved."),
        back=url_for("returns_admin.staff_list") + "#rules", page=_list_page)
