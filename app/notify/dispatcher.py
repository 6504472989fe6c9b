"""The dispatcher: claims due outbox rows, sends them, records every attempt.

Claiming is one UPDATE that marks a batch ``sending`` with a lease and a claim token, committed
before anything is sent (PostgreSQL picks rows with ``FOR UPDATE SKIP LOCKED`` so concurrent
dispatchers never take the same row; SQLite's single writer makes the one statement atomic).
The lease runs from the moment the batch is claimed and is renewed every third of
``NOTIFY_LEASE_SECONDS`` while the batch is being sent, so another dispatcher (the scheduler and
a cron run at once) never takes back a batch that is still being worked on, however long the run.
Messages are sent without an open transaction, and each one is marked sent (guarded by the
claim token) and committed right after its send.

Delivery is at least once: a dispatcher killed mid-batch loses nothing (its rows keep their
lease until it expires and are then put back in the queue), and only the messages on the wire
at the moment of the kill, at most one per sending thread (``NOTIFY_WORKERS``), can arrive
twice; a row recorded as sent is never claimed again. Such a second e-mail has the same
``Message-ID`` as the first, so mail clients show one.

A database failure that passes (``_transient``: a write lock held past SQLite's busy timeout by a
long import, a dropped connection) is tried again after a pause, doubled each time (``_retried``):
recording an outcome (``RECORD_TRIES``), so that it does not kill a sending thread, and a whole
batch (``BATCH_TRIES``: claiming, composing, releasing), whose untouched rows go back first. A
message whose outcome still cannot be recorded is logged and keeps its claim until the lease
runs out (then it is sent again, as after a crash), never put straight back in the queue; so does
a message whose handling failed in any other way once it was taken to be sent. A batch that
still fails ends the run; the next one starts again.
"""
import logging
import threading
import time
import uuid
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from types import SimpleNamespace

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from sqlalchemy import insert, text, update
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, selectinload

from app import settings
from app.auth import password_reset
from app.clock import utcnow
from app.database import reading, writing
from app.extensions import db
from app.i18n import default_language, preferred_language
from app.notify import alerts, channels, kpis, preferences, problems, rules, skips, variants
from app.notify import templates as tpl
from app.notify.channels import DeliveryError
from app.notify.defaults import NOTICE_KINDS
from app.notify.models import (
    FAILED,
    QUEUED,
    SENDING,
    SENT,
    SKIPPED,
    DeliveryAttempt,
    Notification,
    NotificationPreference,
    WebhookEndpoint,
)
from app.orders.links import tracking_url
from app.orders.models import Order

log = logging.getLogger(__name__)

#: Tries of one message's record, and of one batch, and the pause (seconds) after the first
#: failure (``_retried``). On SQLite each try also waits up to the busy timeout for the lock.
RECORD_TRIES, RECORD_PAUSE_SECONDS = 3, 0.5
BATCH_TRIES, BATCH_PAUSE_SECONDS = 4, 1.0


@dataclass
class Result:
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    skipped: int = 0
    requeued: int = 0
    #: orders whose pickup messages ``run_job`` queued first
    reminded: int = 0
    errors: list = field(default_factory=list)
    #: ids whose outcome could not be recorded (they keep their claim until the lease runs out)
    unrecorded: list = field(default_factory=list)

    @property
    def total(self):
        return self.sent + self.failed + self.retrying + self.skipped


@contextmanager
def link_context():
    """A request context whose host is PUBLIC_URL, so that messages carry absolute links."""
    if has_request_context():
        yield
        return
    config = current_app.config
    base = settings.get("PUBLIC_URL", "") or f"http://{config.get('HOST', '127.0.0.1')}:{config.get('PORT', 8000)}"
    with current_app.test_request_context("/", base_url=base.rstrip("/")):
        yield


def _transient(error):
    """A database failure that may pass if tried again: a lock held too long, a dropped connection."""
    return isinstance(error, OperationalError) or (isinstance(error, DBAPIError) and error.connection_invalidated)


def _retried(step, *, tries, pause, what):
    """``step()``, tried up to ``tries`` times while it fails for a ``_transient`` reason, ``pause``
    seconds after the first failure and twice as long after each next one; raises the last failure."""
    for attempt in range(1, tries + 1):
        try:
            return step()
        except Exception as failure:
            _rollback()
            if attempt == tries or not _transient(failure):
                raise
            wait = pause * 2 ** (attempt - 1)
            log.exception("%s failed; trying again in %.1f s", what, wait)
            time.sleep(wait)


def _write(statement):
    """One UPDATE of the outbox in a short write transaction of its own; how many rows it changed.

    Several dispatchers may run at once: SQLite's write lock is taken up front (BEGIN IMMEDIATE)."""
    with writing():
        changed = db.session.execute(statement.execution_options(synchronize_session=False)).rowcount or 0
        db.session.commit()
    return changed


def requeue_stale(clock):
    """Rows whose claim lease ran out (their dispatcher died) go back to the queue."""
    return _write(update(Notification).where(Notification.state == SENDING, Notification.locked_until < clock)
                  .values(state=QUEUED, claim_token=None, locked_until=None))


def claim(clock, batch_size, lease_seconds, claimed_at=None):
    """Mark up to ``batch_size`` rows due at ``clock`` as ours, leased for ``lease_seconds`` from
    ``claimed_at`` (now); return the claim token (or None)."""
    token = uuid.uuid4().hex
    due = (db.select(Notification.id)
           .where(Notification.state == QUEUED, Notification.next_attempt_at <= clock)
           .order_by(Notification.next_attempt_at, Notification.id).limit(batch_size))
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)  # concurrent dispatchers never take the same row
    claimed = _write(update(Notification).where(Notification.id.in_(due.scalar_subquery()))
                     .values(state=SENDING, claim_token=token,
                             locked_until=(claimed_at or clock) + timedelta(seconds=lease_seconds)))
    return token if claimed else None


@dataclass
class Job:
    """A claimed row with its message composed, detached from the session."""

    id: int
    event_id: str
    channel: str
    kind: str
    recipient: str
    customer_id: int | None
    attempts: int
    max_attempts: int
    payload: str | None
    endpoint: object = None
    message: object = None
    context: dict = field(default_factory=dict)
    skip_reason: str | None = None
    compose_error: str | None = None
    #: The A/B variant the message was written from (None: no test of its template)
    variant: str | None = None
    #: What the log keeps instead of the body (a password reset's text without its link)
    logged_body: str | None = None

    @classmethod
    def of(cls, row, **more):
        return cls(id=row.id, event_id=row.event_id, channel=row.channel, kind=row.kind, recipient=row.recipient or "",
                   customer_id=row.customer_id, attempts=row.attempts, max_attempts=row.max_attempts,
                   payload=row.payload, **more)


def _compose(row, cache, prefs):
    job = Job.of(row)
    if row.channel == "webhook":
        ep = row.endpoint
        job.endpoint = SimpleNamespace(id=ep.id, url=ep.url, enabled=ep.enabled, allow_private=ep.allow_private,
                                       secret_encrypted=ep.secret_encrypted) if ep is not None else None
        job.message = tpl.Rendered(None, row.payload or "")
        return job
    if row.channel == "platform":  # a status for the shop's platform: the payload, and the link for its note
        job.message = tpl.Rendered(None, row.payload or "")
        job.context = {"tracking_link": tracking_url(row.order) if row.order is not None else ""}
        return job
    if row.kind == password_reset.KIND:  # a person's own reset link, written now in their language
        return _compose_password_reset(job, row)
    if row.kind == alerts.KIND:  # the shop's own alert: its text was written in the shop's language when queued
        job.message = tpl.Rendered(row.subject, row.body or "")
        job.context = {"language": default_language(),
                       "shop_name": tpl.shop_name()}
        return job
    if row.customer is not None and row.customer.anonymised_at is not None:
        # erased while the message waited (the merge window, quiet hours): its address is gone, and
        # the person asked for nothing more
        job.skip_reason = skips.DATA_ERASED
        return job
    # someone following this one order without an account (app.tracking.follow): their own consent
    # and their own unsubscribe link, not the customer's channel choices
    follower = None
    if row.channel in ("email", "sms") and row.order_id is not None:
        from app.tracking.follow import follower_of

        follower = follower_of(row.order_id, row.channel, row.recipient or "")
        if follower is not None and not follower.active:
            job.skip_reason = skips.CHANNEL_OFF
            return job
    if follower is None and not preferences.allows(prefs.get(row.customer_id), row.channel):
        job.skip_reason = skips.CHANNEL_OFF
        return job
    order = row.order
    if order is None:
        job.skip_reason = skips.ORDER_GONE
        return job
    # a follower reads in the language they followed in, and is not greeted with the customer's name
    language = preferred_language(follower.language if follower is not None
                                  else row.customer.language if row.customer else None)
    with force_locale(language):
        link = tracking_url(order)
        context = tpl.order_context(order, language, link)
        if follower is not None:
            context["customer_name"] = ""
        if row.status:
            from app.orders import statuses

            context["status"] = str(statuses.label(row.status))
        if row.kind == "feedback":
            from app.feedback.services import feedback_link

            context["feedback_link"] = feedback_link(order.id)
        measured = kpis.tracking_on()
        if measured:  # links through the signed redirect that counts the first click
            context["tracking_link"] = kpis.click_url(row.id, link_nonce=order.link_nonce) \
                if context.get("tracking_link") else ""
            if context.get("feedback_link"):
                context["feedback_link"] = kpis.click_url(row.id, "f", link_nonce=order.link_nonce)
        kind = row.kind if row.kind in NOTICE_KINDS else (row.status or order.status)
        job.variant, source_b = variants.choose(row.id, kind, row.channel, language, cache)
        job.message = tpl.render(kind, row.channel, language, context, cache=cache)
        if source_b is not None:
            try:
                job.message = tpl.Rendered(tpl.render_source(source_b[0], context) or None,
                                           tpl.render_source(source_b[1], context))
            except tpl.TemplateInvalid:
                log.exception("variant b of %s/%s/%s failed; sending variant a", kind, row.channel, language)
                job.variant = "a"
        job.context = dict(context, language=language)
        if follower is not None:
            job.context["unsubscribe_url"] = url_for("tracking.unfollow", token=follower.token, _external=True)
        if measured and row.channel == "email" and kpis.pixel_on():
            job.context["open_pixel_url"] = kpis.open_pixel_url(row.id)
    return job


def _compose_password_reset(job, row):
    try:
        mail = password_reset.mail_for(row.recipient, row.created_at, row.payload)
    except password_reset.NotSent as reason:
        job.skip_reason = reason.args[0]
        return job
    job.message = tpl.Rendered(mail.subject, mail.body)
    job.logged_body = mail.body.replace(mail.link, "[…]")  # the link works for whoever reads it
    job.context = {"language": mail.language, "customer_name": mail.name,
                   "shop_name": tpl.shop_name(),
                   "action_link": mail.link, "action_label": mail.button, "account_mail": True}
    return job


def _finish(job, token, state, *, started, duration_ms, error=None, code=None, provider_id=None, retry_at=None,
            also=None):
    """Record a message's outcome (and ``also()``'s writes) in one write transaction, tried up to
    RECORD_TRIES times. True if recorded, False if the claim was no longer ours, None if it failed."""
    values = {"attempts": Notification.__table__.c.attempts + 1, "updated_at": utcnow(), "last_error": error,
              "claim_token": None, "locked_until": None}
    if job.message is not None and job.channel != "webhook":
        values.update(subject=(job.message.subject or "")[:255] or None,
                      body=job.message.body if job.logged_body is None else job.logged_body)
    if job.variant is not None:
        values["variant"] = job.variant
    if state == SENT:
        values.update(state=SENT, sent_at=utcnow(), provider_id=(provider_id or "")[:120] or None, last_error=None)
    elif state == SKIPPED:
        values.update(state=SKIPPED, skip_reason=str(job.skip_reason)[:255], attempts=Notification.__table__.c.attempts)
    elif retry_at is not None:
        values.update(state=QUEUED, next_attempt_at=retry_at)
    else:
        values.update(state=FAILED)
    table = Notification.__table__
    # What the send left to be written with its outcome (a dev-mailbox copy, a push subscription the
    # browser dropped) is written again in each try, since a failed try's rollback discards it.
    added, deleted = list(db.session.new), list(db.session.deleted)

    def write():
        # A short write transaction of its own, so no lock is held while a message is on the wire.
        # The rollback ends the read snapshot the send may have begun (the channel's own reads): on
        # SQLite, writing from it would upgrade it, which fails at once, whatever the busy timeout,
        # if another thread wrote meanwhile (another worker recording its message). It fails if the
        # database dropped the connection while the message was on the wire: a transient failure too.
        db.session.rollback()
        with writing():  # SQLite: BEGIN IMMEDIATE, which waits for the lock
            if db.engine.dialect.name == "postgresql":
                # Don't wait for the WAL flush: if the database server itself crashed before flushing, the
                # message would only be sent once more (never lost). A dispatcher crash is unaffected.
                db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
            db.session.add_all(added)
            for row in deleted:
                db.session.delete(row)
            if also is not None:
                also()
            done = db.session.execute(table.update().where(table.c.id == job.id, table.c.claim_token == token)
                                      .values(**values))
            if state != SKIPPED and done.rowcount:
                db.session.execute(insert(DeliveryAttempt.__table__).values(
                    notification_id=job.id, started_at=started, duration_ms=duration_ms,
                    outcome="sent" if state == SENT else "failed", response_code=code, error=error))
            db.session.commit()
        return bool(done.rowcount)

    try:
        return _retried(write, tries=RECORD_TRIES, pause=RECORD_PAUSE_SECONDS,
                        what=f"recording notification {job.id} as {state}")
    except Exception:
        log.exception("notification %s could not be recorded as %s; it keeps its claim until the lease "
                      "runs out", job.id, state)
        return None


def _release(token, keep=()):
    """Put this claim's unsent rows back in the queue; ``keep`` (sent, but not recorded) keep their lease."""
    _write(update(Notification).where(Notification.claim_token == token, Notification.state == SENDING,
                                      Notification.id.notin_(keep))
           .values(state=QUEUED, claim_token=None, locked_until=None))


def dispatch(*, now=None, batch_size=None, max_messages=None):
    """Send everything due at ``now`` (default: the current time). Returns a Result."""
    config = current_app.config
    batch_size = batch_size or int(config.get("NOTIFY_BATCH_SIZE", 100))
    lease = int(config.get("NOTIFY_LEASE_SECONDS", 300))
    workers = max(1, int(config.get("NOTIFY_WORKERS", 4)))
    result = Result()
    db.session.commit()
    cache = {}
    with link_context():
        clock = now or utcnow()
        started = time.monotonic()

        def current():  # the time now, on the run's clock (``now`` moves on as real time does)
            return clock + timedelta(seconds=time.monotonic() - started)

        def batch():  # one batch: True if there was one
            token = None
            try:
                size = batch_size if max_messages is None else min(batch_size, max_messages - result.total)
                token = claim(clock, size, lease, claimed_at=current())
                if token is None:
                    return False
                with _lease_kept(token, lease, current) as lost:
                    jobs = _compose_batch(token, cache)
                    _send_batch(jobs, token, clock, result, lost, workers)
                _release(token, keep=result.unrecorded)
                return True
            except Exception:
                # Its rows nobody took to send go back to the queue (this run sends them later); those taken
                # keep their claim, and so does every row if even that fails, until the lease runs out.
                _rollback()
                if token is not None:
                    try:
                        _release(token, keep=result.unrecorded)
                    except Exception:
                        log.warning("the rows of a failed notification batch keep their claim", exc_info=True)
                raise

        tried = partial(_retried, tries=BATCH_TRIES, pause=BATCH_PAUSE_SECONDS, what="dispatching notifications")
        try:
            result.requeued = tried(lambda: requeue_stale(current()))
            while (max_messages is None or result.total < max_messages) and tried(batch):
                continue
        except Exception:
            log.exception("dispatching notifications failed; the next run tries again")
    return result


def _rollback():
    """End the session's transaction after a failure, whatever state its connection is in."""
    try:
        db.session.rollback()
    except Exception:  # a connection the server dropped: the session starts afresh anyway
        log.debug("rollback after a failure failed", exc_info=True)


@contextmanager
def _lease_kept(token, lease, current):
    """Renew the claim's lease every third of it while the block runs (a thread of its own, so a
    slow send does not let it lapse). Yields an Event set if the claim was taken from us."""
    done, lost = threading.Event(), threading.Event()
    app = current_app._get_current_object()

    def keep():
        with app.app_context():
            try:
                while not done.wait(max(0.2, lease / 3)):
                    try:
                        if not _write(update(Notification).where(Notification.claim_token == token,
                                                                 Notification.state == SENDING)
                                      .values(locked_until=current() + timedelta(seconds=lease))):
                            lost.set()  # none of its rows is still ours
                    except Exception:  # the database is away for a moment: try again next time
                        log.exception("renewing the lease of a notification batch failed")
                        db.session.rollback()
            finally:
                db.session.remove()

    thread = threading.Thread(target=keep, name="notify-lease", daemon=True)
    thread.start()
    try:
        yield lost
    finally:
        done.set()
        thread.join()


def _send_batch(jobs, token, clock, result, lost, workers):
    """Send a composed batch with ``workers`` threads, each with its own session and connections.

    The threads overlap the network waits (SMTP replies, HTTP answers); each has at most one
    message in flight, so a kill can duplicate at most one message per worker.
    """
    db.session.commit()  # the dispatching thread holds no lock or snapshot while workers write
    queue = deque(jobs)
    lock = threading.Lock()

    def next_job():
        with lock:
            if not queue or lost.is_set():
                return None  # done, or the claim was taken back: the rest are someone else's now
            return queue.popleft()

    def drain():
        open_channels = {}  # one connection per channel (an SMTP session, an HTTP pool) per worker
        try:
            while (job := next_job()) is not None:
                try:
                    _send_one(job, token, open_channels, clock, result, lock)
                except Exception:
                    # outside the send's own error handling: the message may have gone out, so it keeps
                    # its claim until the lease runs out instead of going back to the queue of this run
                    log.exception("notification %s could not be handled; it keeps its claim until the lease "
                                  "runs out", job.id)
                    with lock:
                        result.unrecorded.append(job.id)
                    _rollback()
        finally:
            for channel in open_channels.values():
                try:
                    channel.close()
                except Exception:
                    log.warning("closing the %s channel failed", channel.name, exc_info=True)

    def work(app):
        with app.app_context():
            try:
                with link_context():
                    drain()
            except Exception:  # the worker could not start: the dispatching thread sends what it left
                log.exception("a notification sending thread failed")
            finally:
                db.session.remove()

    workers = min(workers, len(jobs))
    if workers > 1:
        app = current_app._get_current_object()
        # leaving the block waits for every worker: a batch's rows go back to the queue only once
        # nobody can be sending them
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="notify") as pool:
            for _ in range(workers):
                pool.submit(work, app)
    drain()  # nothing, unless a worker could not start (or there was one worker)


def _compose_batch(token, cache):
    """Load and compose a claimed batch in a session of its own.

    Its objects are gone once the jobs are composed, so the per-message commits that follow do
    not expire (and reload) hundreds of loaded rows each time.
    """
    with Session(db.engine, expire_on_commit=False) as session:
        rows = session.execute(
            db.select(Notification).where(Notification.claim_token == token).order_by(Notification.id)
            .options(selectinload(Notification.order).selectinload(Order.shipments),
                     selectinload(Notification.order).selectinload(Order.customer),
                     selectinload(Notification.customer), selectinload(Notification.endpoint))
        ).scalars().all()
        customer_ids = {row.customer_id for row in rows if row.customer_id is not None}
        prefs = {p.customer_id: p for p in session.execute(db.select(NotificationPreference).where(
            NotificationPreference.customer_id.in_(customer_ids))).scalars()} if customer_ids else {}
        jobs = []
        for row in rows:
            try:
                jobs.append(_compose(row, cache, prefs))
            except Exception as error:
                log.exception("composing notification %s failed", row.id)
                jobs.append(Job.of(row, compose_error=f"{error.__class__.__name__}: {error}"))
        session.commit()  # a new tracking link may have given an order its link nonce
    return jobs


def _send_one(job, token, open_channels, clock, result, lock):
    # Hold no read snapshot while the message is on the wire: the attempt is then recorded in a
    # fresh write transaction (SQLite cannot upgrade a snapshot another writer has moved past).
    db.session.commit()
    started, t0 = utcnow(), time.monotonic()

    def record(state, counted, **outcome):  # ``counted``: the Result's count of this outcome
        unrecorded = _finish(job, token, state, started=started, **outcome) is None
        with lock:
            setattr(result, counted, getattr(result, counted) + 1)
            if unrecorded:
                result.unrecorded.append(job.id)

    if job.skip_reason:
        record(SKIPPED, "skipped", duration_ms=0)
        return
    channel = open_channels.get(job.channel)
    if channel is None:
        channel = open_channels[job.channel] = channels.get(job.channel)
    try:
        if job.compose_error:
            raise DeliveryError(problems.problem("not_composed", detail=job.compose_error))
        # the channel's own reads take no write lock, even in a job that runs under ``writing()``
        with reading():
            provider_id = channel.send(job, job.message, job.context)
    except Exception as failure:
        error = failure
        if not isinstance(failure, DeliveryError):  # a bug or an unexpected library error: retry later, keep the trace
            log.exception("sending notification %s failed", job.id)
            _rollback()
            error = DeliveryError(f"{failure.__class__.__name__}: {failure}")
        also = None
        # what the failure implies is written with its record (in the same write transaction)
        if error.disable_endpoint and job.endpoint is not None:
            also = partial(db.session.execute, update(WebhookEndpoint).where(WebhookEndpoint.id == job.endpoint.id)
                           .values(enabled=False, disabled_reason=str(error)[:255]))
        elif error.disable_endpoint:
            also = partial(channel.recipient_gone, job, str(error))
        attempts = job.attempts + 1
        retry_at = None
        if error.retry and attempts < job.max_attempts:
            delay = max(rules.retry_delay(job.channel, attempts), error.retry_after or 0)
            retry_at = channel.earliest(clock + timedelta(seconds=delay))
        record(QUEUED if retry_at else FAILED, "retrying" if retry_at else "failed",
               duration_ms=int((time.monotonic() - t0) * 1000), error=error.problem.stored(), code=error.code,
               retry_at=retry_at,
               also=also)
        if error is failure:  # the channel's own refusal (a bug is in the log, with its trace)
            with lock:
                result.errors.append((job.id, str(error)))
        return
    record(SENT, "sent", duration_ms=int((time.monotonic() - t0) * 1000), provider_id=provider_id)


def run_job(app=None, *, limit=None):
    """The scheduler job and the ``dispatch-notifications`` command: reminders first (they queue
    messages), then send what is due (at most ``limit`` messages)."""
    from app.notify.outbox import pickup_reminders

    queued = pickup_reminders()
    db.session.commit()
    result = dispatch(max_messages=limit)
    result.reminded = queued
    if queued or result.total or result.requeued:  # a quiet run says nothing
        log.info("notifications: %d sent, %d failed, %d to retry, %d skipped, %d taken back after a crash, "
                 "%d pickup messages queued", result.sent, result.failed, result.retrying, result.skipped,
                 result.requeued, queued)
    return result
