"""The mapping tables, code by code, against shared/spec/carriers.md §7."""
import pytest

from app.carriers import detect_carriers
from app.carriers.mapping import TABLES, map_event

A, S, T, D, R = "awaiting_shipment", "shipped", "in_transit", "delivered", "returned"
#: code → (status, at pickup point, problem); every row of the tables, written out again by hand
EXPECTED = {
    "nova_poshta": {
        "1": (A, False, False), "12": (A, False, False), "2": (None, False, True), "3": (None, False, True),
        "4": (S, False, False), "41": (S, False, False), "5": (T, False, False), "6": (T, False, False),
        "101": (T, False, False), "104": (T, False, False), "112": (T, False, False), "7": (T, True, False),
        "8": (T, True, False), "14": (T, True, False), "107": (T, True, True), "9": (D, False, False),
        "10": (D, False, False), "11": (D, False, False), "106": (D, False, False), "102": (R, False, False),
        "103": (R, False, False), "108": (R, False, False), "105": (R, False, False), "111": (T, False, True),
    },
    "ukrposhta": {
        "10100": (S, False, False), "10600": (None, False, True), "10601": (A, False, False),
        "10602": (None, False, True), "10603": (None, False, True), "20700": (T, False, False),
        "20800": (T, False, False), "20900": (T, False, False), "21500": (T, False, False),
        "21700": (T, True, False), "21400": (T, True, False), "41000": (D, False, False), "48000": (D, False, False),
        "41010": (R, False, False), "31100": (None, False, True), "31200": (None, False, True), "31300": (T, False, False),
        "31400": (None, False, True),
    },
    "meest": {
        "2": (A, False, False), "3": (None, False, True), "101": (S, False, False), "606": (S, False, False),
        "8081": (S, False, False),
        **{c: (T, False, False) for c in ("202", "303", "404", "405", "505", "808", "1100", "1213", "1214", "1215",
                                          "1315", "1621", "2225", "2226", "2230", "2432", "2533")},
        "1216": (T, True, False),
        "1622": (D, False, False), "1825": (R, False, False),
        **{c: (None, False, True) for c in ("109", "707", "1521", "1620", "1623", "1624", "1625", "1626", "1627",
                                             "1628", "2331", "5051")},
    },
    "dhl": {"pre-transit": (A, False, False), "transit": (T, False, False), "delivered": (D, False, False),
            "failure": (None, False, True), "unknown": (None, False, True), "": (None, False, False),
            "returning": (None, False, True), "returned": (R, False, False)},
    "inpost": {
        **{c: (A, False, False) for c in ("created", "offers_prepared", "offer_selected", "confirmed")},
        **{c: (S, False, False) for c in ("dispatched_by_sender", "dispatched_by_sender_to_pok", "collected_from_sender",
                                          "taken_by_courier", "taken_by_courier_from_pok")},
        **{c: (T, False, False) for c in ("adopted_at_source_branch", "sent_from_source_branch",
                                          "adopted_at_sorting_center", "sent_from_sorting_center",
                                          "adopted_at_target_branch", "out_for_delivery", "out_for_delivery_to_address",
                                          "pickup_reminder_sent_address", "readdressed", "redirect_to_box",
                                          "canceled_redirect_to_box", "unstack_from_customer_service_point",
                                          "unstack_from_box_machine")},
        **{c: (T, False, True) for c in ("delay_in_delivery", "oversized", "avizo")},
        **{c: (T, True, False) for c in ("ready_to_pickup", "ready_to_pickup_from_pok",
                                         "ready_to_pickup_from_pok_registered", "ready_to_pickup_from_branch",
                                         "stack_in_box_machine", "stack_in_customer_service_point",
                                         "courier_avizo_in_customer_service_point", "pickup_reminder_sent")},
        "delivered": (D, False, False),
        **{c: (R, False, False) for c in ("returned_to_sender", "rejected_by_receiver",
                                          "taken_by_courier_from_customer_service_point")},
        **{c: (None, False, True) for c in ("pickup_time_expired", "stack_parcel_pickup_time_expired",
                                             "stack_parcel_in_box_machine_pickup_time_expired", "undelivered",
                                             "undelivered_wrong_address", "undelivered_incomplete_address",
                                             "undelivered_unknown_receiver", "undelivered_cod_cash_receiver",
                                             "undelivered_no_mailbox", "undelivered_not_live_address",
                                             "undelivered_lack_of_access_letterbox", "canceled", "claimed", "missing")},
        **{c: (None, False, False) for c in ("return_pickup_confirmation_to_sender", "other")},
    },
    "sandbox": {"created": (A, False, False), "accepted": (S, False, False), "departed": (T, False, False),
                "arrived_hub": (T, False, False), "out_for_delivery": (T, False, False),
                "at_pickup_point": (T, True, False), "delivery_failed": (T, False, True), "delivered": (D, False, False),
                "returned": (R, False, False)},
}


@pytest.mark.parametrize("carrier,code,expected",
                         [(c, code, exp) for c, table in EXPECTED.items() for code, exp in table.items()])
def test_code(carrier, code, expected):
    mapped = map_event(carrier, code)
    assert mapped is not None
    assert (mapped.status, mapped.at_pickup_point, mapped.problem) == expected


@pytest.mark.parametrize("carrier", list(EXPECTED))
def test_tables_hold_nothing_untested(carrier):
    assert set(TABLES[carrier]) == set(EXPECTED[carrier])


@pytest.mark.parametrize("carrier,code", [("nova_poshta", "13"), ("ukrposhta", "99999"), ("meest", "5700"),
                                          ("dhl", "lost"), ("inpost", "something_new"), ("sandbox", "teleported")])
def test_unknown_codes_are_unmapped(carrier, code):
    assert map_event(carrier, code) is None


def test_ukrposhta_handed_back_to_the_sender_is_returned():
    assert map_event("ukrposhta", "41000", reason="10").status == R
    assert map_event("ukrposhta", "41000", text="Відправлення вручено: відправнику").status == R
    assert map_event("ukrposhta", "41000", reason="1").status == D


def test_codes_accept_numbers_and_case():
    assert map_event("meest", 1622).status == D
    assert map_event("dhl", "DELIVERED").status == D


@pytest.mark.parametrize("number,first", [
    ("20400048799000", "nova_poshta"), ("59000798551278", "nova_poshta"), ("0500128254610", "ukrposhta"),
    ("RA067022855UA", "ukrposhta"), ("TAC-2550636", "meest"), ("00340434292135100179", "dhl"),
    ("JJD0123456789012", "dhl"), ("602677439331630337653846", "inpost"), ("SBX0000123", "sandbox"),
    ("2040 0048 7990 00", "nova_poshta"),
])
def test_detection(number, first):
    assert detect_carriers(number)[0] == first


def test_detection_of_nonsense():
    assert detect_carriers("hello") == []
