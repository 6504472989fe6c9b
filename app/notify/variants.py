"""A/B tests of messages: a second text (variant "b") for a kind × channel template, and a split.

An admin writes variant "b" (``MessageVariant``, per language) and sets the share of messages that
get it (``MessageSplit``). The dispatcher picks each message's variant from its id (a fixed hash,
so a retried message keeps its variant) and records it on the row; a language without a "b" text
sends "a". The analytics compare the variants' delivered, open and click rates (``app.analytics.abtest``).
"""
from app.extensions import db
from app.notify.defaults import TEMPLATE_CHANNELS
from app.notify.models import MessageSplit, MessageVariant

#: The channels a template can be tested on: in-app messages are written as read-ready rows and
#: never dispatched, so there is nothing to split and no delivery or open to compare.
CHANNELS = tuple(channel for channel in TEMPLATE_CHANNELS if channel != "inapp")


def assign(notification_id, share_b):
    """ "a" or "b" for a message: a Knuth multiplicative hash of its id, in 100 buckets."""
    bucket = (int(notification_id) * 2654435761 % 2 ** 32) * 100 // 2 ** 32
    return "b" if bucket < int(share_b) else "a"


def split_for(kind, channel, cache=None):
    """The running test's share of "b" for ``kind`` × ``channel`` (None: no test)."""
    cache = {} if cache is None else cache
    key = ("split", kind, channel)
    if key not in cache:
        row = db.session.get(MessageSplit, (kind, channel))
        cache[key] = row.share_b if row is not None and row.share_b > 0 else None
    return cache[key]


def variant_source(kind, channel, language, cache=None):
    """(subject, body) of variant "b" in ``language``, or None."""
    cache = {} if cache is None else cache
    key = ("variant", kind, channel, language)
    if key not in cache:
        row = db.session.execute(db.select(MessageVariant).filter_by(kind=kind, channel=channel, language=language)
                                 ).scalar_one_or_none()
        cache[key] = (row.subject, row.body) if row is not None else None
    return cache[key]


def choose(notification_id, kind, channel, language, cache=None):
    """(variant, (subject, body) of "b" or None) for one message."""
    share = split_for(kind, channel, cache)
    if share is None:
        return None, None
    source = variant_source(kind, channel, language, cache)
    if source is None:
        return "a", None
    variant = assign(notification_id, share)
    return variant, (source if variant == "b" else None)


def save(kind, channel, share_b, texts):
    """Set a test: ``texts`` {language: (subject, body)} of variant "b" (empty body: none); share 0 stops it."""
    row = db.session.get(MessageSplit, (kind, channel))
    if share_b <= 0:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(MessageSplit(kind=kind, channel=channel, share_b=share_b))
    else:
        row.share_b = share_b
    for language, (subject, body) in texts.items():
        existing = db.session.execute(db.select(MessageVariant).filter_by(
            kind=kind, channel=channel, language=language)).scalar_one_or_none()
        if not (body or "").strip():
            if existing is not None:
                db.session.delete(existing)
            continue
        if existing is None:
            db.session.add(MessageVariant(kind=kind, channel=channel, language=language, subject=subject or None,
                                          body=body))
        else:
            existing.subject, existing.body = subject or None, body
