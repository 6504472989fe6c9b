"""Cash on delivery (накладений платіж): the money still on its way to the shop, the parcels the
recipients refused, and the refusal rate per carrier and region.

A COD order carries ``Order.cod_amount``; each parcel's ``cod_state`` follows the carrier (Nova
Poshta 10: paid by the customer, the transfer follows; 11: paid out to the shop), and a refusal
or the end of storage sets ``refused_at``/``refusal_reason`` (``app.carriers.sync``). A sandbox API
client's test orders carry no real money: none of these lists or rates counts them (``REAL_ORDER``).
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, or_, select

from app.extensions import db
from app.orders import statuses
from app.orders.models import REAL_ORDER, Order, Shipment

ON_ITS_WAY, PAID_OUT = "on_its_way", "paid_out"
COD_LABELS = {
    None: _l("Not paid yet"),
    ON_ITS_WAY: _l("Paid by the customer, money on its way"),
    PAID_OUT: _l("Money paid out to the shop"),
}


def _waiting(*columns):
    """COD orders whose money the shop does not have yet, with each such parcel.

    Orders still travelling count (their money is expected); returned and cancelled ones do not,
    nor parcels that came back.
    """
    return (select(*columns).select_from(Order).join(Shipment, Shipment.order_id == Order.id)
            .where(REAL_ORDER, Order.cod_amount.is_not(None), Order.status.notin_((statuses.RETURNED, statuses.CANCELLED)),
                   or_(Shipment.cod_state.is_(None), Shipment.cod_state != PAID_OUT),
                   or_(Shipment.status.is_(None), Shipment.status != statuses.RETURNED),
                   Shipment.is_return.is_(False)))  # a parcel back to the shop carries no payment


def money_on_its_way(limit=500):
    """(order, shipment) of COD orders whose money the shop does not have yet (``_waiting``), oldest first."""
    return db.session.execute(_waiting(Order, Shipment).order_by(Order.created_at, Shipment.id).limit(limit)).all()


def parcels_on_their_way():
    """How many parcels ``money_on_its_way`` would list without its limit."""
    return db.session.execute(select(func.count()).select_from(_waiting(Shipment.id).subquery())).scalar_one()


def money_on_its_way_totals():
    """[(currency, amount)] still on its way, every such order counted once (an order of two parcels is
    one amount) and all of them, not only the ones the page lists; per currency, the shop's orders
    may be in several."""
    orders = _waiting(Order.id).distinct().subquery()
    return db.session.execute(
        select(Order.currency, func.sum(Order.cod_amount)).where(Order.id.in_(select(orders.c.id)))
        .group_by(Order.currency).order_by(func.sum(Order.cod_amount).desc(), Order.currency)).all()


def refused_parcels(limit=200):
    """(order, shipment) of parcels the recipient refused (or left in storage), newest first."""
    return db.session.execute(
        select(Order, Shipment).join(Shipment, Shipment.order_id == Order.id)
        .where(REAL_ORDER, Shipment.refused_at.is_not(None), Shipment.is_return.is_(False))
        .order_by(Shipment.refused_at.desc()).limit(limit)).all()


def refusal_rates(start=None, end=None):
    """[(carrier, region, ended parcels, refused, rate)] per carrier and destination region.

    Of the parcels that reached an end (delivered or back) among orders created in ``[start, end)``
    (all orders without bounds), the share the recipient refused. Region None is the carrier's total,
    "" its orders typed without a region.
    """
    ended = Shipment.status.in_((statuses.DELIVERED, statuses.RETURNED)) & Shipment.is_return.is_(False)
    refused = func.sum(case((Shipment.refused_at.is_not(None), 1), else_=0))
    period = [c for c in (start is not None and Order.created_at >= start,
                          end is not None and Order.created_at < end) if c is not False]
    region = func.coalesce(Order.delivery_region, "")
    results = []
    for group in ((Shipment.carrier, region), (Shipment.carrier,)):
        query = (select(*group, func.count(), refused).join(Order, Shipment.order_id == Order.id)
                 .where(REAL_ORDER, ended, *period).group_by(*group))
        for row in db.session.execute(query):
            carrier, place = row[0], (row[1] if len(group) == 2 else None)
            count, refusals = row[-2], int(row[-1] or 0)
            results.append((carrier, place, count, refusals, refusals / count if count else 0.0))
    results.sort(key=lambda r: (r[0], r[1] is not None, r[1] or ""))
    return results
