"""The logged-in customer's orders."""
from flask import Blueprint, abort, render_template
from flask_login import current_user

from app.auth import customer_required
from app.orders.services import customer_order_or_none, customer_orders

bp = Blueprint("orders", __name__, url_prefix="/orders")


@bp.route("/")
@customer_required
def my_orders():
    return render_template("orders/list.html", orders=customer_orders(current_user))


@bp.route("/<number>")
@customer_required
def detail(number):
    order = customer_order_or_none(current_user, number)
    if order is None:
        abort(404)  # never 403: that would tell a stranger the order exists
    return render_template("orders/detail.html", order=order)
