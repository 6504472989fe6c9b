"""Privacy pages: the policy and a customer's own data (the admin's privacy desk is in ``admin_views``)."""
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from app import settings
from app.auth import customer_required, password_check_limit
from app.extensions import db
from app.notify import kpis
from app.privacy import subject
from app.privacy.forms import DetailsForm, SelfEraseForm
from app.tracking import help
from app.tracking.views import commit_or_show_again

bp = Blueprint("privacy", __name__)
FORMATS = ("json", "csv")


def export_download(customer, fmt):
    """The customer's data as a file to download (``subject.export``, audited and committed); 404 for
    an unknown format or no customer."""
    if fmt not in FORMATS or customer is None:
        abort(404)
    filename, mimetype, body = subject.export(customer, fmt)
    db.session.commit()
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

def account_page(form=None, details=None):
    customer = current_user.customer
    return render_template("privacy/account.html", form=form or SelfEraseForm(), customer=customer,
                           details=details or DetailsForm.of(customer), contact=help.contact())


@bp.route("/account/privacy")
@customer_required
def account():
    return account_page()


@bp.route("/account/privacy/details", methods=["POST"])
@customer_required
def account_details():
    """"Your details": the customer corrects their own name and phone (``subject.correct_details``)."""
    customer = current_user.customer or abort(404)
    details = DetailsForm()

    def correct():
        try:
            subject.correct_details(customer, name=details.name.data, phone=details.phone.data)
        except subject.DetailsRefused as error:
            details[error.field].errors = [str(error)]  # shown at the field, the form keeps what was typed
            raise

    return commit_or_show_again(correct, subject.DetailsRefused, _("Your details are saved."),
                                back=url_for("privacy.account") + "#details", page=lambda: account_page(details=details))


@bp.route("/account/privacy/export.<fmt>", methods=["POST"])
@customer_required
def account_export(fmt):
    return export_download(current_user.customer, fmt)


@bp.route("/account/privacy/erase", methods=["POST"])
@customer_required
@password_check_limit
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
                return account_page(form), 409
            db.session.commit()
            logout_user()
            flash(_("Your account and personal data have been erased."), "info")
            return redirect(url_for("web.home"))
    return account_page(form), 400
