"""Request and response shapes of the API, declared once.

The views validate requests with these models and serialise answers through them, and the
OpenAPI document (``app.api.openapi``) is generated from the same classes, so the document
cannot drift from what the code does.
"""
from datetime import date, datetime, timezone
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, StringConstraints

from app.carriers import CARRIER_CODES
from app.errors import PROBLEM_CODES
from app.orders import statuses

# Text a person typed: not blank, no NUL (PostgreSQL cannot store it), bounded like its column.
_TEXT = r"^[^\x00]*[^\x00\s][^\x00]*$"
_OPTIONAL_TEXT = r"^[^\x00]*$"


def Text(max_length):  # noqa: N802 (reads like a type)
    return Annotated[str, StringConstraints(min_length=1, max_length=max_length, pattern=_TEXT)]


def OptionalText(max_length):  # noqa: N802
    return Annotated[str, StringConstraints(max_length=max_length, pattern=_OPTIONAL_TEXT)] | None


CarrierCode = Literal[CARRIER_CODES]
ProblemCode = Literal[tuple(PROBLEM_CODES)]
StatusCode = Literal[statuses.ALL]
TrackingNumber = Annotated[str, StringConstraints(min_length=3, max_length=64,
                                                  pattern=r"^\s*[A-Za-z0-9][A-Za-z0-9 -]{1,60}[A-Za-z0-9]\s*$")]
PriceString = Annotated[str, StringConstraints(pattern=r"^\d{1,10}(\.\d{1,2})?$")]
PriceNumber = Annotated[float, Field(strict=True, ge=0, lt=10_000_000_000)]


def _utc_iso(value):
    """Times are stored as naive UTC; the API always says so (RFC 3339 with Z)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


UtcDateTime = Annotated[datetime, PlainSerializer(_utc_iso, return_type=str)]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Response(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---- requests --------------------------------------------------------------------------------

class CustomerIn(Request):
    name: Text(200)
    email: OptionalText(254) = Field(None, description="An address an e-mail could be sent to; anything else is "
                                                       "refused (422).")
    phone: OptionalText(32) = Field(None, description="Read in the delivery country unless it starts with +code; "
                                                     "a number no SMS could reach is refused (422).")
    language: Literal["uk", "en", "pl", "ru"] | None = None


class ItemIn(Request):
    name: Text(200)
    sku: OptionalText(64) = None
    size: OptionalText(64) = None
    color: OptionalText(64) = None
    image_url: Annotated[str, StringConstraints(max_length=500, pattern=r"^https?://[^\s\"'<>]{3,490}$")] | None = Field(
        None, description="The item's picture (http or https), shown on the customer's order page.")
    quantity: Annotated[int, Field(ge=1, le=10000)] = 1
    price: PriceString | PriceNumber = Field(description="Unit price, e.g. \"1450.00\".")


class DeliveryIn(Request):
    carrier: CarrierCode | None = None
    country: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$")] | None = None
    city: OptionalText(120) = None
    region: OptionalText(120) = None
    pickup_point: OptionalText(255) = None
    address: OptionalText(255) = None
    postcode: OptionalText(16) = None


class ShipmentIn(Request):
    carrier: CarrierCode | None = Field(None, description="Suggested from the number's format when omitted.")
    tracking_number: TrackingNumber


class OrderIn(Request):
    customer: CustomerIn
    items: Annotated[list[ItemIn], Field(min_length=1, max_length=100)]
    delivery: DeliveryIn | None = None
    shipment: ShipmentIn | None = None
    shipments: Annotated[list[ShipmentIn], Field(max_length=10)] | None = None
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] = "UAH"
    note: OptionalText(2000) = None
    cod_amount: PriceString | PriceNumber | None = Field(
        None, description="Cash on delivery: what the customer pays the carrier at pickup, e.g. \"1450.00\"; "
                          "omit for an order paid in advance.")


class StatusChangeIn(Request):
    status: StatusCode
    note: OptionalText(2000) = None


class ShipmentPatchIn(Request):
    carrier: CarrierCode | None = None
    tracking_number: TrackingNumber | None = None


class PageQuery(BaseModel):
    """The pages of every list: newest first by id, ``limit`` at a time, each after the ``cursor`` the
    previous one gave (strings from the URL, converted). A parameter a list does not declare is 400."""

    model_config = ConfigDict(extra="ignore")
    limit: Annotated[int, Field(ge=1, le=100)] = Field(50, description="Page size.")
    cursor: Annotated[str, StringConstraints(max_length=64, pattern=r"^[0-9]+$")] | None = Field(
        None, description="The next_cursor of the previous page.")


OrderNumberFilter = Annotated[str, StringConstraints(max_length=40)]
_UPDATED_SINCE = "Only orders changed at or after this time (ISO 8601; UTC when no offset)."


class ShipmentQuery(PageQuery):
    """Query string of ``GET /api/shipments``."""

    status: StatusCode | None = Field(None, description="Only shipments of orders in this status.")
    carrier: CarrierCode | None = Field(None, description="Only shipments with this carrier.")
    updated_since: datetime | None = Field(None, description=_UPDATED_SINCE)
    order_number: OrderNumberFilter | None = Field(
        None, description="Only the shipments of this order (the order_number a webhook event carries).")
    tracking_number: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        None, description="Only the shipment with this tracking number.")


class OrderQuery(PageQuery):
    """Query string of ``GET /api/orders``."""

    status: StatusCode | None = Field(None, description="Only orders in this status.")
    updated_since: datetime | None = Field(None, description=_UPDATED_SINCE)
    order_number: OrderNumberFilter | None = Field(
        None, description="Only the order with this number (as a webhook event carries it, or as people type it).")


# ---- responses -------------------------------------------------------------------------------

class ExpectedDeliveryOut(Response):
    earliest: date
    latest: date
    source: Literal["carrier", "estimate"]


class ShipmentRef(Response):
    id: int
    carrier: str
    tracking_number: str


class ShipmentOut(Response):
    id: int
    order_id: int
    order_number: str
    carrier: str
    carrier_name: str
    tracking_number: str
    tracking_url: str | None = Field(description="The carrier's own public tracking page.")
    status: str
    status_label: str
    is_sandbox: bool
    created_at: UtcDateTime
    updated_at: UtcDateTime


class ItemOut(Response):
    name: str
    sku: str | None
    size: str | None
    color: str | None
    image_url: str | None = None
    quantity: int
    price: str


class DeliveryOut(Response):
    carrier: str | None
    country: str | None
    city: str | None
    region: str | None
    pickup_point: str | None
    address: str | None
    postcode: str | None


class CustomerOut(Response):
    name: str
    email: str | None
    phone: str | None


class OrderListItem(Response):
    """An order as a list shows it."""

    id: int
    number: str
    status: str
    status_label: str
    status_changed_at: UtcDateTime
    is_sandbox: bool
    currency: str
    total: str
    customer: CustomerOut
    items: list[ItemOut]
    delivery: DeliveryOut
    shipments: list[ShipmentRef] = Field(description="Its parcels to the customer; empty until it has a waybill.")
    created_at: UtcDateTime
    updated_at: UtcDateTime


class OrderSummary(OrderListItem):
    expected_delivery: ExpectedDeliveryOut | None


class ShipmentDetailOut(ShipmentOut):
    order: OrderSummary


class Page(Response):
    next_cursor: str | None = Field(description="Pass as cursor to get the next page; null on the last page.")


class ShipmentPage(Page):
    items: list[ShipmentOut]


class OrderPage(Page):
    items: list[OrderListItem]


class HistoryEntry(Response):
    status: str
    status_label: str
    previous_status: str | None
    at: UtcDateTime
    source: str
    actor: str | None
    note: str | None


class OrderOut(OrderSummary):
    """One order with its status, what it may move to through the API, and its full history."""

    at_pickup_point: bool
    problem: bool
    allowed_next: list[str]
    history: list[HistoryEntry]


class StatusOut(Response):
    shipment_id: int
    order_id: int
    status: str
    status_label: str
    changed_at: UtcDateTime
    at_pickup_point: bool
    problem: bool
    allowed_next: list[str]
    expected_delivery: ExpectedDeliveryOut | None
    history: list[HistoryEntry]


class OrderCreated(Response):
    id: int
    number: str
    status: str
    status_label: str
    is_sandbox: bool
    shipments: list[ShipmentRef]


class FieldError(BaseModel):
    field: str
    detail: str


class Problem(BaseModel):
    """RFC 9457 problem details; extra members depend on the problem."""

    model_config = ConfigDict(extra="allow")
    type: str = "about:blank"
    title: str
    status: int
    code: ProblemCode = Field(description="What went wrong, for machines: stable, never translated (the title and "
                                          "detail follow Accept-Language). " + " ".join(
                                              f"{code} ({status}): {meaning}"
                                              for code, (status, meaning) in PROBLEM_CODES.items()))
    detail: str | None = None
    errors: list[FieldError] | None = None


class WebhookResult(Response):
    result: Literal["created", "updated", "duplicate", "ignored", "flagged"] = Field(
        description="flagged: the store cancelled or refunded an order whose parcel is already with the carrier; "
                    "the order keeps its status and staff see it on the Attention page")
    order_id: int | None = None
    order_number: str | None = None
    detail: str | None = Field(None, description="What was done, for people reading the delivery log")
