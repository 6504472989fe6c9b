"""What the admin carriers page and the InPost webhook need: settings, overview, push handling."""
import hmac
import ipaddress
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select

from app import queued
from app import settings as app_settings
from app.carriers import CARRIER_CODES, carrier_label
from app.carriers.base import CarrierError, TrackedEvent, TrackResult, parse_datetime, text_of
from app.carriers.inpost import WARSAW
from app.carriers.models import CarrierState, SyncRun
from app.carriers.problems import Problem
from app.carriers.registry import CREDENTIALS, MODES, PREFIX, adapter_for, carrier_settings, setting, status
from app.carriers.sync import Counts, apply_result, sync_all
from app.clock import utcnow
from app.extensions import db
from app.orders.models import CarrierEvent, Shipment
from app.text import comma_list


class CarrierSettingsError(Exception):
    pass


class SecretNeeded(CarrierSettingsError):
    """The API URL changed but the stored key, token or password was not entered again."""


def overview():
    """One dict per carrier for the admin page."""
    states = {s.carrier: s for s in db.session.execute(select(CarrierState)).scalars()}
    active = dict(db.session.execute(
        select(Shipment.carrier, func.count()).where(Shipment.active.is_(True)).group_by(Shipment.carrier)).all())
    rows = []
    for code in CARRIER_CODES:
        config = carrier_settings(code)
        state = states.get(code)
        rows.append({
            "code": code, "name": carrier_label(code), "mode": config.mode, "status": status(code, config),
            "base_url": config.base_url, "credentials": {k: bool(v) for k, v in config.credentials.items()},
            "breaker": state.breaker_state if state else "closed",
            "open_until": state.open_until if state else None,
            "last_error": state.last_error if state else None,
            "quota_used": state.quota_used if state and code == "dhl" else None,
            "active": active.get(code, 0),
            "sources": setting_sources(code),
        })
    return rows


#: How late a parcel's carrier check may be before staff are told: a few missed ticks are a busy
#: machine; half an hour (or three ticks, if SYNC_TICK_SECONDS is long) is statuses that have stopped moving
CHECK_LATE = timedelta(minutes=30)


@dataclass(frozen=True)
class LateChecks:
    parcels: int
    since: datetime


def late_checks(now=None):
    """The active parcels whose carrier check is long overdue: ``LateChecks`` or None. Statuses stop
    moving, with no error anywhere, when no process runs the scheduler (the app served by another WSGI
    server, SCHEDULER_ENABLED=0 everywhere), when a live carrier has no key, or while a carrier has been
    failing for long (its breaker open). A carrier switched off is left out: the shop moves those
    parcels by hand (the carriers page counts them as not tracked)."""
    late_by = max(CHECK_LATE, timedelta(seconds=3 * float(setting("SYNC_TICK_SECONDS", 60))))
    cutoff = (now or utcnow()) - late_by
    # by the mode alone (``status`` would build each live carrier's adapter, on every staff page)
    tracked = [code for code in CARRIER_CODES if carrier_settings(code).mode != "off"]
    late = or_(Shipment.next_sync_at < cutoff, and_(Shipment.next_sync_at.is_(None), Shipment.created_at < cutoff))
    parcels, since = db.session.execute(
        select(func.count(), func.min(func.coalesce(Shipment.next_sync_at, Shipment.created_at)))
        .where(Shipment.active.is_(True), Shipment.carrier.in_(tracked), late)).one()
    return LateChecks(parcels, since) if parcels else None


def setting_sources(code):
    """{form field: (setting name, source)} for a carrier's settings (``app.settings.source``)."""
    if code == "sandbox":
        return {}
    prefix = PREFIX[code]
    names = {"mode": f"{prefix}_MODE", "base_url": f"{prefix}_API_URL"}
    names.update({name: f"{prefix}_{suffix}" for name, (suffix, _) in CREDENTIALS[code].items()
                  if name != "session_token"})
    return {field: (name, app_settings.source(name)) for field, name in names.items()}


def close_breaker(code):
    state = db.session.get(CarrierState, code)
    if state is not None:
        state.breaker_state, state.open_until, state.consecutive_failures = "closed", None, 0


#: A run still "running" after this long, or with a later run of its carrier, was cut off
#: (its process was killed or the server stopped) before it could record its end.
RUN_ABANDONED_AFTER = queued.ABANDONED_AFTER


def run_outcomes(runs, now=None):
    """{run id: outcome as shown}: a run that never recorded its end is "interrupted"."""
    now = now or utcnow()
    shown, later = {}, set()
    for run in sorted(runs, key=lambda r: (r.started_at, r.id), reverse=True):
        outcome = run.outcome
        if outcome == "running" and (run.carrier in later or now - run.started_at > RUN_ABANDONED_AFTER):
            outcome = "interrupted"
        shown[run.id] = outcome
        later.add(run.carrier)
    return shown


# ---- the admin's "sync now" (queued by the page: ``app.queued``) -------------------------------

def run_requested_sync(app):
    """The scheduler's job: run the waiting "sync now", if any, and record its totals on the request."""
    def work():
        summaries = sync_all(app, trigger="admin", force=True)
        return {"shipments": sum(s["shipments"] for s in summaries),
                "status_changes": sum(s["status_changes"] for s in summaries),
                "busy": [s["carrier"] for s in summaries if s["outcome"] == "busy"]}

    queued.run("carriers", work)


def recent_runs(limit=30):
    return db.session.execute(select(SyncRun).order_by(SyncRun.started_at.desc(), SyncRun.id.desc())
                              .limit(limit)).scalars().all()


def unmapped_codes(limit=100):
    """(carrier, raw code, a sample text, times seen, last seen) for codes no table maps."""
    rows = db.session.execute(
        select(Shipment.carrier, CarrierEvent.raw_code, func.max(CarrierEvent.raw_text), func.count(),
               func.max(CarrierEvent.occurred_at))
        .join(Shipment, CarrierEvent.shipment_id == Shipment.id).where(CarrierEvent.unmapped.is_(True))
        .group_by(Shipment.carrier, CarrierEvent.raw_code).order_by(func.count().desc()).limit(limit)).all()
    return [{"carrier": r[0], "code": r[1], "text": r[2], "count": r[3], "last_seen": r[4]} for r in rows]


def shown_settings(code):
    """What the carrier's settings form shows of its mode and address, for ``save_carrier_settings`` to check."""
    return app_settings.shown([f"{PREFIX[code]}_MODE", f"{PREFIX[code]}_API_URL"])


def save_carrier_settings(code, *, mode, base_url, credentials, shown=None):
    """Store an admin's settings for a carrier through ``settings.save`` (audited); blank
    credentials keep the stored ones. ``settings.SettingsChanged`` when another admin changed the
    carrier's mode or address since the form was shown (``shown``: ``shown_settings``).

    A value the environment sets is left alone (it would win anyway): its field is shown
    disabled, so it is not even sent.
    """
    if code not in PREFIX or code == "sandbox":
        raise CarrierSettingsError(code)
    prefix = PREFIX[code]
    fixed = {name for name, (_key, where) in setting_sources(code).items() if where == app_settings.ENVIRONMENT}
    if mode not in MODES and "mode" not in fixed:
        raise CarrierSettingsError(mode)
    base_url = (base_url or "").strip()
    if base_url and not base_url.startswith(("http://", "https://")):
        raise CarrierSettingsError(base_url)
    if "base_url" not in fixed and base_url != (setting(f"{prefix}_API_URL", "") or "").strip():
        # the stored credentials would be sent to the new address: only if the admin types them again
        for name, (suffix, secret) in CREDENTIALS[code].items():
            if secret and name != "session_token" and name not in fixed and setting(f"{prefix}_{suffix}", "") \
                    and not (credentials.get(name) or "").strip():
                raise SecretNeeded(name)
    values = {key: value for name, key, value in (("mode", f"{prefix}_MODE", mode),
                                                  ("base_url", f"{prefix}_API_URL", base_url)) if name not in fixed}
    entered = {name: (credentials.get(name) or "").strip() for name in CREDENTIALS[code]
               if name != "session_token" and name not in fixed and (credentials.get(name) or "").strip()}
    values.update({f"{prefix}_{CREDENTIALS[code][name][0]}": value for name, value in entered.items()})
    if code == "meest" and entered:
        values["MEEST_SESSION_TOKEN"] = None  # the session belonged to the old credentials
    app_settings.save(values, action="carriers.settings", object_id=code, shown=shown,
                      secret={f"{prefix}_{suffix}" for suffix, secret in CREDENTIALS[code].values() if secret})
    if entered:
        close_breaker(code)  # the pause was for the old credentials: try the new ones at once


@dataclass
class ConnectionCheck:
    """What a connection test found: ``cause`` a code (None when it works), ``detail`` what went
    wrong, for the curious (a ``problems.Problem``, or the carrier's own words), ``seconds`` how long
    it really took."""

    ok: bool
    cause: str | None
    detail: object
    seconds: float
    simulated: bool = False

    def details(self):
        """``detail`` in the reader's language: the problem's sentence, or the carrier's own words as
        they came ("" when it works, or when only credentials are missing: ``message`` says so)."""
        if isinstance(self.detail, Problem):
            return self.detail.sentence()
        return self.detail if self.cause == "http" else ""

    def message(self):
        """In the reader's language: what happened, how long it took."""
        took = format_decimal(round(self.seconds, 3 if self.seconds < 1 else 1))
        if self.ok:
            return (_("Simulated: the carrier is not contacted (%(s)s s).", s=took) if self.simulated
                    else _("Connection works: the carrier answered in %(s)s s.", s=took))
        causes = {
            "dns": _("The carrier's host name could not be found (DNS). Check the address."),
            "refused": _("The carrier's server refused the connection. Check the address and port."),
            "private": _("The address is on this server or its private network, where Posylka sends nothing unless "
                         "OUTGOING_ALLOWED_HOSTS names it. Check the address (or allow that host)."),
            "unreachable": _("The carrier's server cannot be reached from this server (network)."),
            "tls": _("The secure connection (TLS) to the carrier failed: check the address and the certificate."),
            "timeout": _("The carrier did not answer in time."),
            "response": _("The carrier answered, but not in a form Posylka can read."),
            "auth": _("The carrier refused the credentials (HTTP 401/403). Check the key or password."),
            "missing": _("Enter the carrier's credentials first."),
            "rate_limited": _("The carrier asks us to slow down (HTTP 429). Try again later."),
            "http": _("The carrier's server answered with an error."),
        }
        reason = causes.get(self.cause, _("The carrier could not be reached."))
        return _("Connection failed after %(s)s s: %(reason)s", s=took, reason=reason)


def test_connection(code, clock=time.monotonic):
    """A real call to the carrier with the current settings, timed: a ``ConnectionCheck``."""
    config = carrier_settings(code)
    adapter = adapter_for(code, config)
    started = clock()
    if config.mode == "live" and adapter.missing_credentials():
        return ConnectionCheck(False, "missing", ", ".join(adapter.missing_credentials()), 0.0)
    try:
        message = adapter.test_connection()
    except CarrierError as error:
        return ConnectionCheck(False, error.cause, error.problem, clock() - started)
    if message not in ("ok", "simulated"):
        return ConnectionCheck(False, "http", message, clock() - started)
    return ConnectionCheck(True, None, message, clock() - started, simulated=message == "simulated")


# ---- InPost push ----------------------------------------------------------------------------------

def bad_networks(text):
    """The entries of a comma-separated list of addresses and networks that are neither."""
    bad = []
    for network in comma_list(text):
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            bad.append(network)
    return bad


def save_webhook_settings(secret, allowed_ips):
    """The InPost push's secret (blank keeps the stored one) and the addresses it may come from."""
    app_settings.save({"INPOST_WEBHOOK_SECRET": secret or "", "INPOST_WEBHOOK_IPS": ", ".join(comma_list(allowed_ips))},
                      action="carriers.webhook_settings", object_id="inpost", secret={"INPOST_WEBHOOK_SECRET"})


class WebhookRefused(Exception):
    pass


def verify_inpost_webhook(token, remote_addr):
    secret = setting("INPOST_WEBHOOK_SECRET", "") or ""
    if not secret or not token or not hmac.compare_digest(str(token).encode(), str(secret).encode()):
        raise WebhookRefused("token")
    allowed = comma_list(setting("INPOST_WEBHOOK_IPS", ""))
    if allowed:
        try:
            address = ipaddress.ip_address(remote_addr or "")
        except ValueError:
            raise WebhookRefused("address")
        if not any(address in ipaddress.ip_network(n, strict=False) for n in allowed):
            raise WebhookRefused("address")


def handle_inpost_push(payload, now=None):
    """Apply one pushed InPost status change; returns the number of new events (0 for a repeat)."""
    now = now or utcnow()
    if not isinstance(payload, dict) or not isinstance(payload.get("payload"), dict):
        raise ValueError("payload")
    body = payload["payload"]
    number = text_of(body.get("tracking_number"))
    code = text_of(body.get("status")) or ("confirmed" if payload.get("event") == "shipment_confirmed" else "")
    when = parse_datetime(payload.get("event_ts"), WARSAW) or now  # InPost's times are Polish
    if not number or not code:
        return 0
    shipment = db.session.execute(
        select(Shipment).where(Shipment.carrier == "inpost", Shipment.tracking_number == number)).scalar_one_or_none()
    if shipment is None:
        return 0
    counts = Counts()
    result = TrackResult(number, True, [TrackedEvent(code, code.replace("_", " "), when)], None, payload)
    apply_result(shipment, result, counts, now=now)
    run = SyncRun(carrier="inpost", trigger="push", started_at=now, finished_at=utcnow(),
                  outcome="partial" if counts.error_count else "ok", shipments=1, not_found=0,
                  new_events=counts.new_events, status_changes=counts.status_changes, unmapped=counts.unmapped,
                  error_count=counts.error_count, errors="\n".join(counts.errors) or None)
    if counts.new_events:
        db.session.add(run)
    return counts.new_events
