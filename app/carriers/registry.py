"""Which adapter answers for a carrier, built from the admin settings (which win over the environment)."""
from flask import current_app

from app import settings as app_settings
from app.carriers.base import CarrierSettings
from app.carriers.dhl import Dhl
from app.carriers.inpost import InPost
from app.carriers.meest import Meest
from app.carriers.nova_poshta import NovaPoshta
from app.carriers.sandbox import Simulator
from app.carriers.ukrposhta import Ukrposhta
from app.outbound import parse_allowed

ADAPTERS = {"nova_poshta": NovaPoshta, "ukrposhta": Ukrposhta, "meest": Meest, "dhl": Dhl, "inpost": InPost}

#: The prefix of each carrier's settings (``NOVAPOSHTA_API_URL`` …)
PREFIX = {"nova_poshta": "NOVAPOSHTA", "ukrposhta": "UKRPOSHTA", "meest": "MEEST", "dhl": "DHL", "inpost": "INPOST",
          "sandbox": "SANDBOX"}
#: credential name → (setting suffix, secret?)
CREDENTIALS = {
    "nova_poshta": {"api_key": ("API_KEY", True)},
    "ukrposhta": {"token": ("TOKEN", True)},
    "meest": {"username": ("USERNAME", False), "password": ("PASSWORD", True), "token": ("TOKEN", True),
              "session_token": ("SESSION_TOKEN", True)},
    "dhl": {"api_key": ("API_KEY", True)},
    "inpost": {"token": ("TOKEN", True)},
    "sandbox": {},
}
MODES = ("off", "live", "simulated")
DEFAULT_RATES = {"dhl": "1/second", "meest": "500/minute"}


def setting(name, default=None):
    return app_settings.get(name, current_app.config.get(name, default))


def _number(name, default, kind=float):
    try:
        return kind(setting(name, default))
    except (TypeError, ValueError):
        return default


def mode(code):
    if code == "sandbox":
        return "simulated"
    value = (setting(f"{PREFIX[code]}_MODE", "off") or "off").strip().lower()
    return value if value in MODES else "off"


def carrier_settings(code):
    prefix = PREFIX[code]
    return CarrierSettings(
        code=code, mode=mode(code), base_url=setting(f"{prefix}_API_URL", "") or "",
        credentials={name: setting(f"{prefix}_{suffix}", "") or "" for name, (suffix, _) in CREDENTIALS[code].items()},
        timeout=_number("CARRIER_TIMEOUT_SECONDS", 10.0), connect_timeout=_number("CARRIER_CONNECT_TIMEOUT_SECONDS", 5.0),
        retries=_number("CARRIER_RETRIES", 3, int), backoff_base=_number("CARRIER_BACKOFF_SECONDS", 0.5),
        backoff_max=_number("CARRIER_BACKOFF_MAX_SECONDS", 4.0),
        rate=setting(f"{prefix}_RATE_LIMIT", DEFAULT_RATES.get(code, "")) or "",
        concurrency=max(1, _number("CARRIER_CONCURRENCY", 20, int)),
        sandbox_step_minutes=_number("SANDBOX_STEP_MINUTES", 2.0),
        allowed_hosts=parse_allowed(setting("OUTGOING_ALLOWED_HOSTS", "")),
    )


def adapter_for(code, config=None, now=None):
    """The adapter answering for ``code``: the simulator (as of ``now``) in simulated mode, else the live one."""
    config = config or carrier_settings(code)
    if config.mode == "simulated" or code not in ADAPTERS:
        return Simulator(config, now=now)
    return ADAPTERS[code](config)


def status(code, config=None):
    """"simulated", "live", "off" or "not_configured" (live but credentials missing)."""
    config = config or carrier_settings(code)
    if config.mode != "live":
        return config.mode
    adapter = ADAPTERS[code](config, client=object())
    return "not_configured" if adapter.missing_credentials() or not config.base_url else "live"
