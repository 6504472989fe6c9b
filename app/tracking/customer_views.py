"""The logged-in customer's orders (blueprint "orders", under /orders): the list, one order with its live
progress, and their actions. The public look-up, signed links and the widget are in ``views.py``."""
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth import customer_required
from app.extensions import limiter
from app.notify import kpis
from app.orders import access
from app.tracking import help, services
from app.tracking.views import commit_or_flash, commit_or_show_again, page_context, progress_response

bp = Blueprint("orders", __name__, url_prefix="/orders")


def own_order(number, *, for_page=False, with_tracking=False):
    order = access.customer_order(current_user, number, for_page=for_page, with_tracking=with_tracking)
    if order is None:
        abort(404)  # never 403: that would tell a stranger the order exists
    return order


@bp.route("/")
@customer_required
def my_orders():
    active, finished = services.order_summaries(access.customer_orders(current_user))
    return render_template("orders/list.html", active=active, finished=finished)


@bp.route("/<number>")
@customer_required
def detail(number):
    return detail_page(number, counted=True)


def detail_page(number, *, counted=False):
    """The customer's order page; ``counted``: as a view of it (not when it is shown again with a
    refused form on it)."""
    order = own_order(number, for_page=True, with_tracking=True)
    page = render_template("orders/detail.html",
                           **page_context(order, "customer", url_for("orders.progress", number=order.number)))
    if counted:
        kpis.record_view(order.id)
    return page


@bp.route("/<number>/progress")
@customer_required
def progress(number):
    """The polled partial: 304 from one small read while the order is unchanged, else rendered."""
    state = access.customer_order_state(current_user, number)
    if state is None:
        abort(404)
    return progress_response(state, lambda: own_order(number, with_tracking=True), kind="customer",
                             page="orders/detail.html", poll_url=lambda: url_for("orders.progress", number=number))


def _act(number, action, refused, success):
    """A customer's action on their order (``commit_or_flash``), then back to the order page."""
    order = own_order(number)
    commit_or_flash(lambda: action(order), refused, success)
    return redirect(url_for("orders.detail", number=number))


@bp.route("/<number>/received", methods=["POST"])
@customer_required
def confirm_receipt(number):
    confirmed = request.form.get("confirm") == "yes"
    return _act(number, lambda order: services.confirm_receipt(order, current_user, confirmed=confirmed),
                services.ActionRefused, _("Thank you! The order is marked as delivered."))


@bp.route("/<number>/problem", methods=["POST"])
@customer_required
@limiter.limit("20 per hour")
def report_problem(number):
    """"Report a problem": a note staff see on the order."""
    order = own_order(number)
    return commit_or_show_again(
        lambda: help.report_problem(order, request.form.get("message"), source="customer", user=current_user),
        help.ReportRefused, _("Thank you. The shop has your message and will get back to you."),
        back=url_for("orders.detail", number=number) + "#help", page=lambda: detail_page(number))
