"""The one clock of the app: naive UTC datetimes, as every timestamp column stores them."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)


def local_now(now=None):
    """The time it is (at ``now``, naive UTC; default: now) in the shop's time zone (``TIMEZONE``), naive."""
    zone = ZoneInfo(current_app.config.get("TIMEZONE") or "UTC")
    return (now or utcnow()).replace(tzinfo=timezone.utc).astimezone(zone).replace(tzinfo=None)


def local_today(now=None):
    """The day it is (at ``now``, naive UTC; default: now) in the shop's time zone (``TIMEZONE``)."""
    return local_now(now).date()
