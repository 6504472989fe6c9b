"""The time zone of a carrier's local time, from where the event happened.

Carriers that send a time without an offset mean the local time of the place (DHL Express
events, Meest abroad). The country comes as an ISO code ("PL"), an English name ("UKRAINE") or
at the end of a place name ("LEIPZIG - GERMANY"); in a country of several zones the city picks
one when it is named in the zone's name ("LOS ANGELES GATEWAY" → America/Los_Angeles), else the
country's main zone. pytz (a dependency of Flask-Babel) holds the IANA country → zones table.
"""
import re
from functools import lru_cache
from zoneinfo import ZoneInfo

import pytz

UTC = ZoneInfo("UTC")
#: Country names carriers write that are not the ISO name
ALIASES = {"USA": "US", "UNITED STATES OF AMERICA": "US", "UK": "GB", "GREAT BRITAIN": "GB", "ENGLAND": "GB",
           "RUSSIA": "RU", "CZECH REPUBLIC": "CZ", "CZECHIA": "CZ", "SOUTH KOREA": "KR", "KOREA": "KR",
           "TURKEY": "TR", "TURKIYE": "TR", "MOLDOVA": "MD", "VIETNAM": "VN", "HONG KONG": "HK", "TAIWAN": "TW",
           "IRAN": "IR", "HOLLAND": "NL", "UAE": "AE"}
#: A country's main zone is the first the IANA table lists, except where that is not where most
#: people (and parcels) are
MAIN_ZONE = {"UA": "Europe/Kyiv", "RU": "Europe/Moscow", "BR": "America/Sao_Paulo", "AU": "Australia/Sydney",
             "CA": "America/Toronto", "KZ": "Asia/Almaty"}


def _key(text):
    return re.sub(r"[^A-Z]+", " ", str(text or "").upper()).strip()


@lru_cache(maxsize=1)
def _names():
    names = {_key(name): code for code, name in pytz.country_names.items()}
    names.update(ALIASES)
    return names


def country_code(country):
    """ISO 3166 alpha-2 code for a code or an English country name, or ""."""
    key = _key(country)
    if len(key) == 2 and key in pytz.country_timezones:
        return key
    return _names().get(key, "")


@lru_cache(maxsize=1024)
def zone_for(country="", city="", default=UTC):
    """The zone of a place; ``default`` when the country is unknown.

    ``city`` may carry the country after a dash ("LEIPZIG - GERMANY") or be the country itself
    ("Netherlands", as DHL sends some events) when ``country`` is empty.
    """
    if not country and " - " in (city or ""):
        city, _, country = city.rpartition(" - ")
    elif not country and len(_key(city)) > 2 and country_code(city):
        country = city
    code = country_code(country) if country else ""
    zones = pytz.country_timezones.get(code) if code else None
    if not zones:
        return default
    if len(zones) > 1 and city:
        place = f" {_key(city)} "
        for name in zones:
            if f" {_key(name.rsplit('/', 1)[-1])} " in place:
                return ZoneInfo(name)
    return ZoneInfo(MAIN_ZONE.get(code, zones[0]))
