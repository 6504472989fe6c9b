"""The shop's own reading of carrier codes.

An admin may override what a carrier's code means for this shop (its status and the two flags) on
the carriers page; the tables in ``mapping.py`` stay the defaults, shown beside each override.
All overrides are one admin setting (``KEY``, JSON), so every process picks a change up as it
picks up any setting, and reading them during a sync costs no query. Every change is audited.
"""
import json
from functools import lru_cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import settings as app_settings
from app.audit import record
from app.carriers import mapping
from app.orders import statuses

KEY = "STATUS_MAPPING_OVERRIDES"
CARRIERS = tuple(code for code in mapping.TABLES if code != "sandbox")
#: What a code may move an order to (as the carrier sync may); "" moves nothing
TARGETS = ("", statuses.AWAITING_SHIPMENT, statuses.SHIPPED, statuses.IN_TRANSIT, statuses.DELIVERED,
           statuses.RETURNED)


class OverrideError(ValueError):
    """A refused override; ``str(error)`` is a translated message."""


def normalize_code(carrier, code):
    code = str(code or "").strip()
    return code.lower() if carrier == "dhl" else code


@lru_cache(maxsize=8)
def _parse(text):
    table = {}
    for carrier, codes in (json.loads(text) if text else {}).items():
        for code, entry in codes.items():
            table[(carrier, code)] = (entry.get("status") or None, bool(entry.get("at_pickup_point")),
                                      bool(entry.get("problem")))
    return table


def _stored():
    return _parse(app_settings.get(KEY) or "")


def map_event(carrier, code, reason="", text=""):
    """``mapping.map_event`` with this shop's overrides applied (what the sync uses)."""
    return _apply(_stored(), carrier, code, reason, text)


def mapper():
    """``map_event`` over the overrides as they are now (the carrier sync reads them once per run)."""
    table = _stored()
    return lambda carrier, code, reason="", text="": _apply(table, carrier, code, reason, text)


def _apply(table, carrier, code, reason, text):
    default = mapping.map_event(carrier, code, reason, text)
    override = table.get((carrier, normalize_code(carrier, code)))
    if override is None:
        return default
    status, at_pickup_point, problem = override
    base = default or mapping.Mapped(None)
    return base._replace(status=status, at_pickup_point=at_pickup_point, problem=problem,
                         refused=base.refused and status == statuses.RETURNED)


def overrides():
    """[{carrier, code, override: Mapped, default: Mapped or None}] sorted by carrier and code."""
    rows = []
    for (carrier, code), (status, at_pickup_point, problem) in sorted(_stored().items()):
        rows.append({"carrier": carrier, "code": code, "override": mapping.Mapped(status, at_pickup_point, problem),
                     "default": mapping.TABLES.get(carrier, {}).get(code)})
    return rows


def set_override(carrier, code, *, status, at_pickup_point=False, problem=False, actor=None):
    """Store what ``code`` means for this shop (in the caller's transaction; audited)."""
    code = normalize_code(carrier, code)
    if carrier not in CARRIERS:
        raise OverrideError(_("Choose a carrier."))
    if not code or len(code) > 64:
        raise OverrideError(_("Enter the carrier's code (at most 64 characters)."))
    status = status or ""
    if status not in TARGETS:
        raise OverrideError(_("Choose what the code means."))
    _save(carrier, code, {"status": status or None, "at_pickup_point": bool(at_pickup_point),
                          "problem": bool(problem)}, actor)


def remove_override(carrier, code, *, actor=None):
    """Let the default table speak for ``code`` again (audited); False if there was no override."""
    code = normalize_code(carrier, code)
    if (carrier, code) not in _stored():
        return False
    _save(carrier, code, None, actor)
    return True


def _save(carrier, code, entry, actor):
    table = json.loads(app_settings.get(KEY) or "{}")
    before = table.get(carrier, {}).get(code)
    if entry is None:
        table.get(carrier, {}).pop(code, None)
    else:
        table.setdefault(carrier, {})[code] = entry
    table = {c: codes for c, codes in table.items() if codes}
    app_settings.put(KEY, json.dumps(table, ensure_ascii=False, sort_keys=True) if table else None)
    default = mapping.TABLES.get(carrier, {}).get(code)
    record("carriers.mapping_override", "carrier_code", f"{carrier}:{code}", before=before,
           after={**(entry or {}), "default": _plain(default)} if entry else None, actor=actor)


def _plain(mapped):
    return None if mapped is None else {"status": mapped.status, "at_pickup_point": mapped.at_pickup_point,
                                        "problem": mapped.problem}


FLAG_LABELS = {"at_pickup_point": _l("at the pickup point"), "problem": _l("delayed / problem")}


def describe(mapped):
    """What a mapping means, for the admin page: "On the way to you · at the pickup point"."""
    if mapped is None:
        return str(_("Not mapped (moves nothing, listed above)"))
    parts = [str(statuses.label(mapped.status)) if mapped.status else str(_("Moves nothing"))]
    parts += [str(FLAG_LABELS[name]) for name in ("at_pickup_point", "problem") if getattr(mapped, name)]
    return " · ".join(parts)
