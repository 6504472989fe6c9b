"""Each real order's stages, kept beside its history so that the analytics read a year in well under a second.

An ``OrderStage`` is one history row with what the figures need worked out once: how long the
order stayed in that status (until its next history row), how long after the hand-over to the
carrier the row came, and when the order next entered the same status (a delivery corrected and
delivered again: an order's last delivery in a period is then one condition on an index).
Working these out at read time (a window over every history row of the period, per request) took
about 4 s for a year at 100,000 orders on SQLite.

The rows of an order are rebuilt from its history whenever its status changes (a receiver of
``lifecycle.status_changed``, in the same transaction), so a carrier event dated before the last
one still lands in the right place. ``rebuild`` does it for every order (after a bulk load). A sandbox
API client's test orders have none (``orders.models.REAL_ORDER``): no figure counts them.
"""
from sqlalchemy import bindparam, event, inspect, text, update
from sqlalchemy.orm import Session

from app.extensions import db
from app.orders.models import Order, real_order_sql

#: The delivery indexes hold the "delivered" rows only (a partial index; a query names the status literally).
DELIVERED_ONLY = {"sqlite_where": text("status = 'delivered'"), "postgresql_where": text("status = 'delivered'")}


class OrderStage(db.Model):
    __tablename__ = "order_stages"
    __table_args__ = (
        # a period's stage lengths of one status, without reading the table (order_id: cancelled orders left out)
        db.Index("ix_order_stages_status_entered", "status", "entered_at", "seconds", "order_id"),
        # deliveries of a period without reading the table: each order's last delivery in the period is the
        # row whose next delivery (next_same_at) is after the period or never came
        db.Index("ix_order_stages_delivered", "status", "entered_at", "next_same_at", "order_id", "carrier", "region",
                 "since_handover", **DELIVERED_ONLY),
    )
    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True)
    status = db.Column(db.String(20), nullable=False)
    entered_at = db.Column(db.DateTime, nullable=False)
    #: Seconds until the order's next history row; None while this is its latest.
    seconds = db.Column(db.Float)
    #: Seconds since the order's first "shipped" or "on the way" row (None before the hand-over).
    since_handover = db.Column(db.Float)
    #: When the order next entered this same status (a correction: delivered again); None if it has not.
    next_same_at = db.Column(db.DateTime)
    #: The order's carrier and destination region (kept equal to the order's by ``_follow_orders``).
    carrier = db.Column(db.String(20))
    region = db.Column(db.String(120))


def seconds_between(earlier, later):
    """Seconds from the timestamp column ``earlier`` to ``later``, as SQL."""
    if db.engine.dialect.name == "postgresql":
        return f"CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS DOUBLE PRECISION)"
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


def _insert_sql(where):
    return f"""
        INSERT INTO order_stages (order_id, status, entered_at, seconds, since_handover, next_same_at, carrier, region)
        SELECT h.order_id, h.status, h.created_at, {seconds_between('h.created_at', 'h.next_at')},
               {seconds_between('h.handover_at', 'h.created_at')}, h.next_same_at, o.delivery_carrier, o.delivery_region
        FROM (SELECT order_id, status, created_at,
                     LEAD(created_at) OVER (PARTITION BY order_id ORDER BY created_at, id) AS next_at,
                     LEAD(created_at) OVER (PARTITION BY order_id, status ORDER BY created_at, id) AS next_same_at,
                     MIN(CASE WHEN status IN ('shipped', 'in_transit') THEN created_at END)
                         OVER (PARTITION BY order_id ORDER BY created_at, id ROWS UNBOUNDED PRECEDING) AS handover_at
              FROM status_events {where}) AS h
        JOIN orders AS o ON o.id = h.order_id
        WHERE {real_order_sql('h.order_id')}"""


def refresh(order_ids):
    """Rebuild the stages of these orders from their history (in the caller's transaction)."""
    ids = sorted({int(i) for i in order_ids if i is not None})
    if not ids:
        return
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        param = bindparam("ids", expanding=True)
        db.session.execute(text("DELETE FROM order_stages WHERE order_id IN :ids").bindparams(param), {"ids": chunk})
        db.session.execute(text(_insert_sql("WHERE order_id IN :ids")).bindparams(param), {"ids": chunk})


def rebuild():
    """Rebuild every order's stages (after history was written without the lifecycle, e.g. a bulk load)."""
    db.session.execute(text("DELETE FROM order_stages"))
    db.session.execute(text(_insert_sql("")))


def on_status_changed(_sender=None, *, changes, **_kwargs):
    """Receiver of ``lifecycle.status_changed``: the changed orders' stages follow their history."""
    db.session.flush()  # a single change's history row is still in the session
    refresh(order.id for order, _event in changes)


@event.listens_for(Session, "after_flush")
def _follow_orders(session, _context):
    """An order whose carrier or region was edited: its stages say the same (in the same flush)."""
    changed = [order for order in session.dirty if isinstance(order, Order) and any(
        inspect(order).attrs[name].history.has_changes() for name in ("delivery_carrier", "delivery_region"))]
    for order in changed:
        session.execute(update(OrderStage).where(OrderStage.order_id == order.id)
                        .values(carrier=order.delivery_carrier, region=order.delivery_region))
