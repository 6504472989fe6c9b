"""The retention policy: what is anonymised or deleted, and when.

* Orders finished (delivered, returned, cancelled) more than ``RETENTION_MONTHS`` ago lose
  their personal data — contact details, addresses, free-text notes, parcel numbers, carrier
  locations and the notes in their audit rows — and keep number, items, totals, dates and
  statuses, so sales and delivery statistics stay true.
* Guest customers (no log-in) whose orders are all anonymised, and who have been known for
  longer than the same period, are anonymised too. Customers with an account keep it until
  they erase it.
* Log-in sessions that can no longer be used are deleted; audit rows older than
  ``AUDIT_RETENTION_MONTHS`` are deleted.

Each rule previews what its next run touches, and works in small committed batches so a
large first run does not hold SQLite's write lock for long.
"""
import logging

from flask import current_app
from flask_babel import lazy_gettext as _l

from app import settings
from app.audit import AuditLog
from app.auth.sessions import UserSession, expired_rows
from app.clock import utcnow
from app.database import writing
from app.extensions import db
from app.orders import statuses
from app.orders.models import Customer, Order
from app.privacy.registry import RetentionRule, anonymise, count, months_before, register_rule, rules

log = logging.getLogger(__name__)
BATCH = 200
DELETE_BATCH = 500


def order_cutoff(now):
    return months_before(now, settings.get_int("RETENTION_MONTHS"))


def _expired_orders(now):
    return (db.select(Order).where(Order.status.in_(statuses.TERMINAL), Order.status_changed_at < order_cutoff(now),
                                   Order.anonymised_at.is_(None)).order_by(Order.id))


def _in_batches(select_rows, change):
    """``apply(now)``: ``change(row, now)`` each row ``select_rows(now)`` finds (rows it changes drop out
    of the select), committing every ``BATCH`` rows."""
    def apply(now):
        done = 0
        while batch := db.session.execute(select_rows(now).limit(BATCH)).scalars().all():
            for row in batch:
                change(row, now)
            db.session.commit()
            done += len(batch)
        return done
    return apply


def delete_rule(name, label, select_rows, model, before=None):
    """Register a rule that deletes the rows ``select_rows(now)`` finds, in committed batches (``before(ids)``
    first)."""
    def apply(now):
        ids = db.session.execute(select_rows(now).with_only_columns(model.id).order_by(model.id)).scalars().all()
        for start in range(0, len(ids), DELETE_BATCH):
            chunk = ids[start:start + DELETE_BATCH]
            if before is not None:
                before(chunk)
            db.session.execute(db.delete(model).where(model.id.in_(chunk)).execution_options(
                synchronize_session=False))
            db.session.commit()
        return len(ids)
    register_rule(RetentionRule(name, label, preview=lambda now: count(select_rows(now)), apply=apply))


def anonymise_order(order, now):
    """Blank the personal columns of an order and of everything that hangs on it."""
    from app.privacy.logs import scrub_parcel_numbers

    scrub_parcel_numbers([shipment.tracking_number for shipment in order.shipments])
    anonymise(order, now)
    for shipment in order.shipments:
        anonymise(shipment, now)
        for event in shipment.events:
            anonymise(event, now)
    for event in order.history:
        anonymise(event, now)
    audit_rows = db.session.execute(db.select(AuditLog).where(
        AuditLog.object_type == "order", AuditLog.object_id == str(order.id))).scalars()
    for row in audit_rows:
        anonymise(row, now)


def _expired_guests(now):
    open_orders = db.select(Order.id).where(Order.customer_id == Customer.id, Order.anonymised_at.is_(None))
    return (db.select(Customer).where(Customer.user_id.is_(None), Customer.anonymised_at.is_(None),
                                      Customer.created_at < order_cutoff(now), ~open_orders.exists())
            .order_by(Customer.id))


def _anonymise_guest(customer, now):
    anonymise(customer, now)
    for row in db.session.execute(db.select(AuditLog).where(
            AuditLog.object_type == "customer", AuditLog.object_id == str(customer.id))).scalars():
        anonymise(row, now)


def _old_audit(now):
    return db.select(AuditLog).where(
        AuditLog.created_at < months_before(now, current_app.config["AUDIT_RETENTION_MONTHS"]))


register_rule(RetentionRule(
    "orders", _l("Finished orders: names, contacts, addresses, notes and parcel numbers are anonymised"),
    preview=lambda now: count(_expired_orders(now)), apply=_in_batches(_expired_orders, anonymise_order),
    sample=lambda now: db.session.execute(_expired_orders(now).with_only_columns(Order.number).limit(20))
    .scalars().all()))
register_rule(RetentionRule(
    "customers", _l("Customers without an account whose orders are all anonymised"),
    preview=lambda now: count(_expired_guests(now)), apply=_in_batches(_expired_guests, _anonymise_guest)))
delete_rule("sessions", _l("Ended or expired log-in sessions are deleted"), expired_rows, UserSession)
delete_rule("audit", _l("Audit log entries past their retention period are deleted"), _old_audit, AuditLog)


def preview(now=None):
    """``[(rule, count, sample)]``: what the next run would touch."""
    now = now or utcnow()
    return [(rule, rule.preview(now), rule.sample(now)) for rule in rules()]


def run(now=None):
    """Apply every rule now; returns ``{rule name: rows touched}``. Commits as it goes."""
    now = now or utcnow()
    counts = {}
    with writing():
        for rule in rules():
            counts[rule.name] = rule.apply(now)
    if any(counts.values()):  # a run that touched nothing says nothing
        log.info("retention run: %s", ", ".join(f"{name}={count}" for name, count in counts.items()))
    return counts


def scheduled_job(app):
    """The daily scheduled run (see ``app/scheduler.py``)."""
    run()

