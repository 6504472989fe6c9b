"""The admin's privacy desk (``/admin/privacy``): find a customer, see, export or erase their data, apply
retention."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import settings
from app.auth import admin_required
from app.extensions import db
from app.htmx import render
from app.orders.models import Customer
from app.privacy import retention, subject
from app.privacy.forms import AdminEraseForm, SearchForm
from app.privacy.views import export_download

bp = Blueprint("privacy_admin", __name__, url_prefix="/admin/privacy")


@bp.route("")
@admin_required
def desk():
    form = SearchForm(request.args)
    found = subject.find_customers(form.q.data) if form.validate() else []
    subject.audit_views(found, current_user)
    return render("privacy/desk.html", "privacy/_search_results.html", form=form, found=found,
                  query=form.q.data or "", preview=retention.preview(),
                  retention_months=settings.get_int("RETENTION_MONTHS"))


@bp.route("/retention", methods=["POST"])
@admin_required
def run_retention():
    """The button's CSRF token is checked before every POST (``app.security.check_request``)."""
    counts = retention.run()
    flash(_("Retention applied: %(orders)d orders and %(customers)d customers anonymised, %(sessions)d sessions "
            "and %(audit)d audit entries deleted.", orders=counts.get("orders", 0),
            customers=counts.get("customers", 0), sessions=counts.get("sessions", 0), audit=counts.get("audit", 0)),
          "success")
    return redirect(url_for("privacy_admin.desk"))


@bp.route("/customers/<int:customer_id>")
@admin_required
def customer(customer_id):
    customer = db.get_or_404(Customer, customer_id)
    held = subject.held(customer)
    subject.audit_views([customer], current_user)
    return render_template("privacy/customer.html", customer=customer, held=held, form=AdminEraseForm(),
                           open_orders=subject.open_orders(customer))


@bp.route("/customers/<int:customer_id>/export.<fmt>", methods=["POST"])
@admin_required
def customer_export(customer_id, fmt):
    return export_download(db.get_or_404(Customer, customer_id), fmt)


@bp.route("/customers/<int:customer_id>/erase", methods=["POST"])
@admin_required
def customer_erase(customer_id):
    customer = db.get_or_404(Customer, customer_id)
    form = AdminEraseForm()
    if form.validate_on_submit():
        try:
            subject.erase(customer)
        except subject.ErasureRefused as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("The customer's personal data has been erased."), "success")
            return redirect(url_for("privacy_admin.desk"))
    else:
        flash(_("Tick the box to confirm."), "error")
    return redirect(url_for("privacy_admin.customer", customer_id=customer_id))
