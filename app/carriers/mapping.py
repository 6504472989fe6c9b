"""Carrier codes → shop status and the two flags (at the pickup point, problem/delayed).

Plain data, one table per carrier, following ``shared/spec/carriers.md`` §7. Change a line here
to change how a code is read. ``status=None`` means the code is known but moves nothing. A code
missing from its table is *unmapped*: kept as a carrier event, moves nothing, listed for the admin.
"""
from typing import NamedTuple

from flask_babel import gettext, lazy_pgettext

AWAITING, SHIPPED, IN_TRANSIT, DELIVERED, RETURNED = (
    "awaiting_shipment", "shipped", "in_transit", "delivered", "returned")


#: Cash on delivery: the customer paid and the money is on its way to the shop / paid out to it
COD_ON_ITS_WAY, COD_PAID_OUT = "on_its_way", "paid_out"


class Mapped(NamedTuple):
    status: str | None
    at_pickup_point: bool = False
    problem: bool = False
    #: COD_ON_ITS_WAY or COD_PAID_OUT where the code says where a cash-on-delivery payment is
    cod: str | None = None
    #: The recipient refused the parcel (or its storage ended): a return with the carrier's reason
    refused: bool = False


def _all(codes, mapped):
    return {str(code): mapped for code in codes}


# Nova Poshta API 2.0, TrackingDocument/getStatusDocuments, StatusCode. The table of the method's
# documentation (developers.novaposhta.ua) as copied in RomaBilka/parcel-tracking
# pkg/determine-delivery/carriers/np/README.md (1-12, 101-106, 111, 112) and in public shop
# integrations that carry the fuller table (14, 107, 108, e.g. an Odoo module's docstring of the
# method: "14 Відправлення передано до огляду отримувачу", "107 Нараховується плата за
# зберігання", "108 Відмова одержувача"). Cash on delivery (10, 11) is followed further by sync.
NOVA_POSHTA = {
    "1": Mapped(AWAITING),                          # waybill created by the sender, not handed over
    "12": Mapped(AWAITING),                         # NP is packing the shipment
    "2": Mapped(None, problem=True),                # waybill deleted
    "3": Mapped(None, problem=True),                # number not found (adapter reads it as "not found")
    "4": Mapped(SHIPPED), "41": Mapped(SHIPPED),    # in the sender's city (41: local services)
    "5": Mapped(IN_TRANSIT),                        # on the way to the recipient's city
    "6": Mapped(IN_TRANSIT),                        # in the recipient's city, expected at the branch
    "101": Mapped(IN_TRANSIT),                      # on the way to the recipient (courier)
    "104": Mapped(IN_TRANSIT),                      # address changed
    "112": Mapped(IN_TRANSIT),                      # delivery date moved by the recipient
    "7": Mapped(IN_TRANSIT, at_pickup_point=True),  # arrived at the branch
    "8": Mapped(IN_TRANSIT, at_pickup_point=True),  # arrived at the branch (loaded into a parcel locker)
    "14": Mapped(IN_TRANSIT, at_pickup_point=True),  # handed to the recipient for inspection (at the branch)
    "107": Mapped(IN_TRANSIT, at_pickup_point=True, problem=True),  # still not collected: storage is charged
    "9": Mapped(DELIVERED),                         # received
    "10": Mapped(DELIVERED, cod=COD_ON_ITS_WAY),    # received; the cash-on-delivery transfer follows
    "11": Mapped(DELIVERED, cod=COD_PAID_OUT),      # received; the cash-on-delivery money paid out
    "106": Mapped(DELIVERED),                       # received, a return-delivery waybill created
    "102": Mapped(RETURNED, refused=True),          # refused by the recipient, return order created
    "103": Mapped(RETURNED, refused=True),          # refused by the recipient
    "108": Mapped(RETURNED, refused=True),          # refused by the recipient
    "105": Mapped(RETURNED, refused=True),          # storage ended (the parcel goes back)
    "111": Mapped(IN_TRANSIT, problem=True),        # failed delivery attempt (recipient absent)
}

# Ukrposhta status tracking 0.0.1, ``event``. The official table (dev.ukrposhta.ua,
# shipment-tracking.pdf) was not found published. Named events: RomaBilka/parcel-tracking
# ukrposhta/fixtures/tracked_by_number.json (20700 "Надходження на сортувальний центр", 21500
# "Відправлено до точки видачі/доставки", 21700 "Відправлення у точці видачі/доставки", 41000
# "Відправлення вручено"); itsvic-dev ParcelTracker UkrposhtaDeliveryService.kt (10100 preadvice/
# accepted, 20800, 21400, 31100/31400 delivery failure, 48000 delivered). The codes are
# grouped by stage in their first digit (1 accepted, 2 processing and transit, 3 not delivered,
# 4 handed over); the rows marked "family" are read by that rule alone (issue #14 lists them).
# The 106xx rows, 41010 and the names of 20900, 31x00 and 21400 follow a public shop script's
# table of the codes with their Ukrainian names (get_poshta_status_by_code): 10601 "Створено
# онлайн, очікує приймання" is not yet handed over, 10600/10602 "Прийом скасовано" and 10603
# "Видалено клієнтом" are the acceptance undone, 41010 "Відправлення вручено відправнику" is
# the parcel handed back to its sender. The same table names 31300 "Відправлення перенаправлене до
# іншого відділення": sent on to another branch, still on its way (itsvic-dev groups it with the
# failures, its name does not), no longer at the first branch's counter.
UKRPOSHTA = {
    "10100": Mapped(SHIPPED),
    "10601": Mapped(AWAITING),                                               # created online, awaiting acceptance
    **_all((10600, 10602, 10603), Mapped(None, problem=True)),               # acceptance cancelled; deleted
    "20700": Mapped(IN_TRANSIT), "20800": Mapped(IN_TRANSIT), "21500": Mapped(IN_TRANSIT),
    "20900": Mapped(IN_TRANSIT),                                             # family: processing
    "21700": Mapped(IN_TRANSIT, at_pickup_point=True), "21400": Mapped(IN_TRANSIT, at_pickup_point=True),
    "41000": Mapped(DELIVERED), "48000": Mapped(DELIVERED),
    "41010": Mapped(RETURNED),                                               # handed back to the sender
    "31300": Mapped(IN_TRANSIT),                                             # redirected to another branch
    "31100": Mapped(None, problem=True), "31400": Mapped(None, problem=True),
    "31200": Mapped(None, problem=True),                                     # family: not delivered
}
#: 41000 "handed over" with this reason means handed back to the sender
UKRPOSHTA_RETURN_REASON_IDS = {"10"}
UKRPOSHTA_RETURN_REASON_TEXT = "відправнику"

# Meest openAPI v3.0 ``GET /tracking/{trackNumber}``, eventCode: the table in the method's
# description (official Swagger, copied in shopanaio/carrier-api
# packages/meest-api-client/docs/openapi.json). 1213/1214 "Надходження до підрозділу отримувача"
# is the recipient's depot (a sorting unit), not yet the branch: only 1216 "Надійшло у відділення"
# is at the pickup point; 1215 "Надійшло на підрозділ доручення" is the delivering unit (courier).
MEEST = {
    "2": Mapped(AWAITING),                          # created, not handed over (since 17.10.2025)
    "3": Mapped(None, problem=True),                # deleted
    **_all((101, 606, 8081), Mapped(SHIPPED)),      # posted; at / left the sender's branch
    **_all((202, 303, 404, 405, 505, 808, 1100, 1213, 1214, 1215, 1315, 1621, 2225, 2226, 2230, 2432, 2533),
           Mapped(IN_TRANSIT)),
    "1216": Mapped(IN_TRANSIT, at_pickup_point=True),   # arrived at the branch
    "1622": Mapped(DELIVERED),                      # delivered (final)
    "1825": Mapped(RETURNED),                       # returned to the sender (final)
    **_all((109, 707, 1521), Mapped(None, problem=True)),   # on the way back to the sender
    # 1620 refused (1825 follows), 1623-1628 failed attempts, 2331 delivery suspended, 5051 did not arrive
    **_all((1620, 1623, 1624, 1625, 1626, 1627, 1628, 2331, 5051), Mapped(None, problem=True)),
}

# DHL Shipment Tracking - Unified, ``statusCode`` of an event and of the shipment's ``status``
# (dpdhl_tracking-unified-api_1.3.1.yaml, copied in netzoio/netzo
# plugins/services-legacy/service-openapi-dhl-shipment-tracking-unified/src/openapi.v1.json).
DHL = {
    "pre-transit": Mapped(AWAITING),
    "transit": Mapped(IN_TRANSIT),
    "delivered": Mapped(DELIVERED),
    "failure": Mapped(None, problem=True),
    "unknown": Mapped(None, problem=True),
    # DHL Express events carry no statusCode: history only, the shipment's status moves the order
    "": Mapped(None),
    # Not DHL's codes: the adapter's reading of a shipment going back to its sender (returnFlag, or
    # its words), see ``dhl.read_return``. On the way back the order shows a problem (as Meest's 109);
    # delivered back to the sender, it is returned.
    "returning": Mapped(None, problem=True),
    "returned": Mapped(RETURNED),
}

# InPost ShipX ``status`` names: the docs page "[1.2.0] Statuses" with their Polish titles, as
# listed in full in the Smartmage InPost module for Magento (Model/Config/Source/Status.php).
INPOST = {
    **_all(("created", "offers_prepared", "offer_selected", "confirmed"), Mapped(AWAITING)),
    **_all(("dispatched_by_sender", "dispatched_by_sender_to_pok", "collected_from_sender", "taken_by_courier",
            "taken_by_courier_from_pok"), Mapped(SHIPPED)),
    **_all(("adopted_at_source_branch", "sent_from_source_branch", "adopted_at_sorting_center",
            "sent_from_sorting_center", "adopted_at_target_branch", "out_for_delivery", "out_for_delivery_to_address",
            "pickup_reminder_sent_address",     # "W doręczeniu." (out for delivery)
            "readdressed", "redirect_to_box", "canceled_redirect_to_box",
            "unstack_from_customer_service_point", "unstack_from_box_machine"),  # on the way to the chosen locker
           Mapped(IN_TRANSIT)),
    "delay_in_delivery": Mapped(IN_TRANSIT, problem=True),
    "oversized": Mapped(IN_TRANSIT, problem=True),          # "Przesyłka ponadgabarytowa." (does not fit)
    "avizo": Mapped(IN_TRANSIT, problem=True),              # "Powrót do oddziału." (courier missed, back at branch)
    **_all(("ready_to_pickup", "ready_to_pickup_from_pok", "ready_to_pickup_from_pok_registered",
            "ready_to_pickup_from_branch", "stack_in_box_machine", "stack_in_customer_service_point",
            "courier_avizo_in_customer_service_point", "pickup_reminder_sent"),
           Mapped(IN_TRANSIT, at_pickup_point=True)),
    "delivered": Mapped(DELIVERED),
    **_all(("returned_to_sender",
            "taken_by_courier_from_customer_service_point"),    # "Zwrócona do nadawcy."
           Mapped(RETURNED)),
    "rejected_by_receiver": Mapped(RETURNED, refused=True),
    **_all(("pickup_time_expired", "stack_parcel_pickup_time_expired", "stack_parcel_in_box_machine_pickup_time_expired",
            "undelivered", "undelivered_wrong_address", "undelivered_incomplete_address", "undelivered_unknown_receiver",
            "undelivered_cod_cash_receiver", "undelivered_no_mailbox", "undelivered_not_live_address",
            "undelivered_lack_of_access_letterbox", "canceled", "claimed", "missing"),
           Mapped(None, problem=True)),
    # "Przygotowano dokumenty zwrotne." (a return label), "Inny status.": known, move nothing
    **_all(("return_pickup_confirmation_to_sender", "other"), Mapped(None)),
}

_UNDELIVERABLE = lazy_pgettext("inpost", "Could not be delivered")
_EXPIRED_STORED = lazy_pgettext("inpost", "The pickup time of the stored parcel is over")
_OUT_FOR_DELIVERY = lazy_pgettext("inpost", "Out for delivery")
#: What InPost's statuses say, in the reader's language. InPost sends a status name and no text;
#: these follow the Polish titles of ShipX's statuses list (see INPOST).
INPOST_TEXTS = {
    "created": lazy_pgettext("inpost", "Shipment created"),
    "offers_prepared": lazy_pgettext("inpost", "Offers prepared"),
    "offer_selected": lazy_pgettext("inpost", "Offer selected"),
    "confirmed": lazy_pgettext("inpost", "Prepared by the sender"),
    "dispatched_by_sender": lazy_pgettext("inpost", "Posted at a parcel locker"),
    "dispatched_by_sender_to_pok": lazy_pgettext("inpost", "Posted at a pickup point"),
    "collected_from_sender": lazy_pgettext("inpost", "Collected from the sender"),
    "taken_by_courier": lazy_pgettext("inpost", "Collected from the sender by a courier"),
    "taken_by_courier_from_pok": lazy_pgettext("inpost", "On the way to the InPost branch"),
    "adopted_at_source_branch": lazy_pgettext("inpost", "Received at the InPost branch"),
    "sent_from_source_branch": lazy_pgettext("inpost", "On the way"),
    "adopted_at_sorting_center": lazy_pgettext("inpost", "Received at the sorting centre"),
    "sent_from_sorting_center": lazy_pgettext("inpost", "Sent from the sorting centre"),
    "adopted_at_target_branch": lazy_pgettext("inpost", "Received at the destination branch"),
    "out_for_delivery": lazy_pgettext("inpost", "Handed over for delivery"),
    "out_for_delivery_to_address": _OUT_FOR_DELIVERY,
    "pickup_reminder_sent_address": _OUT_FOR_DELIVERY,
    "ready_to_pickup": lazy_pgettext("inpost", "Placed in the parcel locker"),
    "ready_to_pickup_from_pok": lazy_pgettext("inpost", "Waiting for pickup at the pickup point"),
    "ready_to_pickup_from_pok_registered": lazy_pgettext("inpost", "Waiting for pickup at the pickup point"),
    "ready_to_pickup_from_branch": lazy_pgettext("inpost", "Not collected: waiting at the branch"),
    "courier_avizo_in_customer_service_point": lazy_pgettext("inpost", "Waiting for pickup"),
    "pickup_reminder_sent": lazy_pgettext("inpost", "Reminder: the parcel is waiting"),
    "stack_in_box_machine": lazy_pgettext("inpost", "Stored in a temporary parcel locker"),
    "stack_in_customer_service_point": lazy_pgettext("inpost", "Stored at a pickup point"),
    "unstack_from_box_machine": lazy_pgettext("inpost", "On the way to the parcel locker chosen first"),
    "unstack_from_customer_service_point": lazy_pgettext("inpost", "On the way to the chosen parcel locker"),
    "stack_parcel_pickup_time_expired": _EXPIRED_STORED,
    "stack_parcel_in_box_machine_pickup_time_expired": _EXPIRED_STORED,
    "delivered": lazy_pgettext("inpost", "Delivered"),
    "pickup_time_expired": lazy_pgettext("inpost", "The pickup time is over"),
    "avizo": lazy_pgettext("inpost", "Back at the branch"),
    "claimed": lazy_pgettext("inpost", "Complaint made at the parcel locker"),
    "returned_to_sender": lazy_pgettext("inpost", "Returned to the sender"),
    "taken_by_courier_from_customer_service_point": lazy_pgettext("inpost", "Returned to the sender"),
    "return_pickup_confirmation_to_sender": lazy_pgettext("inpost", "Return documents prepared"),
    "canceled": lazy_pgettext("inpost", "Label cancelled"),
    "other": lazy_pgettext("inpost", "Other status"),
    "rejected_by_receiver": lazy_pgettext("inpost", "Refused by the recipient"),
    **{code: _UNDELIVERABLE for code in (
        "undelivered_wrong_address", "undelivered_incomplete_address", "undelivered_unknown_receiver",
        "undelivered_cod_cash_receiver", "undelivered_no_mailbox", "undelivered_not_live_address",
        "undelivered_lack_of_access_letterbox")},
    "undelivered": lazy_pgettext("inpost", "Handed to the store of undeliverable parcels"),
    "delay_in_delivery": lazy_pgettext("inpost", "Delivery may be delayed"),
    "oversized": lazy_pgettext("inpost", "Oversized parcel"),
    "redirect_to_box": lazy_pgettext("inpost", "Redirected to a parcel locker"),
    "canceled_redirect_to_box": lazy_pgettext("inpost", "Redirection cancelled"),
    "readdressed": lazy_pgettext("inpost", "Redirected to another address"),
    "missing": lazy_pgettext("inpost", "Missing"),
}
#: Our words for the codes the DHL adapter gives a return (``dhl.read_return``): DHL's own words
#: for such an event may be any language's, or say only "delivered" (delivered back to the sender)
DHL_TEXTS = {
    "returning": lazy_pgettext("dhl", "On its way back to the sender"),
    "returned": lazy_pgettext("dhl", "Returned to the sender"),
}
#: The simulated carrier's steps (``app.carriers.sandbox``): a shop trying Posylka reads them in its language
SANDBOX_TEXTS = {
    "created": lazy_pgettext("sandbox", "Shipment registered"),
    "accepted": lazy_pgettext("sandbox", "Accepted at the sender's branch"),
    "departed": lazy_pgettext("sandbox", "Left the sorting centre"),
    "arrived_hub": lazy_pgettext("sandbox", "Arrived at the destination hub"),
    "out_for_delivery": lazy_pgettext("sandbox", "Out for delivery"),
    "at_pickup_point": lazy_pgettext("sandbox", "Ready for pickup at the branch"),
    "delivery_failed": lazy_pgettext("sandbox", "Delivery attempt failed: recipient not at home"),
    "delivered": lazy_pgettext("sandbox", "Received by the recipient"),
    "returned": lazy_pgettext("sandbox", "Returned to the sender"),
}
#: Codes an adapter gives events in place of the carrier's own (its reading of them, which may come
#: with a later answer): one event is stored once, under whichever reading came first or says more
READINGS = {"dhl": frozenset({"returning", "returned"})}  # dhl.RETURNING, dhl.RETURNED (``dhl.read_return``)
#: Codes whose meaning we tell in the reader's language (instead of the carrier's words)
TEXTS = {"inpost": INPOST_TEXTS, "dhl": DHL_TEXTS, "sandbox": SANDBOX_TEXTS}
#: Carriers whose events come as codes without a text of their own
CODE_ONLY = {"inpost"}


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


def event_text(carrier, code, text=""):
    """What a carrier's event says: its own words, or ours in the reader's language for a carrier
    that sends only a code (InPost) and for the codes we give DHL's returns; a code of a code-only
    carrier that no table knows yet is named as a code, in words the reader reads."""
    code = str(code or "").strip()
    label = TEXTS.get(carrier, {}).get(code)
    if label is not None:
        return str(label)
    if carrier not in CODE_ONLY:
        return text or code
    return gettext("Carrier status “%(code)s”", code=code) if code else (text or "")


def carrier_note(carrier, code, text=""):
    """What a carrier's event leaves as the order's problem note or as the reason of its move: the
    carrier's words, or its code where we tell that code in the reader's language (``note_text``
    reads it back). DHL's words for a delivery back to the sender say only "delivered"."""
    code = str(code or "").strip()
    if carrier not in CODE_ONLY and code in TEXTS.get(carrier, {}):
        return code
    return text or code


def note_text(note):
    """A problem note (the flagged event's own words, or its code) in the reader's language: the
    note of a code-only carrier is its code, stored as the code or as its words ("pickup time expired")."""
    key = str(note or "").strip().replace(" ", "_")
    label = next((table[key] for table in TEXTS.values() if key in table), None)
    return str(label) if label is not None else (note or "")
