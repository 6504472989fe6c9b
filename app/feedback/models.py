"""One delivered order's question and its answer."""
from app.extensions import db


class CustomerFeedback(db.Model):
    __tablename__ = "customer_feedback"
    __table_args__ = (db.Index("ix_customer_feedback_answered", "answered_at", "rating"),)
    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, unique=True)
    #: The channel the question went out on (None: only in the customer's account)
    channel = db.Column(db.String(16))
    asked_at = db.Column(db.DateTime, nullable=False)
    #: 1 (bad) to 5 (very good); None until answered
    rating = db.Column(db.Integer)
    comment = db.Column(db.Text, info={"personal": True})
    answered_at = db.Column(db.DateTime)

    order = db.relationship("Order")
