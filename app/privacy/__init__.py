"""Privacy: what personal data the shop holds, how long it keeps it, and the customer's rights.

``registry`` says where personal data lives (marked columns, registered tables) and which
retention rules exist; ``sources`` registers the foundation's tables; ``retention`` anonymises
finished orders after ``RETENTION_MONTHS`` and purges dead sessions and old audit rows;
``subject`` exports and erases one customer's data. Anonymising rewrites the personal columns
of history rows too (status notes, carrier locations): the only edits those append-only
tables ever get.
"""
from app.privacy import logs, retention, sources  # noqa: F401  (registers the built-in tables and rules)
