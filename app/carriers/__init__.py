"""Carriers the shop ships with: names, public tracking links and number formats.

The adapters that talk to each carrier's API live beside this file, one module per carrier.
"""
import re
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class CarrierInfo:
    code: str
    name: str
    #: The carrier's own public tracking page; ``{number}`` is replaced.
    tracking_url: str
    #: Tracking-number formats, most specific first (used to suggest the carrier).
    patterns: tuple


CARRIERS = {
    "nova_poshta": CarrierInfo(
        "nova_poshta", "Nova Poshta", "https://novaposhta.ua/tracking/?cargo_number={number}",
        (re.compile(r"^(?:20|59)\d{12}$"), re.compile(r"^1\d{13}$"))),
    "ukrposhta": CarrierInfo(
        "ukrposhta", "Ukrposhta", "https://track.ukrposhta.ua/tracking_UA.html?barcode={number}",
        (re.compile(r"^\d{13}$"), re.compile(r"^[A-Z]{2}\d{9}UA$"), re.compile(r"^[A-Z]{2}\d{9}[A-Z]{2}$"))),
    "meest": CarrierInfo(
        "meest", "Meest", "https://t.meest-group.com/int/{number}",
        (re.compile(r"^[A-Z0-9]{2,5}-\d{5,10}$"),)),
    "dhl": CarrierInfo(
        "dhl", "DHL", "https://www.dhl.com/global-en/home/tracking/tracking-parcel.html?submit=1&tracking-id={number}",
        (re.compile(r"^00\d{18}$"), re.compile(r"^JJD\d{10,20}$"), re.compile(r"^\d{10}$"))),
    "inpost": CarrierInfo(
        "inpost", "InPost", "https://inpost.pl/sledzenie-przesylek?number={number}",
        (re.compile(r"^\d{24}$"),)),
    "sandbox": CarrierInfo(
        "sandbox", "Sandbox", "", (re.compile(r"^SBX\d{6,16}$"),)),
}
CARRIER_CODES = tuple(CARRIERS)


def carrier_name(code):
    """The canonical (Latin) name, for machines: the REST API, shop platforms (Shopify knows "Nova Poshta")."""
    info = CARRIERS.get(code)
    return info.name if info else (code or "")


#: The brand as a person reads it in their language: "Нова пошта" in Ukrainian, "Новая почта" in Russian
_LABELS = {
    "nova_poshta": _l("Nova Poshta"), "ukrposhta": _l("Ukrposhta"), "meest": _l("Meest"), "dhl": _l("DHL"),
    "inpost": _l("InPost"), "sandbox": _l("Sandbox"),
}


def carrier_label(code):
    """The carrier's name for people (pages, messages, staff screens), in the current locale."""
    label = _LABELS.get(code)
    return str(label) if label is not None else carrier_name(code)


#: Cyrillic capitals that look like Latin ones: a number typed or pasted from a Ukrainian document
#: ("RА123456789UА" with Cyrillic А) is the carrier's Latin number (no carrier's number has Cyrillic)
_LOOK_ALIKES = str.maketrans("АВЕКМНОРСТХІ", "ABEKMHOPCTXI")


def normalize_tracking_number(number):
    return re.sub(r"\s+", "", number or "").upper().translate(_LOOK_ALIKES)


#: What a tracking number is made of once normalised: every carrier's numbers are 6 to 40 Latin letters,
#: digits and hyphens (Meest's "TAC-0000099", Nova Poshta's 14 digits, InPost's 24); anything else is
#: something typed or pasted by mistake (a label, two numbers, a word, "1"), a parcel no carrier could
#: ever find and a status that would never move
_TRACKING_CHARS = re.compile(r"[A-Z0-9-]{6,40}")


def is_tracking_number(number):
    """Whether a normalised ``number`` (``normalize_tracking_number``) could be a carrier's number."""
    return bool(_TRACKING_CHARS.fullmatch(number or ""))


def detect_carriers(number):
    """Carrier codes whose number format matches, best guess first (may be empty)."""
    number = normalize_tracking_number(number)
    return [code for code, info in CARRIERS.items() if any(p.match(number) for p in info.patterns)]


def tracking_url(code, number):
    """The carrier's own tracking page for ``number`` (admin-overridable), or None."""
    info = CARRIERS.get(code)
    if info is None:
        return None
    template = current_app.config.get(f"{code.upper()}_TRACKING_URL") or info.tracking_url
    return template.format(number=number) if template else None
