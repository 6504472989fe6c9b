"""The logged-in customer's orders: the list, one order with its live progress, and their actions."""
from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import settings
from app.auth import customer_required, sessions
from app.extensions import db, login_manager
from app.htmx import is_partial_request
from app.i18n import choose_language, select_timezone
from app.notify.views import unread_count_for_current_user
from app.orders import statuses
from app.tracking import fragments, services
from app.tracking.views import not_modified, page_context, progress_response

bp = Blueprint("orders", __name__, url_prefix="/orders")


def _own_order(number, *, for_page=False, with_tracking=False):
    order = services.customer_order(current_user, number, for_page=for_page, with_tracking=with_tracking)
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
# checks the session as the request's session check and the log-in's user loader would (this
# browser's session row alive and touched lately, same user, same session version, active, a
# customer) without loading the user; anything else (a change, a stranger, no session, a row due
# for its touch, a flash message to show) takes the full path, which checks the session row
# first (``sessions.ensure_checked``), then renders and checks as usual.

def _session_order_state(number, *, with_unread=False):
    """The order's state if the session's user may see it, else None (the full path decides)."""
    if login_manager.session_protection == "strong":
        return None  # strong protection may log the user out: let Flask-Login decide
    try:
        user_id, session_version = (int(part) for part in session.get("_user_id", "").split(":", 1))
    except (AttributeError, ValueError):
        return None  # not logged in (or by a remember-me cookie)
    return services.customer_order_state(user_id, session_version, sessions.token_hash(), number,
                                         with_unread=with_unread)


def _page_key(etag, customer_name, unread):
    """Everything the order page shows besides the tracking block (the ETag covers that and the
    order's items and delivery, which bump its version): the recipient's name, the header's count
    of unread messages, the URL (the language switch returns to it) and the shop's name."""
    return ("orders.detail", etag, customer_name, unread, request.full_path, settings.get("SHOP_NAME"))


@bp.route("/<number>")
@sessions.checked_by_view
def detail(number):
    unread = None
    if "_flashes" not in session:
        state = _session_order_state(number, with_unread=True)
        if state is not None:
            etag = services.make_etag("customer", state.id, state.version,
                                      choose_language(lambda: state.language), select_timezone())
            html = fragments.cached(_page_key(etag, state.customer_name, state.unread))
            if html is not None:
                return html
            unread = state.unread
    sessions.ensure_checked()
    return _detail(number, unread)


@customer_required
def _detail(number, unread=None):
    order = _own_order(number, for_page=True, with_tracking=True)
    poll_url = url_for("orders.progress", number=order.number)
    context = page_context(order, "customer", poll_url)
    if unread is None:
        unread = unread_count_for_current_user()
    key = None if "_flashes" in session else _page_key(context["etag"], order.customer.name, unread)
    # the header shows the count the page is cached under (one count query, not two)
    return fragments.render(key, "orders/detail.html", notify_unread_count=lambda: unread, **context)


@bp.route("/<number>/progress")
@sessions.checked_by_view
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


def _progress(number):
    sessions.ensure_checked()
    return _customer_progress(number)


@customer_required
def _customer_progress(number):
    order = _own_order(number, with_tracking=True)
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
