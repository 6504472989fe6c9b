"""Staff pages: the orders list and an order with its status form."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin.forms import StatusForm
from app.auth import staff_required
from app.extensions import db
from app.orders import lifecycle, statuses
from app.orders.models import Order

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@staff_required
def index():
    return redirect(url_for("admin.orders"))


@bp.route("/orders")
@staff_required
def orders():
    rows = db.session.execute(db.select(Order).order_by(Order.created_at.desc()).limit(200)).scalars().all()
    return render_template("admin/orders.html", orders=rows)


def _status_form(order):
    form = StatusForm()
    form.status.choices = [(s, str(statuses.label(s))) for s in statuses.allowed_next(order.status)]
    if not form.is_submitted():
        form.version.data = order.version
    return form


@bp.route("/orders/<int:order_id>", methods=["GET", "POST"])
@staff_required
def order(order_id):
    order = db.session.get(Order, order_id) or abort(404)
    form = _status_form(order)
    if form.validate_on_submit():
        try:
            lifecycle.change_status(order, form.status.data, source="staff", actor_user=current_user,
                                    note=form.note.data, expected_version=form.version.data or None)
        except lifecycle.LifecycleError as error:
            db.session.rollback()
            flash(str(error), "error")
            return render_template("admin/order.html", order=order, form=form), 409
        db.session.commit()
        flash(_("Status changed to “%(status)s”.", status=order.status_label), "success")
        return redirect(url_for("admin.order", order_id=order.id))
    _audit_customer_view(order.customer)
    return render_template("admin/order.html", order=order, form=form)


def _audit_customer_view(customer):
    """The page shows the customer's contact details: record who saw them (privacy)."""
    from app.privacy.subject import audit_views

    audit_views([customer], current_user)
