"""The REST resources: shipments, orders (with or without shipments) and their status. Thin: parse, call
a service, serialise."""

from flask import jsonify, request, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app.api import schemas as s
from app.api import services
from app.api.core import ApiError, resource, touch_client
from app.carriers import carrier_name, tracking_url
from app.carriers.eta import expected_delivery
from app.extensions import db
from app.orders import lifecycle, statuses
from app.orders.services import DuplicateTrackingNumber, OrderInputError, update_shipment

READ, WRITE = "read:shipments", "write:shipments"


# ---- serialisation ---------------------------------------------------------------------------

def _expected(order):
    eta = expected_delivery(order)
    return s.ExpectedDeliveryOut(earliest=eta.earliest, latest=eta.latest, source=eta.source) if eta else None


def shipment_out(shipment):
    order = shipment.order
    return s.ShipmentOut(
        id=shipment.id, order_id=order.id, order_number=order.number, carrier=shipment.carrier,
        carrier_name=carrier_name(shipment.carrier), tracking_number=shipment.tracking_number,
        tracking_url=tracking_url(shipment.carrier, shipment.tracking_number), status=order.status,
        status_label=str(order.status_label), is_sandbox=order.is_sandbox, created_at=shipment.created_at,
        updated_at=max(order.updated_at, shipment.created_at))


def _refs(order):
    return [s.ShipmentRef(id=x.id, carrier=x.carrier, tracking_number=x.tracking_number) for x in order.shipments]


def order_list_item(order):
    customer = order.customer
    return s.OrderListItem(
        id=order.id, number=order.number, status=order.status, status_label=str(order.status_label),
        status_changed_at=order.status_changed_at, is_sandbox=order.is_sandbox, currency=order.currency,
        total=f"{order.total:.2f}",
        customer=s.CustomerOut(name=customer.name, email=customer.email, phone=customer.phone),
        items=[s.ItemOut(name=i.name, sku=i.sku, size=i.size, color=i.color, image_url=i.image_url, quantity=i.quantity,
                         price=f"{i.price:.2f}") for i in order.items],
        delivery=s.DeliveryOut(carrier=order.delivery_carrier, country=order.delivery_country,
                               city=order.delivery_city, region=order.delivery_region,
                               pickup_point=order.delivery_pickup_point, address=order.delivery_address,
                               postcode=order.delivery_postcode),
        shipments=_refs(order), created_at=order.created_at, updated_at=order.updated_at)


def order_summary(order):
    return s.OrderSummary(**order_list_item(order).model_dump(), expected_delivery=_expected(order))


def _allowed_next(order):
    return [x for x in statuses.allowed_next(order.status) if x in statuses.SOURCE_TARGETS["api"]]


def _history(order):
    return [s.HistoryEntry(status=e.status, status_label=str(e.status_label), previous_status=e.previous_status,
                           at=e.created_at, source=e.source, actor=e.actor, note=e.note) for e in order.history]


def order_out(order):
    return s.OrderOut(**order_summary(order).model_dump(), at_pickup_point=order.at_pickup_point,
                      problem=order.problem, allowed_next=_allowed_next(order), history=_history(order))


def status_out(shipment):
    order = shipment.order
    return s.StatusOut(
        shipment_id=shipment.id, order_id=order.id, status=order.status, status_label=str(order.status_label),
        changed_at=order.status_changed_at, at_pickup_point=order.at_pickup_point, problem=order.problem,
        allowed_next=_allowed_next(order), expected_delivery=_expected(order), history=_history(order))


def answer(model, status=200, headers=None):
    response = jsonify(model.model_dump(mode="json"))
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _page(items, rows, more):
    """The ``items`` of a page of ``rows``, with the cursor to the next page (None on the last)."""
    return {"items": items, "next_cursor": str(rows[-1].id) if more else None}


def _shipment_or_404(client, shipment_id):
    shipment = services.client_shipment(client, shipment_id)
    if shipment is None:
        raise ApiError(404, _("Shipment not found."), _("There is no shipment %(id)s for this client.", id=shipment_id))
    return shipment


def _order_or_404(client, number):
    order = services.client_order(client, number)
    if order is None:
        raise ApiError(404, _("Order not found."),
                       _("There is no order %(number)s for this client.", number=number[:40]))
    return order


def _change_status(client, order, data):
    """The API's one way to move an order (a shipment's or its own endpoint): the lifecycle, its refusals
    as problems; the caller commits."""
    try:
        lifecycle.change_status(order, data.status, source="api", actor=client.name, note=data.note)
    except lifecycle.IllegalTransition as error:
        raise ApiError(409, _("This status change is not allowed."), str(error), code="illegal_transition",
                       current_status=error.current, allowed=list(error.allowed))
    except lifecycle.ReasonRequired as error:
        raise ApiError(422, _("The request has invalid fields."), str(error),
                       errors=[{"field": "note", "detail": str(error)}])
    except lifecycle.LifecycleError as error:
        raise ApiError(409, _("This status change is not allowed."), str(error), code="illegal_transition")
    touch_client(client)


def _input_error(error):
    if isinstance(error, DuplicateTrackingNumber):
        return ApiError(409, _("The tracking number is already in use."), str(error), code="tracking_number_taken",
                        errors=[{"field": error.field, "detail": str(error)}])
    return ApiError(422, _("The request has invalid fields."), str(error),
                    errors=[{"field": error.field, "detail": str(error)}])


# ---- resources -------------------------------------------------------------------------------

@resource("/shipments", "GET", scope=READ, query=s.ShipmentQuery, response=s.ShipmentPage,
          summary="List shipments", errors=(400,),
          description="Newest first by id. Filters combine; follow next_cursor until it is null.")
def list_shipments(client, query):
    rows, more = services.client_shipments(client, status=query.status, carrier=query.carrier,
                                           updated_since=query.updated_since, order_number=query.order_number,
                                           tracking_number=query.tracking_number, cursor=query.cursor,
                                           limit=query.limit)
    return answer(s.ShipmentPage(**_page([shipment_out(x) for x in rows], rows, more)))


@resource("/shipments/<int:shipment_id>", "GET", scope=READ, response=s.ShipmentDetailOut, errors=(404,),
          summary="One shipment with its order summary")
def get_shipment(client, shipment_id):
    shipment = _shipment_or_404(client, shipment_id)
    return answer(s.ShipmentDetailOut(**shipment_out(shipment).model_dump(), order=order_summary(shipment.order)))


@resource("/shipments/<int:shipment_id>", "PATCH", scope=WRITE, body=s.ShipmentPatchIn,
          response=s.ShipmentOut, errors=(400, 404, 409, 415, 422),
          summary="Set or change the carrier and tracking number",
          description="Omitted fields stay as they are. A tracking number already used by another shipment "
                      "of the same carrier is 409.")
def patch_shipment(client, shipment_id, data):
    shipment = _shipment_or_404(client, shipment_id)
    try:
        update_shipment(shipment, carrier=data.carrier, tracking_number=data.tracking_number)
    except OrderInputError as error:
        raise _input_error(error)
    touch_client(client)
    db.session.commit()
    return answer(shipment_out(shipment))


@resource("/shipments/<int:shipment_id>/status", "GET", scope=READ, response=s.StatusOut, errors=(404,),
          summary="Current status and full history")
def get_status(client, shipment_id):
    return answer(status_out(_shipment_or_404(client, shipment_id)))


@resource("/shipments/<int:shipment_id>/status", "POST", scope=WRITE, body=s.StatusChangeIn,
          response=s.StatusOut, errors=(400, 404, 409, 415, 422),
          summary="Change the order's status",
          description="Through the order lifecycle. An illegal move is 409 with the current status and "
                      "the allowed next ones; returned and cancelled need a note (the reason).")
def post_status(client, shipment_id, data):
    shipment = _shipment_or_404(client, shipment_id)
    _change_status(client, shipment.order, data)
    db.session.commit()
    return answer(status_out(shipment))


@resource("/orders", "GET", scope=READ, query=s.OrderQuery, response=s.OrderPage, errors=(400,), tag="orders",
          summary="List orders, with or without shipments",
          description="Newest first by id; an order created before it has a waybill is here too. Filters "
                      "combine; follow next_cursor until it is null.")
def list_orders(client, query):
    rows, more = services.client_orders(client, status=query.status, updated_since=query.updated_since,
                                        order_number=query.order_number, cursor=query.cursor, limit=query.limit)
    return answer(s.OrderPage(**_page([order_list_item(x) for x in rows], rows, more)))


@resource("/orders/<number>", "GET", scope=READ, response=s.OrderOut, errors=(404,), tag="orders",
          summary="One order with its status, history and shipments",
          description="By the order's number (as POST /api/orders answered it, or as people type it: ps-100001). "
                      "An order this client may not see is 404, as one that does not exist.")
def get_order(client, number):
    return answer(order_out(_order_or_404(client, number)))


@resource("/orders/<number>/status", "POST", scope=WRITE, body=s.StatusChangeIn, response=s.OrderOut,
          errors=(400, 404, 409, 415, 422), tag="orders",
          summary="Change the order's status (with or without shipments)",
          description="As POST /api/shipments/{shipment_id}/status, for an order by its number: through the order "
                      "lifecycle; an illegal move is 409 with the current status and the allowed next ones; "
                      "returned and cancelled need a note (the reason).")
def post_order_status(client, number, data):
    order = _order_or_404(client, number)
    _change_status(client, order, data)
    db.session.commit()
    return answer(order_out(order))


@resource("/orders", "POST", scope=WRITE, body=s.OrderIn, response=s.OrderCreated, status=201,
          errors=(400, 409, 415, 422), tag="orders",
          summary="Create an order with its items, customer and shipment",
          description="Answers 201 with the order's id, number, status and shipments. Orders made by a "
                      "sandbox client are sandbox orders. An Idempotency-Key header (a UUID, say) makes a "
                      "retry safe: the same key with the same body within 24 hours answers 200 with the order "
                      "it made; with another body, 422.")
def post_order(client, data):
    key, body = (request.headers.get("Idempotency-Key") or "").strip(), request.get_data()
    if len(key) > 100:
        raise ApiError(400, _("The Idempotency-Key is too long."), _("Send at most 100 characters, e.g. a UUID."),
                       code="invalid_header")
    made = _order_for_key(client, key, body) if key else None
    if made is not None:
        return _created(made, 200)  # the same request again: the order it made, not a second one
    try:
        order = services.create_order(client, data)
    except OrderInputError as error:
        raise _input_error(error)
    touch_client(client)
    if key:
        services.remember_key(client, key, body, order)
    try:
        db.session.commit()
    except IntegrityError:  # the same key at the same moment: the other request made the order
        db.session.rollback()
        return _created(_order_for_key(client, key, body), 200)
    return _created(order, 201)


def _order_for_key(client, key, body):
    try:
        return services.order_for_key(client, key, body)
    except services.KeyReused:
        raise ApiError(422, _("This Idempotency-Key was used with another request."),
                       _("Use a new key for each new order; send the same key only with the same body."),
                       code="idempotency_conflict") from None


def _created(order, status):
    result = s.OrderCreated(id=order.id, number=order.number, status=order.status,
                            status_label=str(order.status_label), is_sandbox=order.is_sandbox, shipments=_refs(order))
    # the first parcel, as before there were order resources; an order without one: the order itself
    location = url_for("api.get_shipment", shipment_id=order.shipments[0].id) if order.shipments \
        else url_for("api.get_order", number=order.number)
    return answer(result, status, {"Location": location})
