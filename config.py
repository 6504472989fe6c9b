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
    TRACKING_LINK_DAYS = _int("TRACKING_LINK_DAYS", 90)

    # Log-in throttling and rate limits (Flask-Limiter storage; memory:// is per process)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")

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
    SMTP_TIMEOUT_SECONDS = _int("SMTP_TIMEOUT_SECONDS", 15)

    # Notifications (app/notify); the admin notification settings page overrides most of these
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "")  # base of links in messages; default http://HOST:PORT
    NOTIFY_DISPATCH_SECONDS = _int("NOTIFY_DISPATCH_SECONDS", 20)
    NOTIFY_BATCH_SIZE = _int("NOTIFY_BATCH_SIZE", 100)
    NOTIFY_WORKERS = _int("NOTIFY_WORKERS", 4)
    NOTIFY_LEASE_SECONDS = _int("NOTIFY_LEASE_SECONDS", 300)
    NOTIFY_MAX_ATTEMPTS = _int("NOTIFY_MAX_ATTEMPTS", 8)
    NOTIFY_RETRY_BASE_SECONDS = _int("NOTIFY_RETRY_BASE_SECONDS", 60)
    NOTIFY_MERGE_SECONDS = _int("NOTIFY_MERGE_SECONDS", 120)
    NOTIFY_QUIET_HOURS = os.environ.get("NOTIFY_QUIET_HOURS", "21:00-08:00")  # SMS and push; "" = none
    NOTIFY_DAILY_CAP = _int("NOTIFY_DAILY_CAP", 10)
    NOTIFY_SMS_STATUSES = os.environ.get("NOTIFY_SMS_STATUSES", "shipped,in_transit,cancelled,returned,pickup,reminder")
    PICKUP_REMINDER_DAYS = _int("PICKUP_REMINDER_DAYS", 3)
    SMS_PROVIDER = os.environ.get("SMS_PROVIDER", "")  # "", "turbosms" or "smsapi"
    TURBOSMS_API_URL = os.environ.get("TURBOSMS_API_URL", "https://api.turbosms.ua")
    TURBOSMS_TOKEN = os.environ.get("TURBOSMS_TOKEN", "")
    TURBOSMS_SENDER = os.environ.get("TURBOSMS_SENDER", "")
    SMSAPI_API_URL = os.environ.get("SMSAPI_API_URL", "https://api.smsapi.pl")
    SMSAPI_TOKEN = os.environ.get("SMSAPI_TOKEN", "")
    SMSAPI_SENDER = os.environ.get("SMSAPI_SENDER", "")
    SMS_TIMEOUT_SECONDS = _int("SMS_TIMEOUT_SECONDS", 15)
    VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT", "mailto:admin@localhost")
    PUSH_TIMEOUT_SECONDS = _int("PUSH_TIMEOUT_SECONDS", 15)
    WEBHOOK_TIMEOUT_SECONDS = _int("WEBHOOK_TIMEOUT_SECONDS", 12)

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
