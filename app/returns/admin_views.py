"""Staff pages for returns and exchanges (``/admin/returns``): answer a request, follow the parcel back,
record the refund, set the return rules."""
from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import settings as app_settings
from app.auth import admin_required, staff_required
from app.extensions import db
from app.orders.models import Order
from app.returns import display, services
from app.returns.models import OUTCOMES, REQUESTED, ReturnCase
from app.returns.views import answer

bp = Blueprint("returns_admin", __name__, url_prefix="/admin/returns")


def _staff_order(number):
    order = db.session.execute(db.select(Order).where(Order.number == number)).scalar_one_or_none()
    if order is None:
        abort(404)
    return order


@bp.route("")
@staff_required
def staff_list():
    waiting = db.session.execute(db.select(ReturnCase).where(ReturnCase.state == REQUESTED)
                                 .order_by(ReturnCase.created_at)).scalars().all()
    recent = db.session.execute(db.select(ReturnCase).where(ReturnCase.state != REQUESTED)
                                .order_by(ReturnCase.id.desc()).limit(50)).scalars().all()
    return render_template("returns/staff_list.html", waiting=waiting, recent=recent,
                           kinds=services.KIND_LABELS, states=services.STATE_LABELS, reasons=services.REASONS,
                           rules=_rules())


def _rules():
    return {"days": services.return_days(), "reasons": services.allowed_reasons(),
            "all_reasons": [(c, str(services.REASONS[c])) for c in services.CUSTOMER_REASONS],
            "sizes": app_settings.get("EXCHANGE_SIZES", "") or "",
            "default_sizes": app_settings.get("EXCHANGE_DEFAULT_SIZES", "") or ""}


@bp.route("/<number>")
@staff_required
def staff_order(number):
    order = _staff_order(number)
    view = display.returns_view(order, url_for_order=lambda other: url_for("returns_admin.staff_order", number=other.number))
    return render_template("returns/staff_order.html", order=order, view=view, outcomes=services.OUTCOME_LABELS,
                           reasons=services.REASONS, methods=services.REFUND_METHODS, today=date.today().isoformat())


def _staff_back(number):
    return url_for("returns_admin.staff_order", number=number)


@bp.route("/<number>/<int:case_id>/approve", methods=["POST"])
@staff_required
def staff_approve(number, case_id):
    order = _staff_order(number)
    return answer(lambda o: services.approve(o, case_id, user=current_user, message=request.form.get("message", "")),
                   order, _staff_back(number), _("The request is approved; the customer has been told."))


@bp.route("/<number>/<int:case_id>/refuse", methods=["POST"])
@staff_required
def staff_refuse(number, case_id):
    order = _staff_order(number)
    return answer(lambda o: services.refuse(o, case_id, user=current_user, message=request.form.get("message", "")),
                   order, _staff_back(number), _("The request is refused; the customer has been told."))


@bp.route("/<number>/<int:case_id>/waybill", methods=["POST"])
@staff_required
def staff_waybill(number, case_id):
    order = _staff_order(number)
    return answer(lambda o: services.add_return_waybill(o, case_id, request.form.get("carrier", ""),
                                                         request.form.get("number", ""), user=current_user),
                   order, _staff_back(number), _("The return parcel will be followed."))


@bp.route("/<number>/<int:case_id>/received", methods=["POST"])
@staff_required
def staff_received(number, case_id):
    order = _staff_order(number)
    return answer(lambda o: services.mark_received(o, case_id, user=current_user), order, _staff_back(number),
                   _("Marked as back at the shop."))


@bp.route("/<number>/<int:case_id>/refund", methods=["POST"])
@staff_required
def staff_refund(number, case_id):
    order = _staff_order(number)
    try:
        day = date.fromisoformat(request.form.get("date", ""))
    except ValueError:
        day = None
    return answer(lambda o: services.record_refund(o, case_id, amount=request.form.get("amount", ""),
                                                    method=request.form.get("method", ""), day=day,
                                                    user=current_user),
                   order, _staff_back(number), _("The refund is recorded; the customer has been told."))


@bp.route("/<number>/items/<int:item_id>", methods=["POST"])
@staff_required
def staff_outcome(number, item_id):
    order = _staff_order(number)
    outcome = request.form.get("outcome", "")
    if outcome not in OUTCOMES:
        flash(_("Unknown outcome."), "error")
        return redirect(_staff_back(number))
    return answer(lambda o: services.set_item_outcome(o, item_id, outcome, user=current_user,
                                                       reason=request.form.get("reason") or None),
                   order, _staff_back(number), _("The item's outcome is saved."))


@bp.route("/<number>/request", methods=["POST"])
@staff_required
def staff_request(number):
    """Staff open a return or an exchange for the customer (asked by phone, say)."""
    order = _staff_order(number)

    def open_case(o):
        form = request.form
        item_ids = form.getlist("item")
        wanted = {int(i): (form.get(f"size_{i}", ""), form.get(f"color_{i}", "")) for i in item_ids if i.isdigit()}
        return services.request(o, kind=form.get("kind", ""), item_ids=item_ids, reason=form.get("reason", ""),
                                wanted=wanted, comment=form.get("comment", ""), opened_by="staff", user=current_user)

    return answer(open_case, order, _staff_back(number), _("The request is recorded."))


@bp.route("/settings", methods=["POST"])
@admin_required
def staff_settings():
    try:
        days = int(request.form.get("days", ""))
        if not 0 <= days <= 365:
            raise ValueError
    except ValueError:
        flash(_("Enter the number of days, from 0 to 365."), "error")
        return redirect(url_for("returns_admin.staff_list"))
    reasons = [code for code in request.form.getlist("reason") if code in services.CUSTOMER_REASONS]
    if not reasons:
        flash(_("Choose at least one reason customers may give."), "error")
        return redirect(url_for("returns_admin.staff_list"))
    default_sizes = (request.form.get("default_sizes", "") or "").strip()[:500]
    app_settings.save({"RETURN_DAYS": days, "RETURN_REASONS": ",".join(reasons),
                       "EXCHANGE_SIZES": (request.form.get("sizes", "") or "").strip()[:4000],
                       "EXCHANGE_DEFAULT_SIZES": default_sizes or current_app.config["EXCHANGE_DEFAULT_SIZES"]},
                      action="settings.update", object_id="returns")
    db.session.commit()
    flash(_("The return rules are saved."), "success")
    return redirect(url_for("returns_admin.staff_list"))
