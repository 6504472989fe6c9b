"""The one clock of the app: naive UTC datetimes, as every timestamp column stores them."""
from datetime import datetime, timezone


def utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)
