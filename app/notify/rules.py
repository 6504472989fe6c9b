"""Frequency rules: quiet hours, the daily cap and the retry schedules (pure functions of time)."""
import random
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app

from app import settings
from app.text import comma_list


def cap_exempt():
    """Message kinds the daily cap never holds back (and does not count): NOTIFY_CAP_EXEMPT."""
    return set(comma_list(settings.get("NOTIFY_CAP_EXEMPT")))


def parse_quiet_hours(value):
    """"21:00-08:00" → (time(21), time(8)); "" or a malformed value → None."""
    try:
        start, end = (part.strip() for part in (value or "").split("-", 1))
        start_t = time.fromisoformat(start if len(start) > 2 else f"{int(start):02d}:00")
        end_t = time.fromisoformat(end if len(end) > 2 else f"{int(end):02d}:00")
    except ValueError:
        return None
    return None if start_t == end_t else (start_t, end_t)


def _zone():
    try:
        return ZoneInfo(current_app.config.get("TIMEZONE", "Europe/Kyiv"))
    except Exception:
        return timezone.utc


def _local(now):
    return now.replace(tzinfo=timezone.utc).astimezone(_zone())


def _utc_naive(local_dt):
    return local_dt.astimezone(timezone.utc).replace(tzinfo=None)


def after_quiet_hours(now):
    """``now`` if outside the quiet hours, else the (naive UTC) end of the quiet period."""
    window = parse_quiet_hours(settings.get("NOTIFY_QUIET_HOURS", ""))
    if window is None:
        return now
    start, end = window
    local = _local(now)
    t = local.time()
    inside = (start <= t or t < end) if start > end else (start <= t < end)
    if not inside:
        return now
    end_day = local.date() if t < end else local.date() + timedelta(days=1)
    end_local = datetime.combine(end_day, end, tzinfo=_zone())
    return _utc_naive(end_local)


def start_of_local_day(now):
    local = _local(now)
    return _utc_naive(datetime.combine(local.date(), time(0), tzinfo=_zone()))


#: Standard Webhooks' example schedule: 10 attempts over about 3 days (seconds after the previous try).
WEBHOOK_DELAYS = (5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
WEBHOOK_MAX_ATTEMPTS = len(WEBHOOK_DELAYS) + 1


def retry_delay(channel, attempts, rng=random):
    """Seconds to wait after failed attempt number ``attempts`` (1-based), with jitter."""
    if channel == "webhook":
        base = WEBHOOK_DELAYS[min(attempts, len(WEBHOOK_DELAYS)) - 1]
    else:
        base = current_app.config.get("NOTIFY_RETRY_BASE_SECONDS", 60) * (2 ** (attempts - 1))
    return base * (0.9 + 0.2 * rng.random())
