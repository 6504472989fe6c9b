"""Staff pages: the orders list, the order editor, status changes, import and export.

Admin-only pages (users, audit log, settings) are in ``admin_views``, cash on delivery in ``cod_views``, all
on this ``admin`` blueprint; other domains' staff pages are in their own ``admin_views`` (``<domain>_admin``).
Views parse input, call a service and render; rules live in the services.
"""

from flask import Blueprint, Response, abort, flash, make_response, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import exports
from app.admin import orderlist
from app.admin import status as status_service
from app.admin.forms import BulkStatusForm, CorrectionForm, ImportForm, OrderForm, ShipmentForm, StatusForm, status_choices
from app.admin.transfer import COLUMNS, ImportFailed, RowError, column_labels, export_rows, import_orders, json_chunks
from app.attention.admin_views import order_rows as attention_rows
from app.auth import admin_required, staff_required
from app.carriers import CARRIERS, carrier_label, tracking_url
from app.clock import local_now
from app.extensions import db
from app.htmx import hx_redirect, is_partial_request, render
from app.orders import lifecycle, statuses
from app.orders.cod import COD_LABELS
from app.orders.models import Order
from app.orders.services import OrderInputError, add_shipment, create_staff_order, remove_shipment, update_order
from app.privacy.subject import audit_views
from app.queryargs import BadQueryArg, period_error
from app.tracking import help as tracking_help
from app.tracking.services import open_return_requests, parcels_summary

bp = Blueprint("admin", __name__, url_prefix="/admin")
MAX_IMPORT_BYTES = 5 * 1024 * 1024
BLANK_ITEM_ROWS = 2


@bp.route("/")
@staff_required
def index():
    return redirect(url_for("admin.orders"))


# ---- orders list -------------------------------------------------------------------------------

def _list_context(filters):
    counts = orderlist.status_counts(filters)
    page = orderlist.find_orders(filters, counts)
    return {
        "filters": filters, "result": page, "counts": counts.real, "count_total": counts.found(),
        "found": counts.found(filters.status), "sandbox_found": counts.sandbox_found(filters.status),
        "statuses": status_choices(statuses.ALL), "carriers": [(code, carrier_label(code)) for code in CARRIERS],
        "regions": orderlist.regions(), "bulk_form": BulkStatusForm(), "sort_options": _sort_options(),
    }


def _sort_options():
    return [("-created", _("Newest first")), ("created", _("Oldest first")),
            ("-changed", _("Recently changed")), ("changed", _("Longest unchanged")),
            ("number", _("Order number")), ("status", _("Status")), ("customer", _("Customer A–Z")),
            ("-customer", _("Customer Z–A"))]


@bp.route("/orders")
@staff_required
def orders():
    filters = orderlist.OrderFilters.from_args(request.args)
    error = period_error(filters.date_from, filters.date_to)
    # an htmx filter change must be swapped in to show the error: htmx drops a 4xx answer
    code = 422 if error and not is_partial_request() else 200
    return render("admin/orders.html", "admin/_orders_table.html", period_error=error, **_list_context(filters)), code


@bp.route("/orders/export.<fmt>")
@staff_required
def export_orders(fmt):
    if fmt not in ("csv", "xlsx", "json"):
        abort(404)
    filters = orderlist.OrderFilters.from_args(request.args)
    error = period_error(filters.date_from, filters.date_to)
    if error:
        raise BadQueryArg(error)
    stamp = local_now().strftime("%Y%m%d-%H%M")  # the time the staff see on the page
    orders = orderlist.exported_orders(filters, fmt)
    db.session.commit()  # the audit entry, before the download streams
    if fmt != "json":
        return exports.download(fmt, COLUMNS, column_labels(), export_rows(orders), f"orders-{stamp}",
                                stream=True)
    response = Response(stream_with_context(json_chunks(orders)), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="orders-{stamp}.json"'
    return response


@bp.route("/orders/bulk-status", methods=["POST"])
@staff_required
def bulk_status():
    form = BulkStatusForm()
    ids = [int(i) for i in request.form.getlist("order_ids") if i.isdigit()]
    if not ids:
        flash(_("Select at least one order."), "error")
        return redirect(url_for("admin.orders", **request.args))
    if not form.validate_on_submit():
        flash(_("Choose the new status."), "error")
        return redirect(url_for("admin.orders", **request.args))
    results = status_service.bulk_change(ids, form.status.data, user=current_user, note=form.note.data,
                                         reason=form.reason.data or None)
    done = sum(1 for r in results if r.ok)
    return render_template("admin/bulk_result.html", results=results, done=done, failed=len(results) - done,
                           target_label=statuses.label(form.status.data), back=url_for("admin.orders", **request.args))


# ---- import ------------------------------------------------------------------------------------

@bp.route("/orders/import", methods=["GET", "POST"])
@staff_required
def import_page():
    form = ImportForm()
    errors, result, stopped_at = None, None, None
    if request.method == "POST":
        db.session.commit()  # the log-in check's transaction holds SQLite's write lock: not while the file is read
    sent = form.validate_on_submit()
    if sent:
        data = form.file.data.read(MAX_IMPORT_BYTES + 1)
        if len(data) > MAX_IMPORT_BYTES:
            errors = [RowError(1, "", _("The file is larger than 5 MB; split it."))]
        else:
            try:  # the import commits its own batches (app/admin/transfer.py)
                update = form.existing.data == "update"
                result = import_orders(data, actor_user=current_user, update_existing=update,
                                       every_parcel=update and form.every_parcel.data)
            except ImportFailed as failure:
                db.session.rollback()
                errors, result, stopped_at = failure.errors, failure.partial, failure.stopped_at
            else:
                flash(result.summary(), "success")
    code = 422 if errors or (form.is_submitted() and not sent) else 200  # submitted without a file: the field says so
    return render_template("admin/import.html", form=form, errors=errors, result=result, stopped_at=stopped_at,
                           columns=COLUMNS), code


# ---- one order ---------------------------------------------------------------------------------

def _status_form(order, from_request=False):
    form = StatusForm() if from_request else StatusForm(formdata=None, version=order.version)
    form.status.choices = status_choices(statuses.allowed_next(order.status), blank=True)
    return form


def _correction_form(order, from_request=False):
    form = (CorrectionForm(prefix="correction") if from_request
            else CorrectionForm(formdata=None, prefix="correction", version=order.version))
    form.status.choices = status_choices([s for s in statuses.ALL if s != order.status])
    return form


def _order_form(order=None, from_request=False):
    """The order form as sent, or filled from ``order`` (empty for a new one) with blank item rows to fill."""
    form = OrderForm() if from_request else OrderForm(formdata=None, data=order and OrderForm.values_of(order))
    if not (from_request and form.is_submitted()):
        for _blank in range(BLANK_ITEM_ROWS):
            form.items.append_entry()
    return form


#: The services' names for the order form's fields (``OrderInputError.field``)
ORDER_INPUT_FIELDS = {"customer.name": "customer_name", "customer.phone": "customer_phone",
                      "delivery.country": "delivery_country", "carrier": "carrier", "tracking_number": "tracking_number",
                      "cod_amount": "cod_amount"}


def _place_error(form, error):
    """Show a service's ``OrderInputError`` next to the field it names ("items": the first item's name)."""
    field = "items[0].name" if error.field == "items" else error.field
    target = None
    if field.startswith("items["):
        index, _dot, name = field[6:].partition("].")
        filled = [e for e in form.items.entries if e.form.is_filled()]
        if index.isdigit() and int(index) < len(filled) and name in filled[int(index)].form._fields:
            target = filled[int(index)].form[name]
    elif field in ORDER_INPUT_FIELDS:
        target = form[ORDER_INPUT_FIELDS[field]]
    if target is not None:
        target.errors = list(target.errors) + [str(error)]
    flash(str(error), "error")


def _order_page(order, *, status_form=None, correction_form=None, edit_form=None, shipment_form=None, code=200):
    """The order page (for htmx, its status card); a form a refused POST sent is shown as sent, the others fresh."""
    receipt = lifecycle.customer_receipt(order)
    context = {
        "order": order, "form": status_form or _status_form(order), "edit_form": edit_form or _order_form(order),
        "correction_form": (correction_form or _correction_form(order)) if current_user.is_admin else None,
        "shipment_form": shipment_form or ShipmentForm(formdata=None, version=order.version),
        "tracking_url": tracking_url, "inline": is_partial_request(), "parcels_summary": parcels_summary(order),
        "can_change_status": bool(statuses.allowed_next(order.status)), "cod_labels": COD_LABELS,
        "open_return_requests": open_return_requests(order),
        # the customer's "report a problem" notes, until staff mark them handled
        "problem_reports": tracking_help.open_reports(order),
        # what the Attention page lists about this order now (e.g. cancelled in the store after shipping)
        "attention_rows": attention_rows(order),
        # the customer's own "received", still the last change: staff may undo it
        "customer_receipt": receipt,
        "receipt_back_to": statuses.label(receipt.previous_status) if receipt else None,
    }
    return render("admin/order.html", "admin/_status.html", **context), code


@bp.route("/orders/new", methods=["GET", "POST"])
@staff_required
def new_order():
    form = _order_form(from_request=True)
    if form.validate_on_submit():
        try:
            order = create_staff_order(form.customer(), form.filled_items(), delivery=form.delivery(),
                                       shipments=form.shipments(), note=form.internal_note.data,
                                       cod_amount=form.cod_amount.data, currency=form.currency.data,
                                       actor_user=current_user)
        except OrderInputError as error:
            db.session.rollback()
            _place_error(form, error)
            return render_template("admin/order_new.html", form=form), 422
        db.session.commit()
        flash(_("Order %(number)s created.", number=order.number), "success")
        return redirect(url_for("admin.order", order_id=order.id))
    if form.is_submitted():
        flash(_("Check the highlighted fields."), "error")
        return render_template("admin/order_new.html", form=form), 422
    return render_template("admin/order_new.html", form=form)


@bp.route("/orders/<int:order_id>", methods=["GET", "POST"])
@staff_required
def order(order_id):
    """The order page; a POST here is the inline status form."""
    order = db.get_or_404(Order, order_id)
    if request.method == "GET":
        audit_views([order.customer], current_user)  # the page shows the customer's contact details
        return _order_page(order)
    form = _status_form(order, from_request=True)
    if not form.validate_on_submit():
        return _order_page(order, status_form=form, code=422)
    try:
        status_service.change(order, form.status.data, user=current_user, note=form.note.data,
                              reason=form.reason.data or None, expected_version=form.version.data or None,
                              tracking_number=form.tracking_number.data, carrier=form.carrier.data,
                              without_tracking=form.without_tracking.data)
    except (lifecycle.LifecycleError, OrderInputError) as error:
        return _refused(order_id, error, 422 if isinstance(error, OrderInputError) else 409, status_form=form)
    db.session.commit()
    flash(_("Status changed to “%(status)s”.", status=order.status_label), "success")
    return _after_change(order)


def _refused(order_id, error, code, **forms):
    """A change the services refused: nothing of it is kept, and the order page shows why, with the forms as sent."""
    db.session.rollback()
    flash(str(error), "error")
    return _order_page(db.get_or_404(Order, order_id), code=code, **forms)


def _after_change(order):
    """Back to the order page (POST/redirect/GET); an htmx form is told to load it (HX-Redirect),
    so the badge and history refresh too. Errors, by contrast, re-render the card in place."""
    url = url_for("admin.order", order_id=order.id)
    if is_partial_request():
        return hx_redirect(make_response("", 204), url)
    return redirect(url)


@bp.route("/orders/<int:order_id>/correct", methods=["POST"])
@admin_required
def correct_status(order_id):
    order = db.get_or_404(Order, order_id)
    form = _correction_form(order, from_request=True)
    if not form.validate_on_submit():
        flash(_("A status correction needs a written reason."), "error")
        return _order_page(order, correction_form=form, code=422)
    try:
        status_service.change(order, form.status.data, user=current_user, note=form.note.data,
                              expected_version=form.version.data or None, correction=True)
    except lifecycle.LifecycleError as error:
        return _refused(order_id, error, 409, correction_form=form)
    db.session.commit()
    flash(_("Status corrected to “%(status)s”.", status=order.status_label), "success")
    return redirect(url_for("admin.order", order_id=order.id))


@bp.route("/orders/<int:order_id>/undo-receipt", methods=["POST"])
@staff_required
def undo_receipt(order_id):
    """Take back a customer's mistaken "I have received the order"."""
    order = db.get_or_404(Order, order_id)
    try:
        lifecycle.undo_customer_receipt(order, actor_user=current_user, note=request.form.get("note"),
                                        expected_version=request.form.get("version") or None)
    except lifecycle.LifecycleError as error:
        return _refused(order_id, error, 409)
    db.session.commit()
    flash(_("The customer's confirmation is undone: the order is “%(status)s” again.", status=order.status_label),
          "success")
    return redirect(url_for("admin.order", order_id=order.id))


@bp.route("/orders/<int:order_id>/edit", methods=["POST"])
@staff_required
def edit_order(order_id):
    order = db.get_or_404(Order, order_id)
    form = _order_form(order, from_request=True)
    if not form.validate_on_submit():
        flash(_("Check the highlighted fields."), "error")
        return _order_page(order, edit_form=form, code=422)
    try:
        changed = update_order(
            order, customer=form.customer(), items=form.filled_items(), note=form.internal_note.data, actor_user=current_user,
            cod_amount=form.cod_amount.data, delivery=form.delivery(), expected_version=form.version.data or None)
    except lifecycle.StaleOrder as error:
        return _refused(order_id, error, 409, edit_form=form)
    except OrderInputError as error:
        db.session.rollback()
        _place_error(form, error)
        return _order_page(db.get_or_404(Order, order_id), edit_form=form, code=422)
    db.session.commit()
    flash(_("Order saved.") if changed else _("Nothing to save: no field was changed."), "success")
    return redirect(url_for("admin.order", order_id=order.id))


@bp.route("/orders/<int:order_id>/shipments", methods=["POST"])
@staff_required
def add_order_shipment(order_id):
    order = db.get_or_404(Order, order_id)
    form = ShipmentForm()
    if not form.validate_on_submit():
        flash(_("Enter the tracking number."), "error")
        return _order_page(order, shipment_form=form, code=422)
    try:
        shipment = add_shipment(order, form.carrier.data or None, form.tracking_number.data,
                                expected_version=form.version.data or None, actor_user=current_user)
    except (OrderInputError, lifecycle.StaleOrder) as error:
        if isinstance(error, OrderInputError) and error.field in ("carrier", "tracking_number"):
            form[error.field].errors = list(form[error.field].errors) + [str(error)]
        return _refused(order_id, error, 409 if isinstance(error, lifecycle.StaleOrder) else 422, shipment_form=form)
    db.session.commit()
    flash(_("Shipment %(number)s added (%(carrier)s).", number=shipment.tracking_number,
            carrier=carrier_label(shipment.carrier)), "success")
    return redirect(url_for("admin.order", order_id=order.id))


@bp.route("/orders/<int:order_id>/shipments/<int:shipment_id>/delete", methods=["POST"])
@staff_required
def delete_order_shipment(order_id, shipment_id):
    order = db.get_or_404(Order, order_id)
    try:
        remove_shipment(order, shipment_id, expected_version=request.form.get("version") or None,
                        actor_user=current_user)
    except (OrderInputError, lifecycle.StaleOrder) as error:
        return _refused(order_id, error, 409)
    db.session.commit()
    flash(_("Shipment removed."), "success")
    return redirect(url_for("admin.order", order_id=order_id))


from app.admin import admin_views, cod_views  # noqa: E402,F401  (register the admin-only and COD pages on bp)
