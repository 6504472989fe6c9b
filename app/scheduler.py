"""The in-process scheduler, started only by the serving entry point (``wsgi.py``).

Jobs are plain functions that take the app; each domain contributes its jobs to
``scheduled_jobs``. Every job runs inside an app context and commits its own work.

When several processes serve the app, exactly one of them runs the jobs: the leader. On
PostgreSQL the leader holds a session-level advisory lock on a connection it keeps open (the
lock dies with the process); on SQLite it holds a lease row it renews, which another process
may take over once it has expired (``SCHEDULER_LEASE_SECONDS``).
"""
import atexit
import logging
import os
import socket
import threading
import uuid
from datetime import datetime, timedelta, timezone
from functools import partial

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import or_, text
from sqlalchemy.exc import IntegrityError

from app.carriers.models import SchedulerLease
from app.database import writing
from app.extensions import db

log = logging.getLogger(__name__)

#: The advisory lock key ("Posylka" in ASCII)
ADVISORY_LOCK_KEY = 0x506F73796C6B61
#: Jobs that also run a few seconds after start (the demo's parcels move without waiting)
RUN_SOON_AFTER_START = ("carrier-sync-", "transit-stats", "analytics-copies")
#: Jobs every serving process runs, leader or not: each writes what only its own process holds
IN_EVERY_PROCESS = ("tracking-views",)


def scheduled_jobs(app):
    """(id, function(app), interval in seconds) for every periodic job."""
    from app.analytics.services import refresh_job as analytics_copies
    from app.attention.services import scheduled_job as attention_job
    from app.carriers import CARRIER_CODES
    from app.carriers.eta import refresh_transit_stats
    from app.carriers.services import run_requested_sync
    from app.carriers.sync import scheduled_sync
    from app.demo import keep_alive as demo_shop
    from app.feedback.services import scheduled_job as feedback_job
    from app.integrations.pull import pull_all as platform_orders
    from app.integrations.pull import run_requested_pulls
    from app.notify.alerts import job as shop_alerts
    from app.notify.channels.telegram import poll_job as telegram_updates
    from app.notify.dispatcher import run_job as dispatch_notifications
    from app.notify.kpis import flush_views
    from app.notify.kpis import report_job as sms_reports_job
    from app.privacy.retention import scheduled_job as retention_job

    # A job per carrier, so that one carrier's slow tick never holds back the others' next ones
    tick = int(app.config.get("SYNC_TICK_SECONDS", 60))
    carriers = [(f"carrier-sync-{code}", partial(scheduled_sync, carriers=(code,)), tick) for code in CARRIER_CODES]
    refresh = int(app.config.get("ANALYTICS_REFRESH_MINUTES", 15))
    analytics = [("analytics-copies", analytics_copies, 60 * refresh)] if refresh > 0 else []
    return carriers + analytics + [
        ("sync-requests", run_requested_sync, int(app.config.get("SYNC_REQUEST_SECONDS", 5))),
        ("pull-requests", run_requested_pulls, int(app.config.get("SYNC_REQUEST_SECONDS", 5))),
        ("transit-stats", refresh_transit_stats, 3600),
        ("privacy-retention", retention_job, 24 * 3600),
        ("attention-rules", attention_job, 60 * int(app.config.get("ATTENTION_SCAN_MINUTES", 60))),
        ("feedback-questions", feedback_job, 60 * int(app.config.get("FEEDBACK_CHECK_MINUTES", 60))),
        ("sms-delivery-reports", sms_reports_job, 600),
        ("tracking-views", flush_views, 15),
        ("dispatch-notifications", dispatch_notifications, int(app.config.get("NOTIFY_DISPATCH_SECONDS", 20))),
        # a long poll that waits up to TELEGRAM_POLL_SECONDS itself; returns at once while the bot is off
        ("telegram-updates", telegram_updates, 3),
        ("shop-alerts", shop_alerts, int(app.config.get("ALERT_CHECK_SECONDS", 60))),
        ("platform-orders", platform_orders, int(app.config.get("PLATFORM_PULL_SECONDS", 300))),
        # returns at once unless the demo data is loaded
        ("demo-shop", demo_shop, 60),
    ]


class Leadership:
    """Decides whether this process is the one that runs scheduled jobs."""

    def __init__(self, app, name="scheduler"):
        self.app, self.name = app, name
        self.holder = f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.is_leader = False
        self._connection = None
        self._lock = threading.Lock()

    def refresh(self):
        """Take or keep the leadership; True while this process holds it."""
        with self._lock, self.app.app_context():
            try:
                if db.engine.dialect.name == "postgresql":
                    self.is_leader = self._advisory_lock(db.engine)
                else:
                    self.is_leader = self._lease(db.engine)
            except Exception:
                log.exception("leader election failed")
                self.is_leader = False
            return self.is_leader

    def _advisory_lock(self, engine):
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT 1"))
                self._connection.commit()
                return True
            except Exception:
                self._drop_connection()
        connection = engine.connect()
        got = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}).scalar()
        connection.commit()  # the lock is held by the session, not the transaction
        if got:
            self._connection = connection
            return True
        connection.close()
        return False

    def _drop_connection(self):
        try:
            self._connection.invalidate()
        except Exception:
            log.debug("could not invalidate the leader connection", exc_info=True)
        self._connection = None

    def _lease(self, engine):
        table = SchedulerLease.__table__
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        until = now + timedelta(seconds=float(self.app.config.get("SCHEDULER_LEASE_SECONDS", 30)))
        with engine.begin() as connection:
            taken = connection.execute(
                table.update().where(table.c.name == self.name,
                                     or_(table.c.holder == self.holder, table.c.expires_at < now))
                .values(holder=self.holder, expires_at=until)).rowcount
        if taken:
            return True
        try:
            with engine.begin() as connection:
                connection.execute(table.insert().values(name=self.name, holder=self.holder, expires_at=until))
            return True
        except IntegrityError:
            return False

    def release(self):
        with self._lock:
            if self._connection is not None:
                try:
                    self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
                    self._connection.commit()
                    self._connection.close()
                except Exception:
                    log.debug("could not release the advisory lock", exc_info=True)
                self._connection = None
            elif self.is_leader:
                table = SchedulerLease.__table__
                with self.app.app_context(), db.engine.begin() as connection:
                    connection.execute(table.delete().where(table.c.name == self.name,
                                                            table.c.holder == self.holder))
            self.is_leader = False


def _run(app, job_id, func, leadership=None):
    if leadership is not None and not leadership.refresh():
        return  # another process is the leader
    with app.app_context(), writing():  # jobs write: SQLite takes the write lock at BEGIN
        try:
            func(app)
        except Exception:
            log.exception("scheduled job %s failed", job_id)
            db.session.rollback()
        finally:
            db.session.remove()


def run_soon(app, job_id):
    """Run the job now if this process runs the scheduler (otherwise the leader's next tick does)."""
    scheduler = app.extensions.get("posylka_scheduler")
    if scheduler is not None and scheduler.running and scheduler.get_job(job_id) is not None:
        scheduler.modify_job(job_id, next_run_time=datetime.now(timezone.utc))


def start_scheduler(app, jobs=None):
    """Start the background scheduler unless SCHEDULER_ENABLED is off. Returns it (or None).

    ``jobs`` replaces ``scheduled_jobs(app)`` (tests use it to watch who runs a job).
    """
    from app.notify.kpis import flush_views

    if not app.config.get("SCHEDULER_ENABLED", True):
        app.extensions["posylka_scheduler_running"] = False
        atexit.register(_run, app, "tracking-views", flush_views)  # the page views this process counted
        return None
    leadership = Leadership(app)
    scheduler = BackgroundScheduler(  # a thread for every job (each carrier has its own)
        timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 120},
        executors={"default": {"type": "threadpool", "max_workers": len(jobs or scheduled_jobs(app)) + 2}})
    lease = float(app.config.get("SCHEDULER_LEASE_SECONDS", 30))
    now = datetime.now(timezone.utc)
    scheduler.add_job(leadership.refresh, "interval", seconds=max(0.5, lease / 3), id="leader-election",
                      next_run_time=now)
    for job_id, func, seconds in (scheduled_jobs(app) if jobs is None else jobs):
        soon = {"next_run_time": now + timedelta(seconds=5)} if job_id.startswith(RUN_SOON_AFTER_START) else {}
        runs_here = None if job_id in IN_EVERY_PROCESS else leadership
        scheduler.add_job(_run, "interval", seconds=seconds, args=(app, job_id, func, runs_here), id=job_id, **soon)
    scheduler.start()

    def stop():
        if scheduler.running:
            scheduler.shutdown(wait=False)
        _run(app, "tracking-views", flush_views)  # the views counted since its last tick
        leadership.release()

    atexit.register(stop)
    app.extensions["posylka_scheduler"] = scheduler
    app.extensions["posylka_leadership"] = leadership
    app.extensions["posylka_scheduler_running"] = True
    log.info("scheduler started with %d jobs", len(scheduler.get_jobs()))
    return scheduler
