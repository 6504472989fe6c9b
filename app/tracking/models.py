"""A customer's request to return an order, shown on the timeline until staff record the return."""
from app.clock import utcnow
from app.extensions import db


class ReturnRequest(db.Model):
    __tablename__ = "return_requests"
    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True)
    reason = db.Column(db.Text, nullable=False, info={"personal": True})
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    requested_by_user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="SET NULL"))

    order = db.relationship("Order", backref=db.backref("return_requests", cascade="all, delete-orphan",
                                                        order_by="ReturnRequest.id", lazy="select"))


class TrackingView(db.Model):
    """How many times an order's tracking page was opened on one (UTC) day (``app.notify.kpis``)."""

    __tablename__ = "tracking_views"
    __table_args__ = (db.Index("ix_tracking_views_day", "day"),)
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True)
    day = db.Column(db.Date, primary_key=True)
    views = db.Column(db.Integer, nullable=False, default=1)


class ProblemReport(db.Model):
    """A customer's "report a problem" from the order page or a signed link: a note staff see on the
    order until they mark it handled."""

    __tablename__ = "problem_reports"
    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True)
    message = db.Column(db.Text, nullable=False, info={"personal": True})
    #: "customer" (logged in) or "link" (a signed tracking link)
    source = db.Column(db.String(10), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    handled_at = db.Column(db.DateTime)

    order = db.relationship("Order", backref=db.backref("problem_reports", cascade="all, delete-orphan",
                                                        order_by="ProblemReport.id", lazy="select"))


class OrderFollower(db.Model):
    """Someone following one order by e-mail or SMS from its public pages, without an account: the
    consent is recorded (when, in which words and language), and the follow ends with one click."""

    __tablename__ = "order_followers"
    __table_args__ = (db.UniqueConstraint("order_id", "channel", "address", name="uq_order_followers_address"),)
    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True)
    channel = db.Column(db.String(10), nullable=False)  # email, sms
    address = db.Column(db.String(254), nullable=False, info={"personal": True})
    language = db.Column(db.String(5), nullable=False, default="uk")
    #: when and to what the person agreed (the statement shown next to the box, in their language)
    consent_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    consent_text = db.Column(db.String(500), nullable=False)
    #: the one-click unsubscribe link's secret
    token = db.Column(db.String(43), nullable=False, unique=True)
    unsubscribed_at = db.Column(db.DateTime)

    order = db.relationship("Order", backref=db.backref("followers", cascade="all, delete-orphan",
                                                        order_by="OrderFollower.id", lazy="select"))

    @property
    def active(self):
        return self.unsubscribed_at is None
