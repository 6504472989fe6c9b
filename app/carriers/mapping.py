"""Carrier codes → shop status and the two flags (at the pickup point, problem/delayed).

Plain data, one table per carrier, following ``shared/spec/carriers.md`` §7. Change a line here
to change how a code is read. ``status=None`` means the code is known but moves nothing. A code
missing from its table is *unmapped*: kept as a carrier event, moves nothing, listed for the admin.
"""
from typing import NamedTuple

AWAITING, SHIPPED, IN_TRANSIT, DELIVERED, RETURNED = (
    "awaiting_shipment", "shipped", "in_transit", "delivered", "returned")


class Mapped(NamedTuple):
    status: str | None
    at_pickup_point: bool = False
    problem: bool = False


def _all(codes, mapped):
    return {str(code): mapped for code in codes}


NOVA_POSHTA = {
    "1": Mapped(AWAITING),                          # waybill created, not handed over
    "12": Mapped(AWAITING),                         # NP is packing the shipment
    "2": Mapped(None, problem=True),                # waybill deleted
    "3": Mapped(None, problem=True),                # number not found (adapter reads it as "not found")
    "4": Mapped(SHIPPED), "41": Mapped(SHIPPED),    # in the sender's city
    "5": Mapped(IN_TRANSIT), "6": Mapped(IN_TRANSIT), "101": Mapped(IN_TRANSIT),
    "104": Mapped(IN_TRANSIT), "112": Mapped(IN_TRANSIT),
    "7": Mapped(IN_TRANSIT, at_pickup_point=True),  # at the branch
    "8": Mapped(IN_TRANSIT, at_pickup_point=True),  # in a parcel locker
    "9": Mapped(DELIVERED), "10": Mapped(DELIVERED), "11": Mapped(DELIVERED), "106": Mapped(DELIVERED),
    "102": Mapped(RETURNED), "103": Mapped(RETURNED), "105": Mapped(RETURNED),
    "111": Mapped(IN_TRANSIT, problem=True),        # failed delivery attempt
}

UKRPOSHTA = {
    "10100": Mapped(SHIPPED),
    "20700": Mapped(IN_TRANSIT), "20800": Mapped(IN_TRANSIT), "21500": Mapped(IN_TRANSIT),
    "21700": Mapped(IN_TRANSIT, at_pickup_point=True), "21400": Mapped(IN_TRANSIT, at_pickup_point=True),
    "41000": Mapped(DELIVERED), "48000": Mapped(DELIVERED),
    "31100": Mapped(None, problem=True), "31300": Mapped(None, problem=True), "31400": Mapped(None, problem=True),
}
#: 41000 "handed over" with this reason means handed back to the sender
UKRPOSHTA_RETURN_REASON_IDS = {"10"}
UKRPOSHTA_RETURN_REASON_TEXT = "відправнику"

MEEST = {
    "2": Mapped(AWAITING),
    "3": Mapped(None, problem=True),
    **_all((101, 606, 8081), Mapped(SHIPPED)),
    **_all((202, 303, 404, 405, 505, 808, 1100, 1315, 1621, 2225, 2226, 2230, 2432, 2533), Mapped(IN_TRANSIT)),
    **_all((1213, 1214, 1215, 1216), Mapped(IN_TRANSIT, at_pickup_point=True)),
    "1622": Mapped(DELIVERED),
    "1825": Mapped(RETURNED),
    **_all((109, 707, 1521), Mapped(None, problem=True)),   # on the way back to the sender
    **_all((1620, 1623, 1624, 1625, 1626, 1627, 1628, 2331, 5051), Mapped(None, problem=True)),
}

DHL = {
    "pre-transit": Mapped(AWAITING),
    "transit": Mapped(IN_TRANSIT),
    "delivered": Mapped(DELIVERED),
    "failure": Mapped(None, problem=True),
    "unknown": Mapped(None, problem=True),
}

INPOST = {
    **_all(("created", "offers_prepared", "offer_selected", "confirmed"), Mapped(AWAITING)),
    **_all(("dispatched_by_sender", "dispatched_by_sender_to_pok", "collected_from_sender", "taken_by_courier",
            "taken_by_courier_from_pok"), Mapped(SHIPPED)),
    **_all(("adopted_at_source_branch", "sent_from_source_branch", "adopted_at_sorting_center",
            "sent_from_sorting_center", "adopted_at_target_branch", "out_for_delivery", "out_for_delivery_to_address",
            "readdressed", "redirect_to_box"), Mapped(IN_TRANSIT)),
    "delay_in_delivery": Mapped(IN_TRANSIT, problem=True),
    **_all(("ready_to_pickup", "ready_to_pickup_from_pok", "ready_to_pickup_from_branch", "stack_in_box_machine",
            "stack_in_customer_service_point", "pickup_reminder_sent"), Mapped(IN_TRANSIT, at_pickup_point=True)),
    "delivered": Mapped(DELIVERED),
    **_all(("returned_to_sender", "rejected_by_receiver"), Mapped(RETURNED)),
    **_all(("avizo", "pickup_time_expired", "stack_parcel_pickup_time_expired", "undelivered",
            "undelivered_wrong_address", "undelivered_cod_cash_receiver", "canceled", "claimed", "missing"),
           Mapped(None, problem=True)),
}

SANDBOX = {
    "created": Mapped(AWAITING),
    "accepted": Mapped(SHIPPED),
    "departed": Mapped(IN_TRANSIT),
    "arrived_hub": Mapped(IN_TRANSIT),
    "out_for_delivery": Mapped(IN_TRANSIT),
    "at_pickup_point": Mapped(IN_TRANSIT, at_pickup_point=True),
    "delivery_failed": Mapped(IN_TRANSIT, problem=True),
    "delivered": Mapped(DELIVERED),
    "returned": Mapped(RETURNED),
}

TABLES = {"nova_poshta": NOVA_POSHTA, "ukrposhta": UKRPOSHTA, "meest": MEEST, "dhl": DHL, "inpost": INPOST,
          "sandbox": SANDBOX}


def map_event(carrier, code, reason="", text=""):
    """``Mapped`` for a carrier's code, or None when the code is unmapped."""
    code = str(code).strip()
    if carrier == "ukrposhta" and code == "41000" and (
            str(reason).strip() in UKRPOSHTA_RETURN_REASON_IDS or UKRPOSHTA_RETURN_REASON_TEXT in (text or "").lower()):
        return Mapped(RETURNED)
    if carrier == "dhl":
        code = code.lower()
    return TABLES.get(carrier, {}).get(code)
