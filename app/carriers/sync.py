"""The carrier sync: ask each carrier about its active shipments and move the orders.

``sync_all`` runs every carrier in parallel, each in its own thread with its own app context
and database session, so one carrier failing or being slow never holds up another. Within a
carrier, calls are batched where the carrier allows and spread over a small pool of threads
(``CARRIER_CONCURRENCY``) behind the carrier's rate limit; the database work stays in the
carrier's own thread and is committed in chunks. Every event is stored once
(``CarrierEvent`` is unique on shipment, code and time), so a repeated sync changes nothing.
Mapped events move the order through ``lifecycle.change_status``; a refused move is recorded,
never raised. Each carrier's run is recorded as a ``SyncRun``.
"""
import logging
import re
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import bindparam, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app import locks
from app import settings as app_settings
from app.carriers import CARRIER_CODES, overrides, problems
from app.carriers.base import CarrierAuthError, CarrierError, TrackRequest
from app.carriers.mapping import COD_PAID_OUT, READINGS, TABLES, carrier_note
from app.carriers.models import CarrierState, SyncRun
from app.carriers.overrides import map_event
from app.carriers.problems import problem
from app.carriers.registry import adapter_for, carrier_settings, setting, status
from app.clock import utcnow
from app.database import writing
from app.extensions import db
from app.orders import lifecycle, statuses
from app.orders.models import CarrierEvent, Customer, Order, Shipment
from app.returns import services as returns

log = logging.getLogger(__name__)
#: What a run counts (``Counts``, ``SyncRun`` and a run's summary)
COUNTS = ("shipments", "not_found", "new_events", "status_changes", "unmapped", "error_count")
CHUNK = 400
MAX_ERROR_LINES = 50
#: An event dated later than this after the sync's "now" is a carrier's mistake: kept out until then
FUTURE_TOLERANCE = timedelta(hours=2)


@dataclass
class Counts:
    shipments: int = 0
    not_found: int = 0
    new_events: int = 0
    status_changes: int = 0
    unmapped: int = 0
    errors: list = field(default_factory=list)
    error_count: int = 0
    not_found_numbers: list = field(default_factory=list)

    def error(self, what):
        """Count a ``problems.Problem``; the first ``MAX_ERROR_LINES`` are kept, as stored."""
        self.error_count += 1
        if len(self.errors) < MAX_ERROR_LINES:
            self.errors.append(what.stored(limit=500))


def customer_phone(phone):
    """A phone as Nova Poshta wants it (380 and nine digits, e.g. 380671234567), or ""."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 12 and digits.startswith("380"):
        return digits
    if len(digits) == 10 and digits.startswith("0"):
        return "38" + digits
    return ""


# ---- applying one carrier answer to one shipment ---------------------------------------------

def apply_result(shipment, result, counts, *, now, existing=None, simulated=False):
    """Store a ``TrackResult``'s new events for ``shipment`` and move its order. Commits nothing."""
    new = store_events(shipment, result, counts, now=now, existing=existing, simulated=simulated)
    db.session.flush()
    apply_events(shipment, result, new, counts, now=now, simulated=simulated)
    if _way_back_news(shipment, result, new):
        db.session.flush()
        returns.from_carrier(shipment, result)


def store_events(shipment, result, counts, *, now, existing=None, simulated=False, bulk_rows=None, mapper=None):
    """Add the answer's events not stored yet; returns [(event, Mapped or None)], oldest first.

    A parcel the carrier does not know is counted, and asked about again later; one whose answer
    could not be read, and any event dated in the future, is told to the admin and changes nothing
    (the future events are dropped from ``result``). With
    ``bulk_rows`` (a list), the events are appended there as plain rows for one bulk insert and
    stand in the result as light records (the caller fills in the ids of those that may move
    the order, which its history row refers to); otherwise they are added to the session.
    """
    shipment.last_synced_at = now
    if result.raw is not None:
        shipment.raw_payload = result.raw_json()
    if existing is None:
        existing = set(db.session.execute(
            select(CarrierEvent.shipment_id, CarrierEvent.raw_code, CarrierEvent.occurred_at)
            .where(CarrierEvent.shipment_id == shipment.id)).all())
    if result.unreadable:
        counts.error(problem("parcel_unreadable", number=shipment.tracking_number, detail=result.unreadable))
        return None
    if not result.found:
        counts.not_found += 1
        counts.not_found_numbers.append(shipment.tracking_number)
        if result.error:
            counts.error(problem("parcel_error", number=shipment.tracking_number, said=result.error))
        return None
    cutoff = now + FUTURE_TOLERANCE
    future = [ev for ev in result.events if ev.occurred_at > cutoff]
    for ev in future:
        counts.error(problem("future_event", number=shipment.tracking_number, event=ev.code, time=ev.occurred_at))
    if future:
        result.events = [ev for ev in result.events if ev.occurred_at <= cutoff]
    new = []
    for ev in result.events:
        code = ev.code[:64]
        key = (shipment.id, code, ev.occurred_at)
        if key in existing or (not code and any((shipment.id, known, ev.occurred_at) in existing
                                                for known in TABLES.get(shipment.carrier, ()))):
            continue  # stored already (an event without a code: under the code the shipment's status gave it)
        stored_as = _stored_reading(shipment, ev, code, existing)
        if stored_as is False:
            continue  # stored already, under the adapter's reading of it (a DHL return)
        existing.add(key)
        mapped = (mapper or map_event)(shipment.carrier, ev.code, ev.reason, ev.text)
        row = dict(shipment_id=shipment.id, occurred_at=ev.occurred_at, raw_code=code,
                   raw_text=(ev.text or "")[:500] or None, location=(ev.location or "")[:255] or None,
                   mapped_status=mapped.status if mapped else None,
                   at_pickup_point=bool(mapped and mapped.at_pickup_point), problem=bool(mapped and mapped.problem),
                   unmapped=mapped is None)
        if stored_as is not None:
            # stored under the carrier's own code by an answer read before: that entry is this event,
            # now read as more (DHL's returnFlag came later). It takes the new reading, and moves the order.
            existing.discard((shipment.id, stored_as, ev.occurred_at))
            table = CarrierEvent.__table__
            same = (table.c.shipment_id == shipment.id, table.c.raw_code == stored_as,
                    table.c.occurred_at == ev.occurred_at)
            db.session.execute(table.update().where(*same).values(
                {name: value for name, value in row.items() if name not in ("shipment_id", "occurred_at")}))
            carrier_event = SimpleNamespace(**row, id=None, shipment=shipment) if bulk_rows is not None else \
                db.session.execute(select(CarrierEvent).where(CarrierEvent.shipment_id == shipment.id,
                                                              CarrierEvent.raw_code == code,
                                                              CarrierEvent.occurred_at == ev.occurred_at)
                                   .execution_options(populate_existing=True)).scalar_one()
        elif bulk_rows is not None:
            row["created_at"] = now
            bulk_rows.append(row)
            carrier_event = SimpleNamespace(**row, id=None, shipment=shipment)
        else:
            # by id: appending to shipment.events would load them all
            carrier_event = CarrierEvent(**row)
            db.session.add(carrier_event)
        new.append((carrier_event, mapped))
        counts.new_events += 1
        if mapped is None:
            counts.unmapped += 1
    return new


def _stored_reading(shipment, ev, code, existing):
    """Is ``ev`` stored already under another code, by an answer read before? Where an adapter reads
    events as codes of its own (``mapping.READINGS``: a DHL return), one event may come as the
    carrier's code in one answer and as our reading in the next, at the same moment.

    False when our reading of it is stored (it stays: a return is not undone by a later answer that
    reads the event plainly again); the carrier's own code when that is stored and the event now reads
    as more (it is to take the new reading); None when the event is not stored."""
    readings = READINGS.get(shipment.carrier, ())
    if not readings:
        return None
    if code not in readings:
        return False if any((shipment.id, r, ev.occurred_at) in existing for r in readings) else None
    own = None if ev.carrier_code is None else ev.carrier_code[:64]
    return own if own is not None and own != code and (shipment.id, own, ev.occurred_at) in existing else None


def parcel_ended(shipment):
    """Has this parcel reached its own end (nothing more to poll for)?

    A delivered cash-on-delivery parcel has not: it is followed until the carrier has paid the
    money out to the shop.
    """
    if shipment.status == statuses.DELIVERED and shipment.cod_state != COD_PAID_OUT:
        return shipment.cod_state is None and not shipment.order.cod_amount
    return shipment.status in statuses.PARCEL_ENDS


def apply_events(shipment, result, new, counts, *, now, simulated=False, policy=None, parcels=None):
    """Move the parcel and its order for the new events (stored and flushed), set the order's
    flags, plan the next poll.

    ``parcels`` is {shipment id: status} of every parcel of the order (read from the order's
    shipments when not given); the order moves as ``statuses.order_status_from_parcels`` says, so
    one parcel's end neither ends the order nor stops the other parcels being tracked.
    """
    order = shipment.order
    if new is None:  # not found
        shipment.next_sync_at = next_sync(shipment, order, now, simulated=simulated, policy=policy)
        return
    if result.events:
        latest = result.events[-1]
        shipment.last_raw_status, shipment.last_raw_text = latest.code[:64], (latest.text or "")[:500] or None
    if getattr(shipment, "is_return", False):
        _apply_return_parcel(shipment, result, new, now=now, simulated=simulated, policy=policy)
        return
    if parcels is None:
        parcels = {s.id: s.status for s in order.shipments}
    parcels[shipment.id] = shipment.status
    version_before = order.version
    flagged = None
    for carrier_event, mapped in new:
        if mapped is None:
            continue
        flagged = (carrier_event, mapped)
        if statuses.is_forward(shipment.status, mapped.status):
            shipment.status = parcels[shipment.id] = mapped.status
        if mapped.cod and shipment.cod_state != COD_PAID_OUT:
            shipment.cod_state = mapped.cod
        if mapped.refused:
            returns.record_refusal(shipment, at=carrier_event.occurred_at,
                                   reason=carrier_event.raw_text or carrier_event.raw_code)
        target = statuses.order_status_from_parcels(parcels.values())
        if carrier_event.id is None or not statuses.is_forward(order.status, target):
            continue  # an older step the order has already passed
        try:
            moved = lifecycle.change_status(
                order, target, source="carrier", actor=shipment.carrier, at=carrier_event.occurred_at,
                carrier_event=carrier_event,
                note=carrier_note(shipment.carrier, carrier_event.raw_code, carrier_event.raw_text)
                if target in statuses.NEEDS_REASON else None,
                # a refusal's return gets its reason, as staff would give it
                reason_code=returns.REFUSED_AT_PICKUP if mapped.refused and target == statuses.RETURNED else None)
        except lifecycle.LifecycleError as error:
            counts.error(problem("move_refused", number=shipment.tracking_number, event=carrier_event.raw_code,
                                 current=getattr(error, "current", None) or order.status, target=target,
                                 detail=None if isinstance(error, lifecycle.IllegalTransition)
                                 else error.__class__.__name__))
            continue
        if moved is not None:
            counts.status_changes += 1
    if shipment.active and parcel_ended(shipment):
        shipment.active = False
    if flagged is not None and not order.is_terminal:
        carrier_event, mapped = flagged
        lifecycle.set_flags(
            order, at_pickup_point=mapped.at_pickup_point if order.status == statuses.IN_TRANSIT else None,
            problem=mapped.problem,
            problem_note=carrier_note(shipment.carrier, carrier_event.raw_code, carrier_event.raw_text)[:500])
    visible = bool(new)
    if result.scheduled_delivery_date and result.scheduled_delivery_date != shipment.scheduled_delivery_date:
        shipment.scheduled_delivery_date = result.scheduled_delivery_date
        if getattr(order, "promised_date", False) is None and not order.is_terminal:
            order.promised_date = result.scheduled_delivery_date  # the first date the customer sees
        visible = True
    if result.storage_until != shipment.storage_until:
        shipment.storage_until = result.storage_until  # a carrier that gives none clears it
        visible = True
    if visible and order.version == version_before:
        lifecycle.touch(order)
    shipment.next_sync_at = next_sync(shipment, order, now, simulated=simulated, policy=policy,
                                      last_event_at=result.events[-1].occurred_at if result.events else None)


def _apply_return_parcel(shipment, result, new, *, now, simulated, policy):
    """A parcel on its way back to the shop moves only itself: its order stays where it is
    (``app.returns`` tells the customer, and receives the return when it arrives)."""
    for _carrier_event, mapped in new:
        if mapped is not None and statuses.is_forward(shipment.status, mapped.status):
            shipment.status = mapped.status
    if result.scheduled_delivery_date and result.scheduled_delivery_date != shipment.scheduled_delivery_date:
        shipment.scheduled_delivery_date = result.scheduled_delivery_date
    if shipment.active and shipment.status in statuses.PARCEL_ENDS:
        shipment.active = False
    shipment.next_sync_at = next_sync(shipment, shipment.order, now, simulated=simulated, policy=policy,
                                      last_event_at=result.events[-1].occurred_at if result.events else None)


def _way_back_news(shipment, result, new):
    """Has this answer news for ``app.returns`` (a refusal, a return waybill, a parcel coming back)?"""
    if new is None:
        return False
    if getattr(shipment, "is_return", False):
        return bool(new)
    # the waybill created on the basis of this one counts only beside a refusal: it may be a redirection
    refusal = shipment.status == statuses.RETURNED or bool(result.returned_goods)
    return refusal and bool(new or result.return_number)


def polling(simulated=False):
    """(base interval, simulated step) for ``next_sync``, read once per run."""
    base = timedelta(minutes=float(setting("SYNC_INTERVAL_MINUTES", 15)))
    step = timedelta(minutes=max(0.25, float(setting("SANDBOX_STEP_MINUTES", 2.0)) / 2))
    return base, step if simulated else None


def next_sync(shipment, order, now, *, simulated=False, last_event_at=None, policy=None):
    """Adaptive polling: every interval near delivery, rarer for parcels that have not moved in days."""
    if not shipment.active:
        return None
    base, step = policy or polling(simulated)
    if simulated:
        return now + (step or polling(True)[1])
    near = order.at_pickup_point or (shipment.scheduled_delivery_date is not None
                                     and shipment.scheduled_delivery_date <= (now + timedelta(days=1)).date())
    if near or last_event_at is None:
        return now + base
    idle = now - last_event_at
    if idle > timedelta(days=7):
        return now + base * 12
    if idle > timedelta(days=3):
        return now + base * 4
    if idle > timedelta(days=1):
        return now + base * 2
    return now + base


# ---- one carrier -------------------------------------------------------------------------------

def _state(code):
    row = db.session.get(CarrierState, code)
    if row is None:
        row = CarrierState(carrier=code, breaker_state="closed", consecutive_failures=0, quota_used=0)
        db.session.add(row)
    return row


def due_shipments(code, now, limit=None):
    query = (select(Shipment.id, Shipment.tracking_number, Shipment.created_at, Customer.phone, Order.status,
                    Order.status_changed_at, Order.delivery_city, Order.delivery_country, Order.delivery_pickup_point)
             .join(Order, Shipment.order_id == Order.id).join(Customer, Order.customer_id == Customer.id)
             .where(Shipment.carrier == code, Shipment.active.is_(True),
                    or_(Shipment.next_sync_at.is_(None), Shipment.next_sync_at <= now))
             .order_by(Shipment.next_sync_at.is_(None).desc(), Shipment.next_sync_at, Shipment.id))
    if limit:
        query = query.limit(limit)
    return db.session.execute(query).all()


class _Parcel:
    """A shipment's row as the chunk reads and changes it (a plain record, not an ORM object).

    A chunk touches hundreds of shipments; as ORM objects their loading and change tracking
    cost more than the rest of the sync. The changed columns are written back in one
    statement per set of columns.
    """

    COLUMNS = ("id", "order_id", "carrier", "tracking_number", "scheduled_delivery_date", "active", "status",
               "cod_state", "refused_at", "storage_until", "is_return")

    def __init__(self, row, order):
        self.__dict__.update(zip(self.COLUMNS, row), order=order, changes={})

    def __setattr__(self, name, value):
        self.changes[name] = value
        object.__setattr__(self, name, value)


def _write_parcels(parcels):
    table = Shipment.__table__
    groups = {}
    for parcel in parcels:
        if parcel.changes:
            groups.setdefault(tuple(sorted(parcel.changes)), []).append(dict(parcel.changes, b_id=parcel.id))
    for names, rows in groups.items():
        db.session.execute(table.update().where(table.c.id == bindparam("b_id"))
                           .values({name: bindparam(name) for name in names}), rows)


def _apply_chunk(pairs, counts, now, simulated, mapper=None):
    """``pairs``: (shipment id, TrackResult). One transaction; retried once if a push raced us.

    A chunk makes tens of thousands of short-lived objects; the garbage collector's thresholds set
    by ``app.runtime.tune_gc`` (serving, ``sync-carriers``) keep it from scanning the heap for them.
    """
    policy = polling(simulated)
    for attempt in range(2):
        ids = [shipment_id for shipment_id, _ in pairs]
        rows = db.session.execute(select(*(getattr(Shipment, c) for c in _Parcel.COLUMNS),
                                         Order.status.label("order_status"), Order.at_pickup_point, Order.version,
                                         Order.cod_amount)
                                  .join(Order).where(Shipment.id.in_(ids))).all()
        # What the order looks like, enough to plan the next poll; the order itself is loaded
        # only for parcels with news (most parcels, most of the time, have none)
        parcels = {row.id: _Parcel(row, SimpleNamespace(
            id=row.order_id, status=row.order_status, at_pickup_point=row.at_pickup_point, version=row.version,
            cod_amount=row.cod_amount, is_terminal=row.order_status in statuses.TERMINAL)) for row in rows}
        existing = set(db.session.execute(
            select(CarrierEvent.shipment_id, CarrierEvent.raw_code, CarrierEvent.occurred_at)
            .where(CarrierEvent.shipment_id.in_(ids))).all())
        trial = Counts()
        new_rows = []
        with db.session.no_autoflush:
            stored = [(parcels[sid], result, store_events(parcels[sid], result, trial, now=now, existing=existing,
                                                         simulated=simulated, bulk_rows=new_rows, mapper=mapper))
                      for sid, result in pairs if sid in parcels]
        news = {parcel.order.id for parcel, result, new in stored
                if new or (result.scheduled_delivery_date
                           and result.scheduled_delivery_date != parcel.scheduled_delivery_date)
                or (new is not None and result.storage_until != parcel.storage_until)}
        siblings = {}  # order id → {shipment id: status} of every parcel of the orders with news
        if news:
            orders = {o.id: o for o in db.session.execute(
                select(Order).where(Order.id.in_(news)).options(joinedload(Order.customer))).scalars()}
            for parcel in parcels.values():
                if parcel.order.id in orders:
                    object.__setattr__(parcel, "order", orders[parcel.order.id])
            for sid, order_id, status in db.session.execute(
                    select(Shipment.id, Shipment.order_id, Shipment.status).where(
                        Shipment.order_id.in_(news), Shipment.is_return.is_(False))):
                siblings.setdefault(order_id, {})[sid] = status
        try:
            if new_rows:
                db.session.execute(db.insert(CarrierEvent), new_rows)
            _fill_ids(stored)  # also the events stored before that took a new reading (``_stored_reading``)
            with db.session.no_autoflush, lifecycle.announced_together():
                for parcel, result, new in stored:
                    apply_events(parcel, result, new, trial, now=now, simulated=simulated, policy=policy,
                                 parcels=siblings.get(parcel.order.id, {}))
            _write_parcels(parcels.values())
            way_back = [(parcel.id, result) for parcel, result, new in stored if _way_back_news(parcel, result, new)]
            for shipment_id, result in way_back:  # rare: loaded as ORM objects one by one
                returns.from_carrier(db.session.get(Shipment, shipment_id, populate_existing=True), result)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            if attempt:
                counts.error(problem("concurrent_update"))
                return
            continue
        for name in COUNTS[1:]:  # the chunk's parcels were counted as the carrier answered
            setattr(counts, name, getattr(counts, name) + getattr(trial, name))
        counts.errors.extend(trial.errors[:MAX_ERROR_LINES - len(counts.errors)])
        counts.not_found_numbers.extend(trial.not_found_numbers)
        return


def _fill_ids(stored):
    """Give the bulk-inserted events that may move their order (as far as its status is now) their ids
    (the history refers to them)."""
    waiting = {(e.shipment_id, e.raw_code, e.occurred_at): e for shipment, _result, new in stored
               for e, mapped in (new or ())
               if mapped is not None and statuses.is_forward(shipment.order.status, mapped.status)}
    if not waiting:
        return
    for row in db.session.execute(
            select(CarrierEvent.id, CarrierEvent.shipment_id, CarrierEvent.raw_code, CarrierEvent.occurred_at)
            .where(CarrierEvent.shipment_id.in_({key[0] for key in waiting}))):
        event = waiting.get((row.shipment_id, row.raw_code, row.occurred_at))
        if event is not None:
            event.id = row.id


def _stored_events(ids):
    """{shipment id: ((code, time), ...)} oldest first: where each simulated journey stands."""
    known = {}
    for i in range(0, len(ids), 1000):
        for row in db.session.execute(
                select(CarrierEvent.shipment_id, CarrierEvent.raw_code, CarrierEvent.occurred_at)
                .where(CarrierEvent.shipment_id.in_(ids[i:i + 1000]))
                .order_by(CarrierEvent.occurred_at, CarrierEvent.id)):
            known.setdefault(row.shipment_id, []).append((row.raw_code, row.occurred_at))
    return {key: tuple(value) for key, value in known.items()}


def _postpone(ids, now):
    if ids:
        retry_at = now + timedelta(minutes=float(setting("SYNC_INTERVAL_MINUTES", 15)))
        db.session.execute(db.update(Shipment).where(Shipment.id.in_(ids)).values(next_sync_at=retry_at))
        db.session.commit()


def sync_carrier(code, *, trigger="schedule", now=None, force=False):
    """Sync one carrier's due shipments (all active ones with ``force``); returns the ``SyncRun`` or None."""
    now = now or utcnow()
    config = carrier_settings(code)
    state_name = status(code, config)
    if state_name in ("off", "not_configured"):
        return None
    # The shop's overrides, read now, before any transaction: a settings read inside a chunk's write
    # transaction could wait on another carrier's thread, which waits for that transaction's lock
    mapper = overrides.mapper()
    # A parcel due a moment after this tick would otherwise wait a whole extra tick: take what falls
    # due within the next half tick too.
    horizon = now + timedelta(seconds=float(setting("SYNC_TICK_SECONDS", 60)) / 2)
    rows = due_shipments(code, utcnow() + timedelta(days=3650) if force else horizon,
                         limit=int(setting("SYNC_MAX_PER_RUN", 20000)))
    if not rows:
        return None
    simulated = config.mode == "simulated"
    state = _state(code)
    # "running" until the end is recorded: a run whose process dies stays so, and is shown interrupted
    run = SyncRun(carrier=code, trigger=trigger, started_at=utcnow(), outcome="running", **dict.fromkeys(COUNTS, 0))
    db.session.add(run)
    counts = Counts()
    threshold = int(setting("CARRIER_BREAKER_THRESHOLD", 5))
    cooldown = timedelta(seconds=float(setting("CARRIER_BREAKER_COOLDOWN_SECONDS", 300)))
    probe = False
    if state.breaker_state in ("open", "half_open") and not simulated:
        if state.open_until and state.open_until > now:
            run.outcome, run.finished_at = "skipped", utcnow()
            run.errors = problem("breaker_paused", time=state.open_until).stored()
            db.session.commit()
            return run
        state.breaker_state, probe = "half_open", True
    if code == "dhl" and not simulated:
        quota = int(setting("DHL_DAILY_QUOTA", 250))
        if state.quota_day != now.date():
            state.quota_day, state.quota_used = now.date(), 0
        remaining = max(0, quota - (state.quota_used or 0))
        if remaining < len(rows):
            counts.error(problem("quota_reached", quota=quota, waiting=len(rows) - remaining))
            _postpone([r.id for r in rows[remaining:]], now)
            rows = rows[:remaining]
        state.quota_used = (state.quota_used or 0) + len(rows)
    known = _stored_events([r.id for r in rows]) if simulated else {}
    db.session.flush()
    # read before the commit: an expired attribute read after it would begin a transaction again
    run_id, failures = run.id, state.consecutive_failures or 0
    db.session.commit()  # nothing stays open (nor holds SQLite's writer gate) while the carrier is asked

    adapter = adapter_for(code, config, now=now)
    requests = [(r.id, TrackRequest(r.tracking_number, customer_phone(r.phone), r.created_at,
                                    known=known.get(r.id, ()), status=r.status, status_at=r.status_changed_at,
                                    city=r.delivery_city or "", country=r.delivery_country or "",
                                    pickup_point=r.delivery_pickup_point or ""))
                for r in rows]
    batches = [requests[i:i + adapter.batch_size] for i in range(0, len(requests), adapter.batch_size)]
    stop = threading.Event()
    succeeded, opened, last_error = False, False, None
    pending, postponed = [], []

    def call(batch):
        if stop.is_set():
            return batch, None, None
        try:
            return batch, adapter.track([req for _, req in batch]), None
        except CarrierError as error:
            return batch, None, error
        except Exception as error:  # a bug in an adapter must not stop the other carriers
            log.exception("carrier %s adapter failed", code)
            return batch, None, CarrierError(problem("adapter_failed", detail=error.__class__.__name__))

    def handle(batch, results, error):
        nonlocal failures, succeeded, opened, last_error
        if results is None:
            postponed.extend(shipment_id for shipment_id, _ in batch)
            if error is None:
                return  # not asked: the run stopped (breaker, refused credentials)
            counts.shipments += len(batch)
            last_error = error.problem
            counts.error(last_error)
            if error.transient:
                failures += 1
            if not simulated and (failures >= threshold or (probe and not succeeded)):
                opened = True
                stop.set()
            elif isinstance(error, CarrierAuthError):
                stop.set()  # every other call would be refused too
            return
        failures, succeeded = 0, True
        counts.shipments += len(batch)
        pending.extend((shipment_id, result) for (shipment_id, _), result in zip(batch, results))
        if len(pending) >= CHUNK:
            _apply_chunk(pending[:], counts, now, simulated, mapper)
            pending.clear()

    try:
        if probe and batches:
            handle(*call(batches[0]))
            batches = batches[1:]
        if simulated or config.concurrency <= 1:
            for batch in batches:
                handle(*call(batch))
        else:
            with ThreadPoolExecutor(max_workers=config.concurrency, thread_name_prefix=f"sync-{code}") as pool:
                for future in as_completed([pool.submit(call, b) for b in batches]):
                    handle(*future.result())
        if pending:
            _apply_chunk(pending, counts, now, simulated, mapper)
        _postpone(postponed, now)
    except Exception as error:  # the database failed under us: record it, keep the others going
        log.exception("carrier %s sync failed", code)
        db.session.rollback()
        counts.error(problem("sync_stopped", detail=error.__class__.__name__))

    state = _state(code)
    state.consecutive_failures = failures
    if opened:
        state.breaker_state, state.open_until = "open", now + cooldown
    elif succeeded or not last_error:
        state.breaker_state, state.open_until = "closed", None
        state.last_success_at = utcnow()
    if last_error:
        state.last_error = last_error.stored(limit=500)
    token = getattr(adapter, "token", None)
    if code == "meest" and token and token != config.credentials.get("session_token") \
            and token != config.credentials.get("token"):
        app_settings.put("MEEST_SESSION_TOKEN", token, secret=True)
    run = db.session.get(SyncRun, run_id)
    run.finished_at = utcnow()
    for name in COUNTS:
        setattr(run, name, getattr(counts, name))
    lines = list(counts.errors)
    if counts.not_found_numbers:
        shown = ", ".join(counts.not_found_numbers[:20])
        more = len(counts.not_found_numbers) - 20
        lines.append((problem("not_found_more", numbers=shown, more=more) if more > 0
                      else problem("not_found", numbers=shown)).stored())
    if opened:
        lines.append(problem("breaker_opened", failures=failures, time=state.open_until).stored())
    run.errors = "\n".join(lines) or None
    run.outcome = "failed" if counts.error_count and not succeeded else ("partial" if counts.error_count else "ok")
    db.session.commit()
    return run


# ---- every carrier -------------------------------------------------------------------------------

def _sync_in_context(app, code, trigger, now, force):
    # A new thread starts without the caller's context variables: declare the write intent here
    # (SQLite: BEGIN IMMEDIATE). Transactions are committed before every call to a carrier.
    # One sync of a carrier at a time, across every process: the quota and the breaker are read
    # and written around the calls to the carrier.
    with app.app_context(), writing():
        try:
            with locks.exclusive(f"carrier-sync-{code}"):
                run = sync_carrier(code, trigger=trigger, now=now, force=force)
            return _summary(run) if run is not None else None
        except locks.Busy:
            log.info("carrier %s: another sync is running; this one is skipped", code)
            return dict(_EMPTY, carrier=code, outcome="busy")
        except Exception as error:
            log.exception("carrier %s sync failed", code)
            db.session.rollback()
            return dict(_EMPTY, carrier=code, outcome="failed", error_count=1,
                        errors=str(problem("sync_stopped", detail=f"{error.__class__.__name__}: {error}")))
        finally:
            db.session.remove()


#: A summary of a carrier that was not asked ("busy": another process was syncing it)
_EMPTY = {**dict.fromkeys(COUNTS, 0), "errors": None}


def _summary(run):
    """A run's totals, its errors in English (for the command line and the log; staff read the run's
    own rows in their language)."""
    return {"carrier": run.carrier, "outcome": run.outcome, "errors": problems.in_english(run.errors),
            **{n: getattr(run, n) for n in COUNTS}}


def sync_all(app=None, *, trigger="schedule", carriers=None, now=None, force=False):
    """Sync every carrier in parallel (a thread each); a summary dict per carrier that had work."""
    app = app or current_app._get_current_object()
    codes = tuple(carriers or CARRIER_CODES)
    with ThreadPoolExecutor(max_workers=len(codes), thread_name_prefix="sync") as pool:
        futures = [pool.submit(_sync_in_context, app, code, trigger, now, force) for code in codes]
        summaries = [f.result() for f in futures]
    return [s for s in summaries if s is not None]


_ATTENTION_SCAN = threading.Lock()


def scheduled_sync(app, carriers=None):
    """The scheduler's job (one per carrier): sync what is due (one log line when something happened)."""
    summaries = sync_all(app, trigger="schedule", carriers=carriers)
    if any(s["new_events"] or s["status_changes"] for s in summaries):
        from app.attention.services import scheduled_job as attention_rules

        with _ATTENTION_SCAN:  # each carrier has its own job: their scans take turns, never open one twice
            attention_rules(app)  # parcels that moved leave the Attention page at once
    if any(s["new_events"] or s["status_changes"] or s["error_count"] for s in summaries):
        log.info("carrier sync: %s", "; ".join(
            f"{s['carrier']} {s['shipments']} parcels, {s['new_events']} new events, "
            f"{s['status_changes']} status changes, {s['error_count']} errors" for s in summaries))
