"""What the carrier sync keeps between runs: breaker and quota state, sync runs, ETA statistics."""
from app.clock import utcnow
from app.extensions import db


class CarrierState(db.Model):
    """One row per carrier: its circuit breaker and its daily call quota, shared by all processes."""

    __tablename__ = "carrier_states"
    carrier = db.Column(db.String(20), primary_key=True)
    #: "closed" (calls flow), "open" (paused until ``open_until``), "half_open" (one probe allowed)
    breaker_state = db.Column(db.String(10), nullable=False, default="closed")
    consecutive_failures = db.Column(db.Integer, nullable=False, default=0)
    open_until = db.Column(db.DateTime)
    #: The last failed call's ``problems.Problem`` as stored (JSON; older rows: English text)
    last_error = db.Column(db.String(500))
    last_success_at = db.Column(db.DateTime)
    quota_day = db.Column(db.Date)
    quota_used = db.Column(db.Integer, nullable=False, default=0)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)


class SyncRun(db.Model):
    """One sync of one carrier (scheduled, from the command line, or a push)."""

    __tablename__ = "sync_runs"
    id = db.Column(db.Integer, primary_key=True)
    carrier = db.Column(db.String(20), nullable=False, index=True)
    trigger = db.Column(db.String(20), nullable=False, default="schedule")
    started_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    finished_at = db.Column(db.DateTime)
    #: "running" (no end recorded yet: see ``services.run_outcomes``), "ok", "partial" (some errors),
    #: "failed", "skipped" (not configured / breaker open)
    outcome = db.Column(db.String(10), nullable=False, default="ok")
    shipments = db.Column(db.Integer, nullable=False, default=0)
    not_found = db.Column(db.Integer, nullable=False, default=0)
    new_events = db.Column(db.Integer, nullable=False, default=0)
    status_changes = db.Column(db.Integer, nullable=False, default=0)
    unmapped = db.Column(db.Integer, nullable=False, default=0)
    error_count = db.Column(db.Integer, nullable=False, default=0)
    #: What went wrong, one ``problems.Problem`` a line as stored (JSON; older rows: English text), capped
    errors = db.Column(db.Text)

    @property
    def seconds(self):
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class SchedulerLease(db.Model):
    """Who runs the scheduled jobs, on databases without advisory locks (SQLite)."""

    __tablename__ = "scheduler_leases"
    name = db.Column(db.String(50), primary_key=True)
    holder = db.Column(db.String(100), nullable=False)
    expires_at = db.Column(db.DateTime, nullable=False)


class TransitStat(db.Model):
    """Transit time (shipped → delivered) per carrier and destination region, refreshed by a job.

    ``region`` is "" for the carrier's figure over all regions.
    """

    __tablename__ = "transit_stats"
    carrier = db.Column(db.String(20), primary_key=True)
    region = db.Column(db.String(120), primary_key=True)
    samples = db.Column(db.Integer, nullable=False)
    median_days = db.Column(db.Float, nullable=False)
    p80_days = db.Column(db.Float, nullable=False)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)
