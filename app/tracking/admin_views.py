"""Admin page for the widget: the shop's colours and logo, and the snippet for one order."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from app import settings
from app.auth import admin_required, staff_required
from app.extensions import db
from app.i18n import preferred_language
from app.orders import access, links
from app.tracking import branding, help
from app.tracking.forms import BrandingForm, HelpForm
from app.tracking.models import ProblemReport

bp = Blueprint("tracking_admin", __name__, url_prefix="/admin")


@bp.route("/branding", methods=["GET", "POST"])
@admin_required
def branding_page():
    form = BrandingForm() if request.method == "POST" else _branding_form()
    code = 200
    if form.validate_on_submit():
        upload = form.logo.data
        data = upload.read(branding.LOGO_MAX_BYTES + 1) if upload else None
        try:
            adjusted = branding.save(form.color.data, form.background.data, data, remove_logo=form.remove_logo.data,
                                     shown=form.settings_shown.data)
        except branding.BrandingError as error:
            db.session.rollback()
            getattr(form, error.field).errors.append(str(error))
        except settings.SettingsChanged as error:  # shown again as typed
            flash(str(error), "error")
            code = 409
        else:
            db.session.commit()
            flash(_("The branding is saved."), "success")
            if "color" in adjusted:
                asked, used = adjusted["color"]
                flash(_("The colour %(asked)s is too light to read as text (links, labels) on a white page: "
                        "it does not reach the WCAG AA contrast of 4.5:1. We use the nearest readable shade, "
                        "%(used)s, instead.", asked=asked, used=used), "warning")
            return redirect(url_for("tracking_admin.branding_page"))
    return _page(form, _help_form()), code


def _branding_form():
    """The branding form showing the current branding (and, hidden, what it shows: ``settings.shown``)."""
    brand = branding.current()
    return BrandingForm(formdata=None, data={"color": brand.color, "background": brand.background,
                                             "settings_shown": branding.shown_settings()})


def _page(form, help_form):
    """The branding page with these two forms (as typed, with their errors, after a refused save)."""
    number = request.args.get("order", "").strip()
    order = access.order_by_number(number)
    widget_url = widget_language = widget_title = None
    if order is not None:
        widget_url = links.widget_url(order)
        db.session.commit()  # a first link gives the order its nonce
        # the snippet shows the widget to this order's customer: in their language, else the shop's
        # (not the admin's own, who may read these pages in another)
        widget_language = preferred_language(order.customer.language)
        with force_locale(widget_language):
            widget_title = _("Order tracking")
    return render_template("tracking/admin_branding.html", form=form, brand=branding.current(), help_form=help_form,
                           number=number, order=order, widget_url=widget_url, widget_language=widget_language,
                           widget_title=widget_title, embed_url=url_for("tracking.embed_script", _external=True))


@bp.route("/branding/revoke", methods=["POST"])
@admin_required
def revoke():
    order = access.order_by_number(request.form.get("order"))
    if order is None:
        flash(_("There is no order with this number."), "error")
        return redirect(url_for("tracking_admin.branding_page"))
    followers = links.revoke_links(order)
    db.session.commit()
    flash(_("Every tracking link of order %(number)s has stopped working. New links work as usual.",
            number=order.number), "success")
    if followers:
        flash(_("Those who followed the order by its link get no more news about it."), "success")
    return redirect(url_for("tracking_admin.branding_page", order=order.number))


@bp.route("/problems/<int:report_id>/handled", methods=["POST"])
@staff_required
def problem_handled(report_id):
    report = db.get_or_404(ProblemReport, report_id)
    help.mark_handled(report, current_user)
    db.session.commit()
    flash(_("The problem is marked as handled."), "success")
    return redirect(url_for("admin.order", order_id=report.order_id))


def _help_form(formdata=None):
    if formdata is not None:
        return HelpForm(formdata=formdata)
    data = {"phone": settings.get(help.PHONE) or "", "settings_shown": help.shown_settings()}
    data.update({f"faq_{lang}": settings.get(help.FAQ_PREFIX + lang) or "" for lang in help.LANGUAGES})
    return HelpForm(formdata=None, data=data)


@bp.route("/branding/help", methods=["POST"])
@admin_required
def help_settings():
    """The customer pages' help block: phone and FAQ (an empty FAQ falls back to the built-in one)."""
    form = _help_form(request.form)
    if not form.validate():  # shown with its errors and the text as typed (a redirect lost both)
        flash(_("The help was not saved: check the fields."), "error")
        return _page(_branding_form(), form), 422
    try:
        help.save_settings(form.phone.data, {lang: getattr(form, f"faq_{lang}").data for lang in help.LANGUAGES},
                           shown=form.settings_shown.data)
    except settings.SettingsChanged as error:  # shown again as typed
        flash(str(error), "error")
        return _page(_branding_form(), form), 409
    db.session.commit()
    flash(_("The help for customers is saved."), "success")
    return redirect(url_for("tracking_admin.branding_page") + "#help-settings")
