"""Customers, orders, their items, shipments, status history and carrier events."""
import re
from decimal import Decimal

from sqlalchemy import CheckConstraint, Index, UniqueConstraint, func, text
from sqlalchemy.orm import validates

from app.carriers import mapping
from app.clock import utcnow
from app.extensions import db
from app.orders import statuses
from app.text import one_line


class Customer(db.Model):
    """A shop's customer. May have a log-in (``user``) or only appear on orders as a guest."""

    __tablename__ = "customers"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(200), nullable=False, index=True, info={"personal": True})
    email = db.Column(db.String(254), index=True, info={"personal": True})
    phone = db.Column(db.String(32), index=True, info={"personal": True})
    language = db.Column(db.String(5), nullable=False, default="uk")
    user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="SET NULL"), unique=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    #: Made for a sandbox API client's order: matched only by sandbox orders, never given a log-in.
    is_sandbox = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    #: Set when retention or an erasure removed this customer's personal data.
    anonymised_at = db.Column(db.DateTime)

    user = db.relationship("User", back_populates="customer")
    orders = db.relationship("Order", back_populates="customer", lazy="dynamic")

    @validates("name", "phone")
    def _one_line(self, _key, value):
        # from every way in (API, platform webhooks, staff forms, CSV import): a name is one line
        return one_line(value)

    @classmethod
    def phone_matches(cls, query):
        """The condition "this customer's phone is the number ``query``", or None when ``query`` does not
        read as one (5+ digits, nothing beside them but a phone's spaces, brackets, dashes, dots and +).
        Phones are kept as typed, so both sides are compared by their digits, and a full number by its
        last nine ("+38 (067) 123-45-67", "067 123 45 67" and "380671234567" are one number)."""
        if re.search(r"[^\d\s()+.\-]", query or ""):
            return None
        digits = re.sub(r"\D", "", query)
        if len(digits) < 5:
            return None
        stored = cls.phone
        for sign in " ()+.-":
            stored = func.replace(stored, sign, "")
        return stored.like(f"%{digits[-9:]}%")

    def __repr__(self):
        return f"<Customer {self.id} {self.email}>"


class Order(db.Model):
    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint(
            "status IN ('new','awaiting_shipment','shipped','in_transit','delivered','returned','cancelled')",
            name="status_known",
        ),
        Index("ix_orders_status_created", "status", "created_at"),
        Index("ix_orders_status_changed", "status", "status_changed_at"),
        Index("ix_orders_delivery_carrier", "delivery_carrier"),
        # the few sandbox orders, for ``SANDBOX_ORDER_IDS`` (a query's condition must read ``is_sandbox`` alone)
        Index("ix_orders_sandbox", "id", sqlite_where=text("is_sandbox"), postgresql_where=text("is_sandbox")),
    )

    id = db.Column(db.Integer, primary_key=True)
    number = db.Column(db.String(32), nullable=False, unique=True)
    customer_id = db.Column(db.Integer, db.ForeignKey("customers.id"), nullable=False, index=True)
    status = db.Column(db.String(20), nullable=False, default=statuses.NEW)
    status_changed_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    #: Bumped on every visible change; the polled tracking partial's ETag is built from it.
    version = db.Column(db.Integer, nullable=False, default=1)
    currency = db.Column(db.String(3), nullable=False, default="UAH")
    #: Cash on delivery (накладений платіж): what the customer pays the carrier at pickup; None: paid ahead
    cod_amount = db.Column(db.Numeric(12, 2))
    # Carrier-reported flags shown on the progress bar while in transit
    at_pickup_point = db.Column(db.Boolean, nullable=False, default=False)
    problem = db.Column(db.Boolean, nullable=False, default=False)
    problem_note = db.Column(db.String(500), info={"personal": True})
    # Delivery details
    delivery_carrier = db.Column(db.String(20))
    delivery_country = db.Column(db.String(2), nullable=False, default="UA")
    delivery_city = db.Column(db.String(120))
    delivery_region = db.Column(db.String(120), index=True)
    delivery_pickup_point = db.Column(db.String(255), info={"personal": True})
    delivery_address = db.Column(db.String(255), info={"personal": True})
    delivery_postcode = db.Column(db.String(16), info={"personal": True})
    note = db.Column(db.Text, info={"personal": True})
    #: Part of every signed tracking link; a new value revokes the order's links.
    link_nonce = db.Column(db.String(16))
    #: The delivery date the customer was first shown (``carriers.eta.remember_promise``): on-time rate
    promised_date = db.Column(db.Date)
    #: Made by a sandbox API client; only sandbox clients see it.
    is_sandbox = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    #: Set when retention or an erasure removed the personal data (numbers, items, totals stay).
    anonymised_at = db.Column(db.DateTime)

    customer = db.relationship("Customer", back_populates="orders")
    items = db.relationship("OrderItem", back_populates="order", cascade="all, delete-orphan",
                            order_by="OrderItem.id")
    #: The parcels on their way to the customer (a parcel coming back is in ``return_parcels``)
    shipments = db.relationship("Shipment", back_populates="order", cascade="all, delete-orphan",
                                primaryjoin="and_(Order.id == Shipment.order_id, Shipment.is_return.is_(False))",
                                order_by="Shipment.id")
    #: Parcels on their way back to the shop (issue 21): tracked like any parcel, never moving the order
    return_parcels = db.relationship("Shipment", viewonly=True, order_by="Shipment.id",
                                     primaryjoin="and_(Order.id == Shipment.order_id, Shipment.is_return.is_(True))")
    history = db.relationship("StatusEvent", back_populates="order", cascade="all, delete-orphan",
                              order_by="StatusEvent.id")

    @property
    def status_label(self):
        return statuses.label(self.status)

    @property
    def total(self):
        return sum((item.line_total for item in self.items), Decimal("0.00"))

    @property
    def is_terminal(self):
        return self.status in statuses.TERMINAL

    def __repr__(self):
        return f"<Order {self.number} {self.status}>"


# The shop's own figures count real orders only: every total, export and analytics figure leaves out a
# sandbox API client's test orders (``Order.is_sandbox``), which staff still see, marked, in the orders list.
# One rule in three spellings, for the three kinds of query that need it:

#: For a query over ``Order``: ``select(...).where(REAL_ORDER)``
REAL_ORDER = Order.is_sandbox.is_(False)
#: The ids of the sandbox orders, as SQL: few, read off ``ix_orders_sandbox``
SANDBOX_ORDER_IDS = "SELECT id FROM orders WHERE is_sandbox"


def real_order_sql(order_id="id"):
    """SQL true when the column ``order_id`` (``orders.id`` or a table's ``order_id``) names a real order."""
    return f"{order_id} NOT IN ({SANDBOX_ORDER_IDS})"


def real_order_id(column):
    """For a query over another table: true when ``column`` (its ``order_id``) names a real order."""
    return column.not_in(db.select(Order.id).where(text("is_sandbox")))


class OrderItem(db.Model):
    __tablename__ = "order_items"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),
                      CheckConstraint("price >= 0", name="price_not_negative"))
    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True)
    name = db.Column(db.String(200), nullable=False)
    sku = db.Column(db.String(64))
    size = db.Column(db.String(64))
    color = db.Column(db.String(64))
    quantity = db.Column(db.Integer, nullable=False, default=1)
    price = db.Column(db.Numeric(12, 2), nullable=False)
    #: The item's picture on the shop's site (http/https), shown on the customer's order page
    image_url = db.Column(db.String(500))

    order = db.relationship("Order", back_populates="items")

    @property
    def line_total(self):
        return (self.price or Decimal("0")) * self.quantity


class Shipment(db.Model):
    """One parcel of an order with a carrier's tracking number (TTN)."""

    __tablename__ = "shipments"
    __table_args__ = (UniqueConstraint("carrier", "tracking_number", name="uq_shipments_carrier_tracking"),
                      Index("ix_shipments_active_next_sync", "active", "next_sync_at"))
    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True)
    carrier = db.Column(db.String(20), nullable=False)
    #: A parcel number leads to the recipient on the carrier's site; retention replaces it.
    tracking_number = db.Column(db.String(64), nullable=False, index=True,
                                info={"personal": True, "anonymise": lambda row: f"anon-{row.id}"})
    last_raw_status = db.Column(db.String(64))
    last_raw_text = db.Column(db.String(500))
    raw_payload = db.Column(db.Text, info={"personal": True})
    scheduled_delivery_date = db.Column(db.Date)
    #: The last day the parcel waits at the pickup point free of charge (from the carrier), or None
    storage_until = db.Column(db.Date)
    #: The parcel's own progress (a shop status, from its carrier's events); None until it has
    #: any. An order of several parcels moves as they do (``statuses.order_status_from_parcels``).
    status = db.Column(db.String(20))
    #: Cash on delivery: None, "on_its_way" (the customer paid, the carrier is sending the money)
    #: or "paid_out" (the shop has it); a COD parcel is tracked until paid out or back
    cod_state = db.Column(db.String(12))
    #: When and why the recipient refused the parcel or its storage ended (the carrier's words)
    refused_at = db.Column(db.DateTime, index=True)
    refusal_reason = db.Column(db.String(500))
    last_synced_at = db.Column(db.DateTime)
    next_sync_at = db.Column(db.DateTime)
    #: Polled by the carrier sync while true; cleared when the parcel reaches its own end (or staff
    #: end the order by hand).
    active = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    #: A parcel on its way back to the shop (a return or an exchange), and the parcel it sends back
    is_return = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    return_of_id = db.Column(db.Integer, db.ForeignKey("shipments.id", ondelete="SET NULL"), index=True)

    order = db.relationship("Order", back_populates="shipments")
    events = db.relationship("CarrierEvent", back_populates="shipment", cascade="all, delete-orphan",
                             order_by="CarrierEvent.occurred_at")

    @property
    def status_label(self):
        return statuses.label(self.status) if self.status else ""

    @property
    def carrier_words(self):
        """What the carrier last said about the parcel, in the reader's language where it sends only a code."""
        if not (self.last_raw_status or self.last_raw_text):
            return ""
        return mapping.event_text(self.carrier, self.last_raw_status, self.last_raw_text)


class StatusEvent(db.Model):
    """The append-only status history of an order. Rows are never updated or deleted."""

    __tablename__ = "status_events"
    __table_args__ = (Index("ix_status_events_order_created", "order_id", "created_at"),
                      Index("ix_status_events_status_created", "status", "created_at"),
                      # the changes carrier events caused, by time (analytics: status latency)
                      Index("ix_status_events_carrier_created", "created_at", "carrier_event_id",
                            sqlite_where=text("carrier_event_id IS NOT NULL"),
                            postgresql_where=text("carrier_event_id IS NOT NULL")))
    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id", ondelete="CASCADE"), nullable=False)
    status = db.Column(db.String(20), nullable=False)
    previous_status = db.Column(db.String(20))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    source = db.Column(db.String(10), nullable=False)
    actor = db.Column(db.String(120), info={"personal": True})
    actor_user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="SET NULL"))
    note = db.Column(db.Text, info={"personal": True})
    is_correction = db.Column(db.Boolean, nullable=False, default=False)
    #: For a return or cancellation chosen from a list (``app.admin.reasons``): the reason's code.
    reason_code = db.Column(db.String(32))
    carrier = db.Column(db.String(20))
    carrier_raw_code = db.Column(db.String(64))
    carrier_raw_text = db.Column(db.String(500))
    carrier_event_id = db.Column(db.Integer, db.ForeignKey("carrier_events.id", ondelete="SET NULL"))

    order = db.relationship("Order", back_populates="history")

    @property
    def status_label(self):
        return statuses.label(self.status)

    @property
    def source_label(self):
        return statuses.SOURCE_LABELS.get(self.source, self.source)


class CarrierEvent(db.Model):
    """A carrier's own event for a shipment, kept as reported (mapped or not)."""

    __tablename__ = "carrier_events"
    __table_args__ = (UniqueConstraint("shipment_id", "raw_code", "occurred_at", name="uq_carrier_events_dedupe"),)
    id = db.Column(db.Integer, primary_key=True)
    shipment_id = db.Column(db.Integer, db.ForeignKey("shipments.id", ondelete="CASCADE"), nullable=False, index=True)
    occurred_at = db.Column(db.DateTime, nullable=False)
    raw_code = db.Column(db.String(64), nullable=False)
    raw_text = db.Column(db.String(500))
    location = db.Column(db.String(255), info={"personal": True})
    #: The shop status this code maps to, or None when it moves nothing (or is unmapped).
    mapped_status = db.Column(db.String(20))
    at_pickup_point = db.Column(db.Boolean, nullable=False, default=False)
    problem = db.Column(db.Boolean, nullable=False, default=False)
    unmapped = db.Column(db.Boolean, nullable=False, default=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    shipment = db.relationship("Shipment", back_populates="events")
