"""Return and exchange pages: the customer's request (from the order page and the signed-link page),
the return waybill they give, and the staff pages that answer, follow and refund."""
from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import settings as app_settings
from app.auth import admin_required, customer_required, staff_required
from app.extensions import db
from app.orders import access, links
from app.orders.models import Order
from app.returns import display, services
from app.returns.models import OUTCOMES, REQUESTED, ReturnCase

bp = Blueprint("returns", __name__)


@bp.app_template_global("order_returns")
def order_returns(order, kind):
    """The returns section of a customer's page (``kind``: customer, signed)."""
    if kind == "customer":
        def url_for_order(other):
            return url_for("orders.detail", number=other.number)
    else:
        def url_for_order(other):
            return links.tracking_url(other, external=False)
    return display.returns_view(order, url_for_order=url_for_order)


def _form_request(order, *, user=None):
    form = request.form
    item_ids = form.getlist("item")
    wanted = {}
    for raw in item_ids:
        if str(raw).isdigit():
            wanted[int(raw)] = (form.get(f"size_{raw}", ""), form.get(f"color_{raw}", ""))
    return services.request(order, kind=form.get("kind", ""), item_ids=item_ids, reason=form.get("reason", ""),
                            wanted=wanted, comment=form.get("comment", ""), user=user)


def _answer(action, order, back, success):
    try:
        action(order)
    except services.ReturnRefused as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(success, "success")
    return redirect(back + "#returns")


# ---- the customer, logged in -------------------------------------------------------------------

def _own_order(number):
    order = access.customer_order(current_user, number)
    if order is None:
        abort(404)
    return order


@bp.route("/orders/<number>/returns", methods=["POST"])
@customer_required
def customer_request(number):
    order = _own_order(number)
    return _answer(lambda o: _form_request(o, user=current_user), order, url_for("orders.detail", number=number),
                   _("Your request has been sent to the shop."))


@bp.route("/orders/<number>/returns/<int:case_id>/waybill", methods=["POST"])
@customer_required
def customer_waybill(number, case_id):
    order = _own_order(number)
    return _answer(lambda o: services.add_return_waybill(o, case_id, request.form.get("carrier", ""),
                                                         request.form.get("number", ""), user=current_user),
                   order, url_for("orders.detail", number=number), _("Thank you! We will follow your return parcel."))


# ---- the customer, by the signed link ----------------------------------------------------------

def _token_order(token):
    try:
        return access.order_for_token(token)
    except links.InvalidLink:
        abort(404)


@bp.route("/t/<token>/returns", methods=["POST"])
def signed_request(token):
    order = _token_order(token)
    return _answer(_form_request, order, url_for("tracking.signed", token=token),
                   _("Your request has been sent to the shop."))


@bp.route("/t/<token>/returns/<int:case_id>/waybill", methods=["POST"])
def signed_waybill(token, case_id):
    order = _token_order(token)
    return _answer(lambda o: services.add_return_waybill(o, case_id, request.form.get("carrier", ""),
                                                         request.form.get("number", "")),
                   order, url_for("tracking.signed", token=token), _("Thank you! We will follow your return parcel."))


# ---- staff ---------------------------------------------------------------------------------------

def _staff_order(number):
    order = db.session.execute(db.select(Order).where(Order.number == number)).scalar_one_or_none()
    if order is None:
        abort(404)
    return order


@bp.route("/admin/returns")
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


@bp.route("/admin/returns/<number>")
@staff_required
def staff_order(number):
    order = _staff_order(number)
    view = display.returns_view(order, url_for_order=lambda other: url_for("returns.staff_order", number=other.number))
    return render_template("returns/staff_order.html", order=order, view=view, outcomes=services.OUTCOME_LABELS,
                           reasons=services.REASONS, methods=services.REFUND_METHODS, today=date.today().isoformat())


def _staff_back(number):
    return url_for("returns.staff_order", number=number)


@bp.route("/admin/returns/<number>/<int:case_id>/approve", methods=["POST"])
@staff_required
def staff_approve(number, case_id):
    order = _staff_order(number)
    return _answer(lambda o: services.approve(o, case_id, user=current_user, message=request.form.get("message", "")),
                   order, _staff_back(number), _("The request is approved; the customer has been told."))


@bp.route("/admin/returns/<number>/<int:case_id>/refuse", methods=["POST"])
@staff_required
def staff_refuse(number, case_id):
    order = _staff_order(number)
    return _answer(lambda o: services.refuse(o, case_id, user=current_user, message=request.form.get("message", "")),
                   order, _staff_back(number), _("The request is refused; the customer has been told."))


@bp.route("/admin/returns/<number>/<int:case_id>/waybill", methods=["POST"])
@staff_required
def staff_waybill(number, case_id):
    order = _staff_order(number)
    return _answer(lambda o: services.add_return_waybill(o, case_id, request.form.get("carrier", ""),
                                                         request.form.get("number", ""), user=current_user),
                   order, _staff_back(number), _("The return parcel will be followed."))


@bp.route("/admin/returns/<number>/<int:case_id>/received", methods=["POST"])
@staff_required
def staff_received(number, case_id):
    order = _staff_order(number)
    return _answer(lambda o: services.mark_received(o, case_id, user=current_user), order, _staff_back(number),
                   _("Marked as back at the shop."))


@bp.route("/admin/returns/<number>/<int:case_id>/refund", methods=["POST"])
@staff_required
def staff_refund(number, case_id):
    order = _staff_order(number)
    try:
        day = date.fromisoformat(request.form.get("date", ""))
    except ValueError:
        day = None
    return _answer(lambda o: services.record_refund(o, case_id, amount=request.form.get("amount", ""),
                                                    method=request.form.get("method", ""), day=day,
                                                    user=current_user),
                   order, _staff_back(number), _("The refund is recorded; the customer has been told."))


@bp.route("/admin/returns/<number>/items/<int:item_id>", methods=["POST"])
@staff_required
def staff_outcome(number, item_id):
    order = _staff_order(number)
    outcome = request.form.get("outcome", "")
    if outcome not in OUTCOMES:
        flash(_("Unknown outcome."), "error")
        return redirect(_staff_back(number))
    return _answer(lambda o: services.set_item_outcome(o, item_id, outcome, user=current_user,
                                                       reason=request.form.get("reason") or None),
                   order, _staff_back(number), _("The item's outcome is saved."))


@bp.route("/admin/returns/<number>/request", methods=["POST"])
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

    return _answer(open_case, order, _staff_back(number), _("The request is recorded."))


@bp.route("/admin/returns/settings", methods=["POST"])
@admin_required
def staff_settings():
    try:
        days = int(request.form.get("days", ""))
        if not 0 <= days <= 365:
            raise ValueError
    except ValueError:
        flash(_("Enter the number of days, from 0 to 365."), "error")
        return redirect(url_for("returns.staff_list"))
    reasons = [code for code in request.form.getlist("reason") if code in services.CUSTOMER_REASONS]
    if not reasons:
        flash(_("Choose at least one reason customers may give."), "error")
        return redirect(url_for("returns.staff_list"))
    default_sizes = (request.form.get("default_sizes", "") or "").strip()[:500]
    app_settings.save({"RETURN_DAYS": days, "RETURN_REASONS": ",".join(reasons),
                       "EXCHANGE_SIZES": (request.form.get("sizes", "") or "").strip()[:4000],
                       "EXCHANGE_DEFAULT_SIZES": default_sizes or current_app.config["EXCHANGE_DEFAULT_SIZES"]},
                      action="settings.update", object_id="returns")
    db.session.commit()
    flash(_("The return rules are saved."), "success")
    return redirect(url_for("returns.staff_list"))


@bp.app_template_global("return_analytics")
def return_analytics(period):
    """The returns section of the analytics pages (``app.returns.analytics``)."""
    from app.returns import analytics

    return analytics.build(period)


@bp.app_template_filter("share")
def share_text(value):
    return "—" if value is None else f"{value * 100:.0f} %"
