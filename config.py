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


def _secure_cookies():
    """``SESSION_COOKIE_SECURE``: 1/0 as set; unset means on for an https deployment
    (``PREFERRED_URL_SCHEME=https``) and otherwise "auto" (Secure whenever the request came
    over HTTPS), so ``make run`` on http://127.0.0.1:8000 still keeps its session."""
    value = os.environ.get("SESSION_COOKIE_SECURE")
    if value is not None and value.strip().lower() == "auto":
        return "auto"
    if value is not None and value.strip():
        return _bool("SESSION_COOKIE_SECURE", False)
    return True if os.environ.get("PREFERRED_URL_SCHEME", "http") == "https" else "auto"


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
    #: Where customers write about their orders and their data (shown on the privacy page)
    SHOP_EMAIL = os.environ.get("SHOP_EMAIL", "")
    ORDER_NUMBER_PREFIX = os.environ.get("ORDER_NUMBER_PREFIX", "PS-")
    ORDERS_PER_PAGE = _int("ORDERS_PER_PAGE", 25)
    #: How old (seconds) this process's copy of the admin's settings may get before it is read again
    SETTINGS_REFRESH_SECONDS = _int("SETTINGS_REFRESH_SECONDS", 5)
    #: waitress threads of ``make run`` / ``python wsgi.py``
    WAITRESS_THREADS = _int("WAITRESS_THREADS", 8)
    TRACKING_LINK_DAYS = _int("TRACKING_LINK_DAYS", 90)

    # Log-in throttling and rate limits (Flask-Limiter storage; memory:// is per process)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    #: Failed look-ups at /track allowed per address (successful ones are not counted)
    TRACK_LOOKUP_RATE_LIMIT = os.environ.get("TRACK_LOOKUP_RATE_LIMIT", "10 per 15 minutes")
    #: Addresses that may follow one order at once from its signed link (each SMS is paid by the shop)
    ORDER_FOLLOWERS_MAX = _int("ORDER_FOLLOWERS_MAX", 5)

    # REST API (app/api): per-client limit, token lifetime (at most 3600 s), largest body, platform secrets
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "120 per minute")
    API_TOKEN_SECONDS = _int("API_TOKEN_SECONDS", 3600)
    API_REFRESH_TOKEN_DAYS = _int("API_REFRESH_TOKEN_DAYS", 30)
    API_MAX_BODY_BYTES = _int("API_MAX_BODY_BYTES", 256 * 1024)
    #: Any request body larger than this is refused with 413 before it is read (the CSV import
    #: takes files up to 5 MB; the API has its own, smaller limit above)
    MAX_BODY_BYTES = _int("MAX_BODY_BYTES", 8 * 1024 * 1024)
    # A message template (sandboxed Jinja) renders within this time and writes at most this much
    TEMPLATE_RENDER_MS = _int("TEMPLATE_RENDER_MS", 1000)
    # A CSV import writes in transactions of about this long (on SQLite it then leaves the lock free as long)
    IMPORT_BATCH_MS = _int("IMPORT_BATCH_MS", 100)
    TEMPLATE_OUTPUT_CHARS = _int("TEMPLATE_OUTPUT_CHARS", 20000)
    WOOCOMMERCE_WEBHOOK_SECRET = os.environ.get("WOOCOMMERCE_WEBHOOK_SECRET", "")
    SHOPIFY_WEBHOOK_SECRET = os.environ.get("SHOPIFY_WEBHOOK_SECRET", "")
    LOGIN_ACCOUNT_RATE_LIMIT = os.environ.get("LOGIN_ACCOUNT_RATE_LIMIT", "5 per minute;20 per hour")
    #: Wrong passwords where a logged-in user confirms an action (erasing the account), per user
    PASSWORD_CHECK_RATE_LIMIT = os.environ.get("PASSWORD_CHECK_RATE_LIMIT", "5 per minute;20 per hour")
    #: A browser where an account logged in is exempt from that account's limit for this long
    KNOWN_DEVICE_DAYS = _int("KNOWN_DEVICE_DAYS", 180)
    #: "Forgot your password?": how long the e-mailed link works, and requests per address and per e-mail
    PASSWORD_RESET_MINUTES = _int("PASSWORD_RESET_MINUTES", 60)
    PASSWORD_RESET_RATE_LIMIT = os.environ.get("PASSWORD_RESET_RATE_LIMIT", "5 per minute;20 per hour")
    PASSWORD_RESET_EMAIL_RATE_LIMIT = os.environ.get("PASSWORD_RESET_EMAIL_RATE_LIMIT", "3 per hour")
    RATELIMIT_HEADERS_ENABLED = True

    # Security and privacy (see app/security.py and app/privacy/)
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")
    SESSION_COOKIE_SECURE = _secure_cookies()
    SESSION_IDLE_MINUTES = _int("SESSION_IDLE_MINUTES", 120)
    SESSION_ABSOLUTE_HOURS = _int("SESSION_ABSOLUTE_HOURS", 12)
    REMEMBER_COOKIE_DAYS = _int("REMEMBER_COOKIE_DAYS", 30)
    HSTS_SECONDS = _int("HSTS_SECONDS", 31536000)
    WIDGET_FRAME_ANCESTORS = os.environ.get("WIDGET_FRAME_ANCESTORS", "*")
    PROXY_FIX_X_FOR = _int("PROXY_FIX_X_FOR", 0)
    PROXY_FIX_X_PROTO = _int("PROXY_FIX_X_PROTO", 0)
    PROXY_FIX_X_HOST = _int("PROXY_FIX_X_HOST", 0)
    PROXY_FIX_X_PORT = _int("PROXY_FIX_X_PORT", 0)
    PROXY_FIX_X_PREFIX = _int("PROXY_FIX_X_PREFIX", 0)
    AUDIT_RETENTION_MONTHS = _int("AUDIT_RETENTION_MONTHS", 24)
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")  # text or json
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    #: APScheduler's own lines ("Running job …" for every run); the jobs' summaries follow LOG_LEVEL
    SCHEDULER_LOG_LEVEL = os.environ.get("SCHEDULER_LOG_LEVEL", "WARNING")
    #: How long /healthz waits for the database (a lock, a slow answer) before it answers 503
    HEALTHZ_TIMEOUT_SECONDS = _int("HEALTHZ_TIMEOUT_SECONDS", 2)

    # Password hashing: Argon2id with OWASP's current minimum (19 MiB, t=2, p=1)
    PASSWORD_HASH_TIME_COST = 2
    PASSWORD_HASH_MEMORY_KIB = 19456
    PASSWORD_HASH_PARALLELISM = 1

    # Mail
    SMTP_HOST = os.environ.get("SMTP_HOST", "")
    #: Private hosts that carriers, SMS gateways, SMTP and webhooks may reach (app/outbound.py): host
    #: names, addresses or networks, e.g. "mail.internal, 10.0.0.0/8". Empty: public addresses only.
    OUTGOING_ALLOWED_HOSTS = os.environ.get("OUTGOING_ALLOWED_HOSTS", "")
    SMTP_PORT = _int("SMTP_PORT", 25)
    SMTP_USER = os.environ.get("SMTP_USER", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_STARTTLS = _bool("SMTP_STARTTLS", False)
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "noreply@localhost")  # no name: the shop's name shows
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
    # the messages a customer needs: never held back by the cap, and not counted by it
    NOTIFY_CAP_EXEMPT = os.environ.get("NOTIFY_CAP_EXEMPT", "shipped,delivered,cancelled,returned,pickup")
    NOTIFY_SMS_STATUSES = os.environ.get("NOTIFY_SMS_STATUSES", "shipped,in_transit,cancelled,returned,pickup,reminder")
    PICKUP_REMINDER_DAYS = _int("PICKUP_REMINDER_DAYS", 3)
    # Returns and exchanges (app/returns): days after delivery a customer may ask, the reasons offered
    # (wrong_size, does_not_fit, defect, changed_mind), and the sizes an item may be exchanged to:
    # "SKU: S, M, L" per line (";" also separates), the default list for an SKU not named
    RETURN_DAYS = _int("RETURN_DAYS", 14)
    RETURN_REASONS = os.environ.get("RETURN_REASONS", "wrong_size,does_not_fit,defect,changed_mind")
    EXCHANGE_SIZES = os.environ.get("EXCHANGE_SIZES", "")
    EXCHANGE_DEFAULT_SIZES = os.environ.get("EXCHANGE_DEFAULT_SIZES", "XS,S,M,L,XL,XXL")
    # The Attention page's rules (app/attention): days before each counts as a problem
    ATTENTION_HANDOVER_DAYS = _int("ATTENTION_HANDOVER_DAYS", 2)  # parcel number given, not handed over
    ATTENTION_NO_SCAN_DAYS = _int("ATTENTION_NO_SCAN_DAYS", 3)  # on the way, no carrier scan since
    ATTENTION_LATE_DAYS = _int("ATTENTION_LATE_DAYS", 0)  # days past the expected date before it shows
    PICKUP_STORAGE_DAYS = _int("PICKUP_STORAGE_DAYS", 7)  # how long a pickup point keeps a parcel
    ATTENTION_PICKUP_DAYS_LEFT = _int("ATTENTION_PICKUP_DAYS_LEFT", 2)  # show this many days before that
    ATTENTION_RETURN_DAYS = _int("ATTENTION_RETURN_DAYS", 7)  # a returned parcel stays listed this long
    ATTENTION_SCAN_MINUTES = _int("ATTENTION_SCAN_MINUTES", 60)  # the rules also run after each carrier sync
    ATTENTION_FEEDBACK_DAYS = _int("ATTENTION_FEEDBACK_DAYS", 14)  # a low rating stays listed this long
    # The question after delivery (app/feedback)
    FEEDBACK_ENABLED = _bool("FEEDBACK_ENABLED", True)
    FEEDBACK_DELAY_HOURS = _int("FEEDBACK_DELAY_HOURS", 24)  # asked this long after delivery
    FEEDBACK_ASK_DAYS = _int("FEEDBACK_ASK_DAYS", 7)  # not asked when delivered longer ago than this
    FEEDBACK_LINK_DAYS = _int("FEEDBACK_LINK_DAYS", 30)  # the link to the question works this long
    FEEDBACK_CHECK_MINUTES = _int("FEEDBACK_CHECK_MINUTES", 60)
    # Analytics over periods longer than three months (app/analytics/services.figures) are read from a copy
    # the scheduler recomputes this often; 0 computes every page when asked. The copies live in Flask-Caching's
    # CACHE_TYPE store (files under instance/cache unless CACHE_DIR says otherwise), shared by every process.
    ANALYTICS_REFRESH_MINUTES = _int("ANALYTICS_REFRESH_MINUTES", 15)
    # ... but only periods whose figures took longer than this to compute: a small shop's are always current
    ANALYTICS_SLOW_MS = _int("ANALYTICS_SLOW_MS", 500)
    CACHE_TYPE = os.environ.get("CACHE_TYPE", "FileSystemCache")
    CACHE_DIR = os.environ.get("CACHE_DIR", "")
    # Message KPIs (app/notify/kpis.py): delivery reports, the e-mail open pixel, signed click links and
    # tracking-page views. MESSAGE_TRACKING off turns all of it off; EMAIL_OPEN_PIXEL off only the pixel.
    MESSAGE_TRACKING = _bool("MESSAGE_TRACKING", True)
    EMAIL_OPEN_PIXEL = _bool("EMAIL_OPEN_PIXEL", True)
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
    PUSH_ALLOW_PRIVATE = _bool("PUSH_ALLOW_PRIVATE", False)  # push endpoints on private addresses (tests only)
    WEBHOOK_TIMEOUT_SECONDS = _int("WEBHOOK_TIMEOUT_SECONDS", 12)
    # Messengers (the bot tokens are usually set on the notification settings page)
    TELEGRAM_BOT_TOKEN = os.environ.get("TELEGRAM_BOT_TOKEN", "")
    TELEGRAM_API_URL = os.environ.get("TELEGRAM_API_URL", "https://api.telegram.org")
    TELEGRAM_TIMEOUT_SECONDS = _int("TELEGRAM_TIMEOUT_SECONDS", 15)
    TELEGRAM_POLL_SECONDS = _int("TELEGRAM_POLL_SECONDS", 20)
    VIBER_BOT_TOKEN = os.environ.get("VIBER_BOT_TOKEN", "")
    VIBER_BOT_NAME = os.environ.get("VIBER_BOT_NAME", "")
    VIBER_API_URL = os.environ.get("VIBER_API_URL", "https://chatapi.viber.com/pa")
    VIBER_TIMEOUT_SECONDS = _int("VIBER_TIMEOUT_SECONDS", 15)
    MESSENGER_INVITE_HOURS = _int("MESSENGER_INVITE_HOURS", 24)
    # Alerts for the shop's admins, and optional error reporting
    ALERT_CHECK_SECONDS = _int("ALERT_CHECK_SECONDS", 60)
    ALERT_CARRIER_FAILURES = _int("ALERT_CARRIER_FAILURES", 5)
    ALERT_DISPATCH_FAILURES = _int("ALERT_DISPATCH_FAILURES", 20)
    ALERT_WINDOW_MINUTES = _int("ALERT_WINDOW_MINUTES", 15)
    SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
    # Magento 2 and PrestaShop order pulls (usually connected on the API clients page)
    MAGENTO_URL = os.environ.get("MAGENTO_URL", "")
    MAGENTO_TOKEN = os.environ.get("MAGENTO_TOKEN", "")
    PRESTASHOP_URL = os.environ.get("PRESTASHOP_URL", "")
    PRESTASHOP_KEY = os.environ.get("PRESTASHOP_KEY", "")
    PLATFORM_PULL_SECONDS = _int("PLATFORM_PULL_SECONDS", 300)
    # Statuses sent back to the platforms (write access; Magento and PrestaShop use the pull's keys)
    SHOPIFY_SHOP_URL = os.environ.get("SHOPIFY_SHOP_URL", "")
    SHOPIFY_ACCESS_TOKEN = os.environ.get("SHOPIFY_ACCESS_TOKEN", "")
    WOOCOMMERCE_URL = os.environ.get("WOOCOMMERCE_URL", "")
    WOOCOMMERCE_KEY = os.environ.get("WOOCOMMERCE_KEY", "")
    WOOCOMMERCE_SECRET = os.environ.get("WOOCOMMERCE_SECRET", "")
    # "our status=the platform's status, ..."; empty: the defaults in app/integrations/push.py
    SHOPIFY_STATUS_MAP = os.environ.get("SHOPIFY_STATUS_MAP", "")
    WOOCOMMERCE_STATUS_MAP = os.environ.get("WOOCOMMERCE_STATUS_MAP", "")
    MAGENTO_STATUS_MAP = os.environ.get("MAGENTO_STATUS_MAP", "")
    PRESTASHOP_STATUS_MAP = os.environ.get("PRESTASHOP_STATUS_MAP", "")
    PLATFORM_PAGE_SIZE = _int("PLATFORM_PAGE_SIZE", 50)
    PLATFORM_TIMEOUT_SECONDS = _int("PLATFORM_TIMEOUT_SECONDS", 20)
    SENTRY_ENVIRONMENT = os.environ.get("SENTRY_ENVIRONMENT", "production")

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
    # Carrier sync: each real carrier is off, live or simulated (the built-in sandbox answers)
    NOVAPOSHTA_MODE = os.environ.get("NOVAPOSHTA_MODE", "off")
    UKRPOSHTA_MODE = os.environ.get("UKRPOSHTA_MODE", "off")
    MEEST_MODE = os.environ.get("MEEST_MODE", "off")
    DHL_MODE = os.environ.get("DHL_MODE", "off")
    INPOST_MODE = os.environ.get("INPOST_MODE", "off")
    MEEST_TOKEN = os.environ.get("MEEST_TOKEN", "")  # a cabinet token instead of username/password
    DHL_RATE_LIMIT = os.environ.get("DHL_RATE_LIMIT", "1/second")
    DHL_DAILY_QUOTA = _int("DHL_DAILY_QUOTA", 250)
    MEEST_RATE_LIMIT = os.environ.get("MEEST_RATE_LIMIT", "500/minute")
    NOVAPOSHTA_RATE_LIMIT = os.environ.get("NOVAPOSHTA_RATE_LIMIT", "")  # "": no limit of our own
    UKRPOSHTA_RATE_LIMIT = os.environ.get("UKRPOSHTA_RATE_LIMIT", "")
    INPOST_RATE_LIMIT = os.environ.get("INPOST_RATE_LIMIT", "")
    SYNC_TICK_SECONDS = _int("SYNC_TICK_SECONDS", 60)
    SYNC_REQUEST_SECONDS = _int("SYNC_REQUEST_SECONDS", 5)  # how often the scheduler looks for a "sync now" or "pull now"
    SCHEDULER_LEASE_SECONDS = _int("SCHEDULER_LEASE_SECONDS", 30)
    SANDBOX_STEP_MINUTES = float(os.environ.get("SANDBOX_STEP_MINUTES", "2"))
    #: With the demo data loaded: a new order comes in this often (and staff pack it this long after)
    DEMO_ORDER_MINUTES = float(os.environ.get("DEMO_ORDER_MINUTES", "3"))
    CARRIER_TIMEOUT_SECONDS = float(os.environ.get("CARRIER_TIMEOUT_SECONDS", "10"))
    CARRIER_CONNECT_TIMEOUT_SECONDS = float(os.environ.get("CARRIER_CONNECT_TIMEOUT_SECONDS", "5"))
    CARRIER_RETRIES = _int("CARRIER_RETRIES", 3)
    CARRIER_BACKOFF_SECONDS = float(os.environ.get("CARRIER_BACKOFF_SECONDS", "0.5"))
    CARRIER_BACKOFF_MAX_SECONDS = float(os.environ.get("CARRIER_BACKOFF_MAX_SECONDS", "4"))
    CARRIER_CONCURRENCY = _int("CARRIER_CONCURRENCY", 20)
    CARRIER_BREAKER_THRESHOLD = _int("CARRIER_BREAKER_THRESHOLD", 5)
    CARRIER_BREAKER_COOLDOWN_SECONDS = _int("CARRIER_BREAKER_COOLDOWN_SECONDS", 300)
    INPOST_WEBHOOK_SECRET = os.environ.get("INPOST_WEBHOOK_SECRET", "")
    INPOST_WEBHOOK_IPS = os.environ.get("INPOST_WEBHOOK_IPS", "")

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
    MESSAGE_TRACKING = False  # plain links in messages; tests/test_message_kpis.py switches it on
    RATELIMIT_ENABLED = False
    CACHE_TYPE = "SimpleCache"  # each test's app its own, in memory
    ANALYTICS_REFRESH_MINUTES = 0  # figures computed when asked; tests/test_analytics_copies.py turns the copies on
    SESSION_COOKIE_SECURE = "auto"
    # Cheap Argon2 parameters keep the suite fast; production uses OWASP's values above.
    PASSWORD_HASH_TIME_COST = 1
    PASSWORD_HASH_MEMORY_KIB = 1024
    SMTP_HOST = ""
    # The suite's stand-in carriers, gateways and mail servers listen on 127.0.0.1 (an admin's
    # explicit allowance); tests of refused addresses use 127.0.0.2 and public-looking ranges.
    OUTGOING_ALLOWED_HOSTS = "127.0.0.1"
