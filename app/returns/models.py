"""Item outcomes, return and exchange requests (``ReturnCase``) and the items they name.

A return parcel is an ordinary ``Shipment`` with ``is_return`` set: the carrier sync polls it
like any parcel, but it never moves its order's status (``Order.shipments`` leaves it out; it is
``Order.return_parcels``).
"""
from sqlalchemy import CheckConstraint

from app.clock import utcnow
from app.extensions import db

KEPT, REFUSED, RETURNED, EXCHANGED = "kept", "refused", "returned", "exchanged"
OUTCOMES = (KEPT, REFUSED, RETURNED, EXCHANGED)

RETURN, EXCHANGE = "return", "exchange"
KINDS = (RETURN, EXCHANGE)

#: A request's way: asked → approved (or refused) → the parcel back at the shop → closed (refunded
#: or the replacement sent)
REQUESTED, APPROVED, REFUSED_STATE, RECEIVED = "requested", "approved", "refused", "received"


class ItemOutcome(db.Model):
    """What became of one order item: kept, refused at the pickup point, returned later, exchanged."""

    __tablename__ = "item_outcomes"
    __table_args__ = (CheckConstraint("outcome IN ('kept','refused','returned','exchanged')", name="outcome_known"),
                      CheckConstraint("quantity > 0", name="quantity_positive"))
    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True)
    order_item_id = db.Column(db.Integer, db.ForeignKey("order_items.id", ondelete="CASCADE"), nullable=False,
                              unique=True)
    outcome = db.Column(db.String(12), nullable=False)
    quantity = db.Column(db.Integer, nullable=False, default=1)
    #: carrier, staff or customer (through an approved request)
    source = db.Column(db.String(10), nullable=False)
    #: why, as a reason code (``services.REASONS``) where one is known
    reason = db.Column(db.String(32))
    case_id = db.Column(db.Integer, db.ForeignKey("return_cases.id", ondelete="SET NULL"))
    recorded_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    item = db.relationship("OrderItem", backref=db.backref("outcome", uselist=False, passive_deletes=True))


class ReturnCase(db.Model):
    """A return or an exchange of some of an order's items, asked by the customer or opened by staff
    (or by the carrier's refusal), with its decision, its parcel back and its refund."""

    __tablename__ = "return_cases"
    __table_args__ = (CheckConstraint("kind IN ('return','exchange')", name="kind_known"),
                      CheckConstraint("state IN ('requested','approved','refused','received')", name="state_known"))
    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True)
    kind = db.Column(db.String(10), nullable=False)
    state = db.Column(db.String(10), nullable=False, default=REQUESTED)
    reason = db.Column(db.String(32), nullable=False)
    comment = db.Column(db.Text, info={"personal": True})
    #: customer, staff or carrier
    opened_by = db.Column(db.String(10), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    decided_at = db.Column(db.DateTime)
    decided_by_user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="SET NULL"))
    staff_message = db.Column(db.Text, info={"personal": True})
    received_at = db.Column(db.DateTime)
    return_shipment_id = db.Column(db.Integer, db.ForeignKey("shipments.id", ondelete="SET NULL"))
    replacement_order_id = db.Column(db.Integer, db.ForeignKey("orders.id", ondelete="SET NULL"), index=True)
    refund_amount = db.Column(db.Numeric(12, 2))
    refund_method = db.Column(db.String(20))
    refund_date = db.Column(db.Date)

    order = db.relationship("Order", foreign_keys=[order_id],
                            backref=db.backref("return_cases", order_by="ReturnCase.id", passive_deletes=True))
    replacement = db.relationship("Order", foreign_keys=[replacement_order_id])
    return_shipment = db.relationship("Shipment", foreign_keys=[return_shipment_id])
    items = db.relationship("ReturnCaseItem", back_populates="case", cascade="all, delete-orphan",
                            order_by="ReturnCaseItem.id")


class ReturnCaseItem(db.Model):
    __tablename__ = "return_case_items"
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("return_cases.id", ondelete="CASCADE"), nullable=False, index=True)
    order_item_id = db.Column(db.Integer, db.ForeignKey("order_items.id", ondelete="CASCADE"), nullable=False,
                              index=True)
    wanted_size = db.Column(db.String(64))
    wanted_color = db.Column(db.String(64))

    case = db.relationship("ReturnCase", back_populates="items")
    item = db.relationship("OrderItem")
