"""Pulling orders from Magento and PrestaShop on the scheduler, one order per transaction.

Each order is created or updated and the platform's cursor moved past it in one commit, so a run
cut short (a crash, the platform going away on page 3) resumes where it stopped and never leaves
half an order. An order that cannot be taken (no items, a field out of bounds) is refused with an
entry in the admin log and skipped; a platform that cannot be read keeps its cursor, records the
error (the admins' alert watches it) and is tried again on the next run.
"""
import logging
from functools import partial

from flask_babel import gettext as _

from app import locks, queued, settings
from app.api.core import ApiError
from app.api.platforms import LABELS as PLATFORM_LABELS
from app.audit import record
from app.extensions import db
from app.integrations import magento, prestashop
from app.integrations.http import PlatformError
from app.integrations.models import PlatformPull
from app.orders.models import utcnow

log = logging.getLogger(__name__)

CONNECTORS = {"magento": magento, "prestashop": prestashop}
LABELS = {name: PLATFORM_LABELS[name] for name in CONNECTORS}
START = "1970-01-01 00:00:00"


def _state(platform):
    state = db.session.get(PlatformPull, platform)
    if state is None:
        state = PlatformPull(platform=platform, orders_seen=0)
        db.session.add(state)
    return state


def _refuse(platform, external_id, detail):
    record("platform.order_refused", "platform_order", f"{platform}:{external_id}"[:64],
           after={"platform": platform, "detail": str(detail)[:300]}, actor_label=platform)


def pull(platform, *, page_size=None):
    """Take in what changed since the last run; returns (orders taken, orders refused) or None when off.

    One pull of a store at a time, whoever starts it (the schedule or staff's "pull now"): raises
    ``locks.Busy`` at once while another process pulls it, so no order is ingested twice in parallel.
    """
    module = CONNECTORS[platform]
    if not module.configured():
        return None
    with locks.exclusive(f"platform-pull-{platform}"):
        return _pull(platform, module, page_size)


def _pull(platform, module, page_size):
    from app.api.platforms import ingest

    page_size = page_size or settings.get_int("PLATFORM_PAGE_SIZE", 50)
    since = _state(platform).pulled_until or START
    db.session.commit()  # no transaction is held while the platform answers
    taken = refused = 0
    try:
        for external_id, updated_at, data in module.orders_since(since, page_size):
            if isinstance(external_id, bool) or not isinstance(external_id, (int, str)) or not str(external_id):
                _refuse(platform, "?", "the order has no id")
                refused += 1
                db.session.commit()
                continue
            external_id = str(external_id)[:64]
            try:
                with db.session.begin_nested():
                    ingest(platform, module.map_order(data), external_id)
                taken += 1
            except ApiError as error:
                _refuse(platform, external_id, error.detail or error.title)
                refused += 1
            state = _state(platform)
            if updated_at and updated_at > (state.pulled_until or ""):
                state.pulled_until = updated_at
            state.orders_seen = (state.orders_seen or 0) + 1
            db.session.commit()
    except PlatformError as error:
        db.session.rollback()
        state = _state(platform)
        state.last_run_at, state.last_error = utcnow(), str(error)[:500]
        record("platform.pull_failed", "settings", platform, after={"platform": platform, "error": state.last_error},
               actor_label=platform)
        db.session.commit()
        log.warning("%s", error)
        return taken, refused
    state = _state(platform)
    state.last_run_at, state.last_error = utcnow(), None
    db.session.commit()
    return taken, refused


def pull_all(app=None):
    """The scheduler job: every connected platform in turn."""
    for platform in CONNECTORS:
        try:
            pull(platform)
        except locks.Busy:
            log.info("%s: another pull is running; this one is skipped", platform)


def run_requested_pulls(app=None):
    """The scheduler's job for staff's "pull now": run each store's waiting request and record how it went."""
    def work(platform):
        try:
            taken, refused = pull(platform) or (0, 0)
        except locks.Busy:
            return {"busy": True}
        return {"taken": taken, "refused": refused, "error": last_error(platform)}

    for platform in CONNECTORS:
        queued.run(f"pull:{platform}", partial(work, platform))


def label(platform):
    return LABELS.get(platform, platform)


def last_error(platform):
    """Why the platform's last pull failed (None: it worked, or never ran)."""
    state = db.session.get(PlatformPull, platform)
    return state.last_error if state is not None else None


def status():
    """[(platform, label, configured, PlatformPull or None)] for the admin page."""
    rows = {row.platform: row for row in db.session.execute(db.select(PlatformPull)).scalars()}
    return [(name, label(name), module.configured(), rows.get(name)) for name, module in CONNECTORS.items()]


def connection_alerts(now):
    """Alert conditions: a connected platform whose last pull failed."""
    from app.notify.alerts import Condition

    found = []
    for name, title, configured, row in status():
        if configured:
            found.append(Condition(f"platform:{name}", _("%(platform)s connection", platform=title),
                                   bool(row is not None and row.last_error), (row.last_error or "") if row else ""))
    return found
