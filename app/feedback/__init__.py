"""The one question after delivery: a 1–5 rating with an optional comment, asked once.

``services.ask_due`` (a scheduled job) asks each delivered order's customer once, on the channel
they already get messages on, through the notification outbox (message kind "feedback"); the
message carries a signed link to a page that needs no account. A low score opens an Attention
problem (rule "low_score"); the analytics show the ratings per carrier and region.
"""


def init_app(app):
    """Register the feedback table with the privacy registries (erasure, retention)."""
    from app.feedback import privacy  # noqa: F401  (registers on import)
