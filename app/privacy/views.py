"""Privacy pages: the policy, a customer's own data, and the admin's privacy desk."""
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from app import settings
from app.auth import admin_required, customer_required
from app.extensions import db, limiter
from app.htmx import render
from app.notify import kpis
from app.orders.models import Customer
from app.privacy import retention, subject
from app.privacy.forms import AdminEraseForm, SearchForm, SelfEraseForm

bp = Blueprint("privacy", __name__)
FORMATS = ("json", "csv")


def _download(filename, mimetype, body):
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/privacy")
def policy():
    cfg = current_app.config
    return render_template("privacy/policy.html", contact_email=settings.get("SHOP_EMAIL", display=True),
                           retention_months=cfg["RETENTION_MONTHS"],
                           audit_months=cfg["AUDIT_RETENTION_MONTHS"], remember_days=cfg["REMEMBER_COOKIE_DAYS"],
                           idle_minutes=cfg["SESSION_IDLE_MINUTES"], absolute_hours=cfg["SESSION_ABSOLUTE_HOURS"],
                           message_tracking=kpis.tracking_on(), open_pixel=kpis.pixel_on())


# ---- the customer's own data -------------------------------------------------------------------

@bp.route("/account/privacy")
@customer_required
def account():
    return render_template("privacy/account.html", form=SelfEraseForm(), customer=current_user.customer)


@bp.route("/account/privacy/export.<fmt>", methods=["POST"])
@customer_required
def account_export(fmt):
    if fmt not in FORMATS or current_user.customer is None:
        abort(404)
    filename, mimetype, body = subject.export(current_user.customer, fmt)
    db.session.commit()
    return _download(filename, mimetype, body)


def _password_check_key():
    return f"password-check:{current_user.get_id()}"


@bp.route("/account/privacy/erase", methods=["POST"])
@customer_required
@limiter.limit(lambda: current_app.config["PASSWORD_CHECK_RATE_LIMIT"], key_func=_password_check_key,
               deduct_when=lambda response: response.status_code == 400)
def account_erase():
    form = SelfEraseForm()
    customer = current_user.customer
    if form.validate_on_submit():
        if not current_user.check_password(form.password.data):
            form.password.errors.append(_("The password is not correct."))
        elif customer is not None:
            try:
                subject.erase(customer, actor=subject.SELF_SERVICE)
            except subject.ErasureRefused as error:
                db.session.rollback()
                flash(str(error), "error")
                return render_template("privacy/account.html", form=form, customer=customer), 409
            db.session.commit()
            logout_user()
            flash(_("Your account and personal data have been erased."), "info")
            return redirect(url_for("web.home"))
    return render_template("privacy/account.html", form=form, customer=customer), 400


# ---- the admin's privacy desk ------------------------------------------------------------------

@bp.route("/admin/privacy")
@admin_required
def desk():
    form = SearchForm(request.args)
    found = subject.find_customers(form.q.data) if form.validate() else []
    subject.audit_views(found, current_user)
    return render("privacy/desk.html", "privacy/_search_results.html", form=form, found=found,
                  query=form.q.data or "", preview=retention.preview(),
                  retention_months=settings.get_int("RETENTION_MONTHS"))


@bp.route("/admin/privacy/retention", methods=["POST"])
@admin_required
def run_retention():
    from flask_wtf import FlaskForm

    if not FlaskForm().validate_on_submit():
        abort(400)
    counts = retention.run()
    flash(_("Retention applied: %(orders)d orders and %(customers)d customers anonymised, %(sessions)d sessions "
            "and %(audit)d audit entries deleted.", orders=counts.get("orders", 0),
            customers=counts.get("customers", 0), sessions=counts.get("sessions", 0), audit=counts.get("audit", 0)),
          "success")
    return redirect(url_for("privacy.desk"))


def _customer_or_404(customer_id):
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        abort(404)
    return customer


@bp.route("/admin/privacy/customers/<int:customer_id>")
@admin_required
def customer(customer_id):
    customer = _customer_or_404(customer_id)
    data = subject.collect(customer)
    subject.audit_views([customer], current_user)
    return render_template("privacy/customer.html", customer=customer, data=data, form=AdminEraseForm(),
                           open_orders=subject.open_orders(customer))


@bp.route("/admin/privacy/customers/<int:customer_id>/export.<fmt>", methods=["POST"])
@admin_required
def customer_export(customer_id, fmt):
    if fmt not in FORMATS:
        abort(404)
    filename, mimetype, body = subject.export(_customer_or_404(customer_id), fmt)
    db.session.commit()
    return _download(filename, mimetype, body)


@bp.route("/admin/privacy/customers/<int:customer_id>/erase", methods=["POST"])
@admin_required
def customer_erase(customer_id):
    customer = _customer_or_404(customer_id)
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
            return redirect(url_for("privacy.desk"))
    else:
        flash(_("Tick the box to confirm."), "error")
    return redirect(url_for("privacy.customer", customer_id=customer_id))
