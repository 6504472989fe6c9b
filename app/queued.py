"""Work staff ask for now (the carriers' "sync now", a store's "pull now"), queued for the scheduler.

The page's request only writes a row of ``sync_requests`` and answers at once; the scheduler's leader
claims it and runs it in the background, under the same lock as the scheduled run of the same work,
and the page polls the state of the latest request of its kind (``templates/_queued_request.html``).
"""
import logging
from datetime import timedelta

from flask_babel import format_datetime

from app.clock import utcnow
from app.extensions import db

log = logging.getLogger(__name__)

#: A request still running after this long was cut off (its process was killed or the server stopped)
ABANDONED_AFTER = timedelta(hours=1)


class QueuedRequest(db.Model):
    """One press of a "now" button: ``kind`` says what to run ("carriers", "pull:magento", …)."""

    __tablename__ = "sync_requests"
    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(32), nullable=False, default="carriers", server_default="carriers")
    requested_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    requested_by_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="SET NULL"))
    started_at = db.Column(db.DateTime)
    finished_at = db.Column(db.DateTime)
    #: what the run found, as its kind records it (e.g. {"shipments": n, "status_changes": n, "busy": [...]})
    result = db.Column(db.JSON)


def _waiting(kind):
    return db.select(QueuedRequest).where(QueuedRequest.kind == kind, QueuedRequest.started_at.is_(None)) \
        .order_by(QueuedRequest.id).limit(1)


def queue(kind, actor):
    """Queue a request of ``kind`` (one waiting request of a kind at most); returns it. The caller commits."""
    waiting = db.session.execute(_waiting(kind)).scalar()
    if waiting is None:
        waiting = QueuedRequest(kind=kind, requested_at=utcnow(), requested_by_id=getattr(actor, "id", None))
        db.session.add(waiting)
    return waiting


def state(kind, now=None):
    """The latest request of ``kind`` as the page shows it: (state, request) or None.

    State is "queued", "running", "finished" or "interrupted" (started long ago, never finished).
    """
    request = db.session.execute(db.select(QueuedRequest).where(QueuedRequest.kind == kind)
                                 .order_by(QueuedRequest.id.desc()).limit(1)).scalar()
    if request is None:
        return None
    if request.finished_at is not None:
        return "finished", request
    if request.started_at is None:
        return "queued", request
    if (now or utcnow()) - request.started_at > ABANDONED_AFTER:
        return "interrupted", request
    return "running", request


def claim(kind):
    """Mark the waiting request of ``kind`` started and commit (nothing stays open while it runs); its id or None."""
    waiting = db.session.execute(_waiting(kind).with_only_columns(QueuedRequest.id)).scalar()
    if waiting is None:
        return None
    claimed = db.session.execute(db.update(QueuedRequest).where(QueuedRequest.id == waiting,
                                                                QueuedRequest.started_at.is_(None))
                                 .values(started_at=utcnow())).rowcount
    db.session.commit()
    return waiting if claimed else None


def finish(request_id, result):
    """Record what the claimed request found, and commit."""
    request = db.session.get(QueuedRequest, request_id)
    request.finished_at, request.result = utcnow(), result
    db.session.commit()


def run(kind, work):
    """The scheduler's side: claim the waiting request of ``kind``, run ``work()`` and record the dict
    it returns. A crash is recorded as ``{"error": "..."}`` (the page would otherwise say "running"
    for an hour). False when no request was waiting."""
    request_id = claim(kind)
    if request_id is None:
        return False
    try:
        result = work()
    except Exception as error:
        log.exception("the requested %s failed", kind)
        db.session.rollback()
        result = {"error": f"{error.__class__.__name__}: {str(error)[:300]}"}
    finish(request_id, result)
    return True


def panel(kind, *, element_id, url, waiting, finished, now=None):
    """What ``_queued_request.html`` shows of the latest request of ``kind``: [(text, css class)] lines,
    polling ``url`` while the request waits or runs. ``waiting`` {"queued", "running", "interrupted": a
    text with %(time)s}; ``finished(request)`` the lines of one that finished."""
    found = state(kind, now)
    if found is None:
        lines = []
    elif found[0] == "finished":
        lines = finished(found[1])
    else:
        at = found[1].requested_at if found[0] == "queued" else found[1].started_at
        lines = [(waiting[found[0]] % {"time": format_datetime(at, "short")}, "")]
    return {"id": element_id, "url": url, "polling": found is not None and found[0] in ("queued", "running"),
            "lines": lines}
