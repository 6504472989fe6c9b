"""Settings an admin edits in the app, and where each effective value comes from.

An admin's value wins over the environment, except for carrier settings (``ENVIRONMENT_FIRST``):
a carrier mode, URL or key set explicitly in the environment (or ``instance/config.py``) is what a
server operator means, and a value stored earlier (the demo stores "simulated" for every carrier)
must not hide it. ``source`` says which of the three answered, for the admin pages and the
``flask settings`` command.

Values marked secret (API keys, passwords, webhook secrets) are stored encrypted with a key
derived from the instance secret, and are never shown back in full.

Read every setting an admin can change through ``get`` (never ``current_app.config`` directly),
so that a change on the settings page takes effect. ``get`` answers from an in-process snapshot
of the table, so reading settings costs no query on hot paths.

A settings page's form carries what its settings were when it was shown (``shown``, in the hidden
field of ``ShownSettings``); ``save`` refuses it (``SettingsChanged``) when any of them has been
changed since, so that a form left open in a second tab cannot put back values another admin has
changed in the meantime. Every settings page saves through ``save``: the rule is here once.
"""
import base64
import hashlib
import logging
import threading
import time

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app, g, has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from wtforms import HiddenField

from app.audit import record
from app.clock import utcnow
from app.errors import Refused
from app.extensions import db
from app.logs import redact_value

log = logging.getLogger(__name__)
_CHANGED = "posylka_settings_changed"
#: Settings whose explicit environment value wins over the admin's stored one (carrier settings)
ENVIRONMENT_FIRST = ("NOVAPOSHTA_", "UKRPOSHTA_", "MEEST_", "DHL_", "INPOST_", "CARRIER_")
#: Where a value comes from (``source``)
ENVIRONMENT, ADMIN, DEFAULT = "environment", "admin", "default"
#: Setting names whose values are stored encrypted when set from the command line
SECRET_SUFFIXES = ("_KEY", "_TOKEN", "_PASSWORD", "_SECRET")


def explicit_keys(environ, instance_config):
    """The config names set explicitly: non-empty in the environment, or in ``instance/config.py``."""
    return frozenset(name for name, value in environ.items() if name.isupper() and value != "") \
        | frozenset(instance_config)


def _environment_wins(key):
    return key.startswith(ENVIRONMENT_FIRST) and key in current_app.config.get("EXPLICIT_SETTINGS", ())


class Setting(db.Model):
    __tablename__ = "settings"
    key = db.Column(db.String(100), primary_key=True)
    value = db.Column(db.Text)
    secret = db.Column(db.Boolean, nullable=False, default=False)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)


def _fernet():
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"posylka-settings",
               info=b"settings-encryption").derive(current_app.config["SECRET_KEY"].encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(plain):
    return _fernet().encrypt(plain.encode()).decode("ascii")


def decrypt(token):
    try:
        return _fernet().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        return None


def _snapshot_store(app):
    return app.extensions.setdefault("posylka_settings", {"values": None, "loaded_at": 0.0,
                                                          "lock": threading.Lock()})


def _snapshot(tolerant=False):
    """{key: (stored value, secret)} of the settings table, read at most every SETTINGS_REFRESH_SECONDS.

    Hot paths (every page's shop name, the locale, the polled partial's ETag) read settings; this
    keeps them free of queries. A change made in this process is seen at once (the snapshot is
    dropped when the transaction that changed a setting commits); another process sees it within
    SETTINGS_REFRESH_SECONDS.
    """
    app = current_app._get_current_object()
    store = _snapshot_store(app)
    values = store["values"]
    ttl = float(app.config.get("SETTINGS_REFRESH_SECONDS", 5))
    if values is not None and time.monotonic() - store["loaded_at"] < ttl:
        return values
    error_page = tolerant or (has_request_context() and g.get("rendering_error_page"))
    if error_page and time.monotonic() - store.get("failed_at", -ttl) < ttl:
        return store["values"] or {}  # the database was just found down: don't wait for it again
    with store["lock"]:
        if store["values"] is not values and store["values"] is not None:
            return store["values"]  # another thread just reloaded it
        started = time.monotonic()
        try:
            with db.engine.connect() as conn:  # a read on its own connection (never waits for its own write lock)
                rows = conn.execute(db.select(Setting.key, Setting.value, Setting.secret)).all()
        except SQLAlchemyError:
            store["failed_at"] = started
            if not error_page:
                raise  # a page that needs the database answers 503 (app/errors.py)
            # A display-only read (or the 503 page itself): answer from the last copy, or from the
            # environment.
            log.warning("settings could not be read; using the last known values for display")
            return store["values"] or {}
        values = {key: (value, secret) for key, value, secret in rows}
        store["values"], store["loaded_at"] = values, started
    return values


def get(key, default=None, *, display=False, fresh=False):
    """The admin's value for ``key`` if set, else the app config's, else ``default``.

    Read from the process's snapshot (see ``_snapshot``); inside a transaction that changed a
    setting, from that transaction, so that it sees its own change before the commit.
    ``display=True`` is for what only changes how a page looks (the shop's name, the default
    language): with the database down it answers from the last known values instead of failing,
    so pages that need no data (and the 503 page) still render. ``fresh=True`` reads the table
    itself (another process's change of the last few seconds included).
    """
    if _environment_wins(key):
        return current_app.config.get(key, default)
    # registry.has(): never make a session for a request that has none (the polled partial's 304 uses none)
    if fresh or (db.session.registry.has() and db.session.info.get(_CHANGED)):
        row = db.session.get(Setting, key)
        stored = (row.value, row.secret) if row is not None else None
    else:
        stored = _snapshot(tolerant=display).get(key)
    if stored is not None and stored[0] not in (None, ""):
        if not stored[1]:
            return stored[0]
        value = decrypt(stored[0])
        if value is None:
            # Encrypted under another SECRET_KEY: say so (never the value) and fall back.
            log.warning("secret setting %s cannot be decrypted (was SECRET_KEY changed?); "
                        "enter it again on the settings page", key)
            return current_app.config.get(key, default)
        redact_value(value)
        return value
    return current_app.config.get(key, default)


def get_bool(key, default=False):
    """``get`` as yes or no: "1", "true", "yes" and "on" (any case) are yes."""
    return str(get(key, default)).strip().lower() in {"1", "true", "yes", "on"}


def get_int(key, default=None):
    """``get`` as a whole number; the config's value (or ``default``) when the stored one is not one."""
    for value in (get(key, default), current_app.config.get(key, default)):
        try:
            return int(value)
        except (TypeError, ValueError):
            pass
    return default


def _stored(key):
    stored = _snapshot().get(key)
    return stored if stored is not None and stored[0] not in (None, "") else None


def _is_secret(key, stored):
    return bool(stored and stored[1]) or key.endswith(SECRET_SUFFIXES)


def source(key):
    """ENVIRONMENT, ADMIN or DEFAULT: where ``get(key)`` takes its value from."""
    if _environment_wins(key):
        return ENVIRONMENT
    if _stored(key) is not None:
        return ADMIN
    return ENVIRONMENT if key in current_app.config.get("EXPLICIT_SETTINGS", ()) else DEFAULT


def describe(keys=None):
    """[(key, shown value, source, stored-but-hidden)] for ``keys`` (default: every stored setting).

    Secret values are shown as ``***``. The last item is True for a stored value the environment
    hides (a carrier setting set in both places).
    """
    snapshot = _snapshot()
    keys = sorted(snapshot) if keys is None else keys
    rows = []
    for key in keys:
        stored = snapshot.get(key)
        secret = _is_secret(key, stored)
        value = get(key)
        shown = "***" if secret and value not in (None, "") else ("" if value is None else str(value))
        where = source(key)
        rows.append((key, shown, where, where == ENVIRONMENT and stored is not None and stored[0] not in (None, "")))
    return rows


def put(key, value, *, secret=False):
    """Store a setting in the current transaction; ``None`` or "" removes the override."""
    db.session.info[_CHANGED] = current_app._get_current_object()
    row = db.session.get(Setting, key)
    if value in (None, ""):
        if row is not None:
            db.session.delete(row)
        return
    if secret:
        redact_value(str(value))
    stored = encrypt(str(value)) if secret else str(value)
    if row is None:
        db.session.add(Setting(key=key, value=stored, secret=secret))
    else:
        row.value, row.secret = stored, secret


#: The hidden field of a settings page's form that says what its settings were when it was shown
SHOWN_FIELD = "settings_shown"


class ShownSettings:
    """A settings page's form (mixed into its FlaskForm): ``fill_form`` writes what the page shows into
    this hidden field, and ``save(..., shown=form.settings_shown.data)`` refuses the form once another
    admin has changed any of those settings (``{{ form.hidden_tag() }}`` renders the field)."""
    settings_shown = HiddenField()


class SettingsChanged(Refused):
    """A settings form shown before someone else changed one of its settings (see ``shown``)."""

    status = 409  # a conflict, as for an order's stale form

    def __init__(self):
        super().__init__(_l("These settings were changed by someone else while you were editing them. Reload the "
                            "page to see the current values, then try again."))


def _digest(value):
    return hashlib.sha256(("" if value is None else str(value)).encode()).hexdigest()[:16]


def shown(names):
    """What the settings ``names`` are now, as a settings page's hidden field carries it ("NAME:digest ...").
    Secret settings are left out by the caller: a blank secret field keeps the stored value anyway."""
    return " ".join(f"{name}:{_digest(get(name))}" for name in names)


def _check_shown(text, values, secret):
    """``SettingsChanged`` when a setting ``text`` (from ``shown``) names has a different value now, other
    than the one ``values`` would store (the same save sent twice, or the same change made in two tabs).
    Only the settings this save would store are read, never a secret: the text comes from the browser."""
    for part in (text or "").split():
        name, _sep, digest = part.rpartition(":")
        if name not in values or name in secret:
            continue
        now = get(name, fresh=True)
        if digest == _digest(now) or str(values[name] or "").strip() == ("" if now is None else str(now)):
            continue
        raise SettingsChanged()


def save(values, *, action, object_id=None, secret=(), unquoted=(), shown=None):
    """What every settings page does on save, in the current transaction (the caller commits).

    ``shown`` is what the page's form was shown (its hidden ``settings_shown``): if another admin has
    changed one of those settings since, nothing is stored and ``SettingsChanged`` is raised (None or
    "": not checked, as for the command line and the demo).

    Each of ``values`` ({name: value}) that differs from the current value is stored ("" or None
    removes the admin's value); a name in ``secret`` is stored encrypted, and left as it is when
    blank (None removes it). One audit entry ``action`` says what changed (a secret as ``***``,
    a name in ``unquoted``, such as an uploaded logo, as ``changed``). Returns the names that changed.
    """
    _check_shown(shown, values, secret)
    before, after = {}, {}
    for name, value in values.items():
        value = None if value is None else str(value).strip()
        is_secret = name in secret
        if is_secret and value == "":
            continue
        old = get(name)
        if str(old if old is not None else "") == (value or ""):
            continue
        put(name, value, secret=is_secret)
        if is_secret:
            before[name], after[name] = ("***" if old not in (None, "") else None), ("***" if value else None)
        elif name in unquoted:
            before[name], after[name] = None, "changed" if value else None
        else:
            before[name], after[name] = old, value or None
    if after:
        record(action, "settings", object_id, before=before, after=after)
    return list(after)


def fill_form(form, *, secret=()):
    """Show the current settings in a settings page's ``form`` (its fields are named after them);
    the ``secret`` fields stay empty (left empty, they keep the stored value). A ``ShownSettings``
    form also gets what it shows in its hidden field, for ``save`` to check."""
    names = []
    for field in form:
        if field.name in ("csrf_token", SHOWN_FIELD) or field.name in secret:
            continue
        names.append(field.name)
        value = get(field.name)
        if field.type == "BooleanField":
            field.data = get_bool(field.name)
        else:
            field.data = "" if value is None else str(value)
    if SHOWN_FIELD in form:
        form[SHOWN_FIELD].data = shown(names)


def form_values(form):
    """{setting: value} of a settings page's validated ``form``, as ``save`` takes them."""
    return {field.name: ("1" if field.data else "0") if field.type == "BooleanField" else
            ("" if field.data is None else field.data) for field in form
            if field.name not in ("csrf_token", SHOWN_FIELD)}


class SettingError(ValueError):
    """A value that cannot be stored (the message says why, in English, for the command line)."""


def set_from_command_line(key, value):
    """Store (or with ``None`` remove) an admin setting from ``flask settings``; audited. Commits nothing.

    Only names the app knows (its configuration, or already stored) are accepted, so a typo is
    refused instead of being stored where nothing reads it.
    """
    if key not in current_app.config and key not in _snapshot():
        raise SettingError(f"unknown setting {key!r} (see the README's configuration table)")
    if key.endswith("_MODE") and key.startswith(ENVIRONMENT_FIRST) and value not in (None, "") \
            and value not in ("off", "live", "simulated"):
        raise SettingError(f"{key} must be off, live or simulated")
    secret = _is_secret(key, _snapshot().get(key))
    before = get(key)
    put(key, value, secret=secret)
    if secret:
        before, value = ("***" if before not in (None, "") else before), ("***" if value else value)
    record("settings.command_line", "settings", key, before={key: before}, after={key: value},
           actor_label="command line")


@event.listens_for(Session, "after_commit")
def _settings_committed(session):
    app = session.info.pop(_CHANGED, None)
    if app is not None:  # drop this process's snapshot: the next read loads the table again
        _snapshot_store(app)["values"] = None


@event.listens_for(Session, "after_rollback")
def _settings_rolled_back(session):
    session.info.pop(_CHANGED, None)
