from app.extensions import db
from app.orders.models import utcnow


class PlatformPull(db.Model):
    """How far the order pull of one platform got, and how its last run went."""

    __tablename__ = "platform_pulls"
    platform = db.Column(db.String(16), primary_key=True)
    #: The newest ``updated_at``/``date_upd`` seen, in the platform's own format and time zone
    pulled_until = db.Column(db.String(32))
    last_run_at = db.Column(db.DateTime)
    last_error = db.Column(db.String(500))
    orders_seen = db.Column(db.Integer, nullable=False, default=0)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)
