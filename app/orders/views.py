"""The logged-in customer's orders: the list, one order with its live progress, and their actions."""
from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import settings
from app.auth import customer_required
from app.extensions import db, login_manager
from app.htmx import is_partial_request
from app.i18n import choose_language, select_timezone
from app.orders import statuses
from app.tracking import fragments, services
from app.tracking.views import not_modified, page_context, progress_response

bp = Blueprint("orders", __name__, url_prefix="/orders")


def _own_order(number, *, for_page=False):
    order = services.customer_order(current_user, number, for_page=for_page)
    if order is None:
        abort(404)  # never 403: that would tell a stranger the order exists
    return order


@bp.route("/")
@customer_required
def my_orders():
    active, finished = services.order_summaries(services.customer_orders(current_user))
    return render_template("orders/list.html", active=active, finished=finished)


# The order page and its polled partial are what every watching customer asks for again and
# again. Both first try a fast answer from one indexed query that reads the order's state and
# checks the session's identity as the log-in's user loader would (same user, same session
# version, active, a customer) without loading the user; anything else (a change, a stranger,
# no session, a flash message to show) takes the full path, which renders and checks as usual.

def _session_order_state(number):
    """The order's state if the session's user may see it, else None (the full path decides)."""
    if login_manager.session_protection == "strong":
        return None  # strong protection may log the user out: let Flask-Login decide
    try:
        user_id, session_version = (int(part) for part in session.get("_user_id", "").split(":", 1))
    except (AttributeError, ValueError):
        return None  # not logged in (or by a remember-me cookie)
    return services.customer_order_state(user_id, session_version, number)


def _page_key(etag, customer_name):
    """Everything the order page shows besides the tracking block (the ETag covers that and the
    order's items and delivery, which bump its version): the recipient's name, the URL (the
    language switch returns to it) and the shop's name."""
    return ("orders.detail", etag, customer_name, request.full_path, settings.get("SHOP_NAME"))


@bp.route("/<number>")
def detail(number):
    if "_flashes" not in session:
        state = _session_order_state(number)
        if state is not None:
            etag = services.make_etag("customer", state.id, state.version,
                                      choose_language(lambda: state.language), select_timezone())
            html = fragments.cached(_page_key(etag, state.customer_name))
            if html is not None:
                return html
    return _detail(number)


@customer_required
def _detail(number):
    order = _own_order(number, for_page=True)
    poll_url = url_for("orders.progress", number=order.number)
    context = page_context(order, "customer", poll_url)
    key = None if "_flashes" in session else _page_key(context["etag"], order.customer.name)
    return fragments.render(key, "orders/detail.html", **context)


@bp.route("/<number>/progress")
def progress(number):
    """The polled partial: 304 from one query while the order is unchanged, else rendered."""
    return _unchanged(number) or _progress(number)


def _unchanged(number):
    """304 when the browser's ETag matches the order's current version, else None.

    The ETag is built from ``order.version`` read now, so a 304 never hides a change.
    """
    if not request.if_none_match or not is_partial_request():
        return None
    state = _session_order_state(number)
    if state is None or state.status in statuses.TERMINAL:
        return None  # 404 for a stranger, 286 for a final state: rendered by the full path
    language = choose_language(lambda: state.language)
    etag = services.make_etag("customer", state.id, state.version, language, select_timezone())
    if not request.if_none_match.contains_weak(etag):
        return None
    return not_modified(etag)


@customer_required
def _progress(number):
    order = _own_order(number)
    return progress_response(order, kind="customer", page="orders/detail.html",
                             poll_url=url_for("orders.progress", number=order.number))


@bp.route("/<number>/received", methods=["POST"])
@customer_required
def confirm_receipt(number):
    order = _own_order(number)
    try:
        services.confirm_receipt(order, current_user)
    except services.ActionRefused as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Thank you! The order is marked as delivered."), "success")
    return redirect(url_for("orders.detail", number=number))


@bp.route("/<number>/return", methods=["POST"])
@customer_required
def request_return(number):
    order = _own_order(number)
    try:
        services.request_return(order, current_user, request.form.get("reason"))
    except services.ActionRefused as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Your return request has been sent to the shop."), "success")
    return redirect(url_for("orders.detail", number=number))
