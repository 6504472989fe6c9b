"""The order statuses and the transition rules of ``shared/spec/status-model.md``.

This module is data and pure functions only; ``lifecycle.change_status`` applies them.
"""
from flask_babel import lazy_pgettext

NEW = "new"
AWAITING_SHIPMENT = "awaiting_shipment"
SHIPPED = "shipped"
IN_TRANSIT = "in_transit"
DELIVERED = "delivered"
RETURNED = "returned"
CANCELLED = "cancelled"

#: The five steps drawn on the progress bar, in order.
CHAIN = (NEW, AWAITING_SHIPMENT, SHIPPED, IN_TRANSIT, DELIVERED)
ALL = CHAIN + (RETURNED, CANCELLED)
TERMINAL = frozenset({DELIVERED, RETURNED, CANCELLED})
#: Where a status sits on the way (a return comes after everything); cancelled has no place
RANK = {s: i for i, s in enumerate(CHAIN)} | {RETURNED: len(CHAIN)}
#: Terminal states that end the order's journey (no further moves, even return).
FINAL = frozenset({RETURNED, CANCELLED})
NEEDS_REASON = frozenset({RETURNED, CANCELLED})
#: Statuses in which a shipment is with the carrier and worth polling.
ACTIVE_SHIPPING = frozenset({AWAITING_SHIPMENT, SHIPPED, IN_TRANSIT})

LABELS = {
    NEW: lazy_pgettext("status", "New"),
    AWAITING_SHIPMENT: lazy_pgettext("status", "Awaiting shipment"),
    SHIPPED: lazy_pgettext("status", "Shipped"),
    IN_TRANSIT: lazy_pgettext("status", "On the way to you"),
    DELIVERED: lazy_pgettext("status", "Delivered"),
    RETURNED: lazy_pgettext("status", "Returned"),
    CANCELLED: lazy_pgettext("status", "Cancelled"),
}

SOURCES = ("customer", "staff", "carrier", "api", "import", "system")
SOURCE_LABELS = {
    "customer": lazy_pgettext("source", "Customer"),
    "staff": lazy_pgettext("source", "Shop staff"),
    "carrier": lazy_pgettext("source", "Carrier"),
    "api": lazy_pgettext("source", "Shop system (API)"),
    "import": lazy_pgettext("source", "Import"),
    "system": lazy_pgettext("source", "System"),
}

#: What each source may ask for at all (the transition rules still apply on top).
SOURCE_TARGETS = {
    "customer": frozenset({DELIVERED}),
    "carrier": frozenset({AWAITING_SHIPMENT, SHIPPED, IN_TRANSIT, DELIVERED, RETURNED}),
    "staff": frozenset(ALL),
    "api": frozenset(ALL),
    "import": frozenset(ALL),
    "system": frozenset(ALL),
}


#: Where a parcel's journey ends (a parcel is never "cancelled" by its carrier, but staff may drop one)
PARCEL_ENDS = frozenset({DELIVERED, RETURNED, CANCELLED})


def order_status_from_parcels(parcels):
    """The status the parcels' own statuses (None: no news yet) put their order in, or None.

    The order is delivered when every parcel has ended and at least one was delivered (a returned
    parcel of such an order is a partial return); returned when all ended and none was delivered.
    While some travel, the order is where its slowest travelling parcel is (at most in transit).
    """
    parcels = list(parcels)
    if parcels and all(p in PARCEL_ENDS for p in parcels):
        if DELIVERED in parcels:
            return DELIVERED
        return RETURNED if RETURNED in parcels else None
    travelling = [p for p in parcels if p and p not in PARCEL_ENDS]
    if not travelling:
        return IN_TRANSIT if any(p in PARCEL_ENDS for p in parcels) else None
    return min(travelling + [IN_TRANSIT] * any(p in PARCEL_ENDS for p in parcels), key=RANK.__getitem__)


def label(status):
    return LABELS.get(status, status)


def allowed_next(current):
    """Statuses reachable from ``current`` by an ordinary (non-correction) move."""
    nxt = []
    if current in CHAIN and current != DELIVERED:
        nxt.extend(CHAIN[CHAIN.index(current) + 1:])
    if current in (NEW, AWAITING_SHIPMENT):
        nxt.append(CANCELLED)
    if current in (SHIPPED, IN_TRANSIT, DELIVERED):
        nxt.append(RETURNED)
    return tuple(nxt)


def puts_on_the_way(current, target):
    """Does the move from ``current`` to ``target`` send the order off (to shipped or further along
    the chain) from before shipping? Such a move needs the order's parcel, or an explicit choice to
    ship without a tracking number."""
    return (current in (NEW, AWAITING_SHIPMENT) and target in CHAIN
            and CHAIN.index(target) >= CHAIN.index(SHIPPED))


def is_forward(current, target):
    """Does ``target`` lie ahead of ``current``? A carrier never moves an order or a parcel backwards:
    an event behind the status is history only. A status without a place on the way counts as ahead."""
    if not target or target == current:
        return False
    return current not in RANK or target not in RANK or RANK[target] > RANK[current]


def step_index(status):
    """Position on the five-step bar; returned/cancelled have none."""
    return CHAIN.index(status) if status in CHAIN else None
