"""Return and exchange pages: the customer's request (from the order page and the signed-link page) and
the return waybill they give. The staff pages that answer, follow and refund are in ``admin_views``."""
from flask import Blueprint, abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth import customer_required
from app.orders import access, links
from app.returns import display, services
from app.tracking.customer_views import detail_page, own_order
from app.tracking.views import commit_or_show_again, protect_token_urls, signed_page

bp = Blueprint("returns", __name__)
bp.after_request(protect_token_urls)  # its signed-link forms answer a refusal with the signed page


@bp.app_template_global("order_returns")
def order_returns(order, kind):
    """The returns section of a customer's page (``kind``: customer, signed)."""
    def url_for_order(other):
        return (url_for("orders.detail", number=other.number) if kind == "customer"
                else links.tracking_url(other, external=False))
    return display.returns_view(order, url_for_order=url_for_order)


def form_request(order, *, user=None, opened_by="customer"):
    """The return or exchange request the form posted (the customer's, or staff's for them)."""
    form = request.form
    item_ids = form.getlist("item")
    wanted = {int(i): (form.get(f"size_{i}", ""), form.get(f"color_{i}", "")) for i in item_ids if i.isdigit()}
    return services.request(order, kind=form.get("kind", ""), item_ids=item_ids, reason=form.get("reason", ""),
                            wanted=wanted, comment=form.get("comment", ""), opened_by=opened_by, user=user)


def answer(action, order, back, success, page):
    """Do ``action(order)``, then back to the page's returns section; refused, ``page()`` is shown again
    with what was typed (``commit_or_show_again``)."""
    return commit_or_show_again(lambda: action(order), services.ReturnRefused, success, back=back + "#returns",
                                page=page)


# ---- the customer, logged in -------------------------------------------------------------------

@bp.route("/orders/<number>/returns", methods=["POST"])
@customer_required
def customer_request(number):
    order = own_order(number)
    return answer(lambda o: form_request(o, user=current_user), order, url_for("orders.detail", number=number),
                  _("Your request has been sent to the shop."), lambda: detail_page(number))


@bp.route("/orders/<number>/returns/<int:case_id>/waybill", methods=["POST"])
@customer_required
def customer_waybill(number, case_id):
    order = own_order(number)
    return answer(lambda o: services.add_return_waybill(o, case_id, request.form.get("carrier", ""),
                                                         request.form.get("number", ""), user=current_user),
                  order, url_for("orders.detail", number=number), _("Thank you! We will follow your return parcel."),
                  lambda: detail_page(number))


# ---- the customer, by the signed link ----------------------------------------------------------

def _token_order(token):
    try:
        return access.order_for_token(token)
    except links.InvalidLink:
        abort(404)


@bp.route("/t/<token>/returns", methods=["POST"])
def signed_request(token):
    order = _token_order(token)
    return answer(form_request, order, url_for("tracking.signed", token=token),
                  _("Your request has been sent to the shop."), lambda: signed_page(token))


@bp.route("/t/<token>/returns/<int:case_id>/waybill", methods=["POST"])
def signed_waybill(token, case_id):
    order = _token_order(token)
    return answer(lambda o: services.add_return_waybill(o, case_id, request.form.get("carrier", ""),
                                                         request.form.get("number", "")),
                  order, url_for("tracking.signed", token=token), _("Thank you! We will follow your return parcel."),
                  lambda: signed_page(token))
