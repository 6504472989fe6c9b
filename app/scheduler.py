"""The in-process scheduler, started only by the serving entry point (``wsgi.py``).

Jobs are plain functions that take the app; each domain contributes its jobs to
``scheduled_jobs``. Every job runs inside an app context and commits its own work.
"""
import logging

from apscheduler.schedulers.background import BackgroundScheduler

log = logging.getLogger(__name__)


def scheduled_jobs(app):
    """(id, function(app), interval in seconds) for every periodic job."""
    from app.notify.dispatcher import run_job as dispatch_notifications

    jobs = []
    jobs.append(("dispatch-notifications", dispatch_notifications, int(app.config.get("NOTIFY_DISPATCH_SECONDS", 20))))
    return jobs


def _run(app, job_id, func):
    with app.app_context():
        try:
            func(app)
        except Exception:
            log.exception("scheduled job %s failed", job_id)
            from app.extensions import db

            db.session.rollback()
        finally:
            from app.extensions import db

            db.session.remove()


def start_scheduler(app):
    """Start the background scheduler unless SCHEDULER_ENABLED is off. Returns it (or None)."""
    if not app.config.get("SCHEDULER_ENABLED", True):
        app.extensions["posylka_scheduler_running"] = False
        return None
    scheduler = BackgroundScheduler(
        timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 120})
    for job_id, func, seconds in scheduled_jobs(app):
        scheduler.add_job(_run, "interval", seconds=seconds, args=(app, job_id, func), id=job_id)
    scheduler.start()
    app.extensions["posylka_scheduler"] = scheduler
    app.extensions["posylka_scheduler_running"] = True
    log.info("scheduler started with %d jobs", len(scheduler.get_jobs()))
    return scheduler
