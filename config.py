"""Settings, read from the environment (and optionally ``instance/config.py``).

Every name here is documented in the README's configuration table. Values are
read once when the app is created; code reads them through ``current_app.config``.
"""
import os


def _bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def database_url(url):
    """Accept the usual ``postgresql://`` form and use the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Config:
    # Core
    SECRET_KEY = os.environ.get("SECRET_KEY")  # generated into instance/ when absent
    DATABASE_URL = os.environ.get("DATABASE_URL")  # default: sqlite:///<instance>/tracking.db
    HOST = os.environ.get("HOST", "127.0.0.1")
    PORT = _int("PORT", 8000)
    SCHEDULER_ENABLED = _bool("SCHEDULER_ENABLED", True)
    SYNC_INTERVAL_MINUTES = _int("SYNC_INTERVAL_MINUTES", 15)
    POLL_SECONDS = _int("POLL_SECONDS", 10)
    DEFAULT_LANGUAGE = os.environ.get("DEFAULT_LANGUAGE", "uk")
    LANGUAGES = ("uk", "en", "pl", "ru")
    TIMEZONE = os.environ.get("TIMEZONE", "Europe/Kyiv")
    RETENTION_MONTHS = _int("RETENTION_MONTHS", 12)
    SHOP_NAME = os.environ.get("SHOP_NAME", "Posylka")
    ORDERS_PER_PAGE = _int("ORDERS_PER_PAGE", 25)
    #: How old (seconds) this process's copy of the admin's settings may get before it is read again
    SETTINGS_REFRESH_SECONDS = _int("SETTINGS_REFRESH_SECONDS", 5)
    #: Rendered tracking pages kept in memory per process, keyed by the order's version (0: none)
    TRACKING_CACHE_ENTRIES = _int("TRACKING_CACHE_ENTRIES", 1000)
    #: waitress threads of ``make run`` / ``python wsgi.py``
    WAITRESS_THREADS = _int("WAITRESS_THREADS", 8)
    TRACKING_LINK_DAYS = _int("TRACKING_LINK_DAYS", 90)

    # Log-in throttling and rate limits (Flask-Limiter storage; memory:// is per process)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    #: Failed look-ups at /track allowed per address (successful ones are not counted)
    TRACK_LOOKUP_RATE_LIMIT = os.environ.get("TRACK_LOOKUP_RATE_LIMIT", "10 per 15 minutes")

    # REST API (app/api): per-client limit, token lifetime (at most 3600 s), largest body, platform secrets
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "120 per minute")
    API_TOKEN_SECONDS = _int("API_TOKEN_SECONDS", 3600)
    API_MAX_BODY_BYTES = _int("API_MAX_BODY_BYTES", 256 * 1024)
    WOOCOMMERCE_WEBHOOK_SECRET = os.environ.get("WOOCOMMERCE_WEBHOOK_SECRET", "")
    SHOPIFY_WEBHOOK_SECRET = os.environ.get("SHOPIFY_WEBHOOK_SECRET", "")

    # Password hashing: Argon2id with OWASP's current minimum (19 MiB, t=2, p=1)
    PASSWORD_HASH_TIME_COST = 2
    PASSWORD_HASH_MEMORY_KIB = 19456
    PASSWORD_HASH_PARALLELISM = 1

    # Mail
    SMTP_HOST = os.environ.get("SMTP_HOST", "")
    SMTP_PORT = _int("SMTP_PORT", 25)
    SMTP_USER = os.environ.get("SMTP_USER", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_STARTTLS = _bool("SMTP_STARTTLS", False)
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "Posylka <noreply@localhost>")

    # Carriers: the defaults are the carriers' real production URLs
    NOVAPOSHTA_API_URL = os.environ.get("NOVAPOSHTA_API_URL", "https://api.novaposhta.ua/v2.0/json/")
    NOVAPOSHTA_API_KEY = os.environ.get("NOVAPOSHTA_API_KEY", "")
    UKRPOSHTA_API_URL = os.environ.get("UKRPOSHTA_API_URL", "https://www.ukrposhta.ua/status-tracking/0.0.1")
    UKRPOSHTA_TOKEN = os.environ.get("UKRPOSHTA_TOKEN", "")
    MEEST_API_URL = os.environ.get("MEEST_API_URL", "https://api.meest.com/v3.0/openAPI")
    MEEST_USERNAME = os.environ.get("MEEST_USERNAME", "")
    MEEST_PASSWORD = os.environ.get("MEEST_PASSWORD", "")
    DHL_API_URL = os.environ.get("DHL_API_URL", "https://api-eu.dhl.com/track")
    DHL_API_KEY = os.environ.get("DHL_API_KEY", "")
    INPOST_API_URL = os.environ.get("INPOST_API_URL", "https://api-shipx-pl.easypack24.net/v1")
    INPOST_TOKEN = os.environ.get("INPOST_TOKEN", "")

    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session; pages stay open for hours
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"


class TestConfig(Config):
    """A fresh, quiet configuration for the test suite."""

    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"
    SCHEDULER_ENABLED = False
    WTF_CSRF_ENABLED = False  # CSRF tests switch it back on explicitly
    RATELIMIT_ENABLED = False
    # Cheap Argon2 parameters keep the suite fast; production uses OWASP's values above.
    PASSWORD_HASH_TIME_COST = 1
    PASSWORD_HASH_MEMORY_KIB = 1024
    SMTP_HOST = ""
