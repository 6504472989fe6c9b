"""Delivery exceptions: a parcel the shop should look at before the customer asks."""
from app.clock import utcnow
from app.extensions import db


class DeliveryException(db.Model):
    """One rule found true for one order, from when a scan first found it until it no longer holds.

    ``cleared_at`` is set by the scan that finds the rule no longer true (the parcel moved);
    ``dismissed_at`` by staff who have dealt with it (the row stays open so that the next scan
    does not raise it again while the condition lasts).
    """

    __tablename__ = "delivery_exceptions"
    __table_args__ = (db.Index("ix_delivery_exceptions_open", "cleared_at", "dismissed_at", "rule"),)
    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True)
    rule = db.Column(db.String(20), nullable=False)
    found_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    cleared_at = db.Column(db.DateTime)
    dismissed_at = db.Column(db.DateTime)
    #: When staff sent the customer the rule's message (once per exception).
    notified_at = db.Column(db.DateTime)
    handled_by_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="SET NULL"))

    order = db.relationship("Order")
