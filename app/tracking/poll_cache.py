"""The customer's unchanged poll answered from memory, never older than the last change (SQLite).

Every few seconds each watching browser asks whether its order changed. The answer needs the
order's version and the checks of the browser's session row, which ``customer_order_state``
reads in one indexed query. On SQLite that query is cheap but not free under load: the driver
lets go of Python's GIL around every step, and with eight busy server threads each hand-over is
two context switches. Measured on the 2-core bench machine, a trivial ``SELECT 1`` adds about
350 µs of CPU to a served request, more than the rest of the poll's own work.

So the rows that answer (per order number, user, session version and session) are kept here,
each with what it was read from: the order, its customer, the user and the session row. They
are dropped when one of those rows changes (``app.sqlite_changes`` tells, right after the commit,
which rows or that it cannot tell which), when another process commits a change to those tables,
and they are only stored when nothing changed while they were being read. The session's time
limits are checked on every answer, as the query checks them.

PostgreSQL keeps asking the database: its server may be shared by processes on other machines,
which a file next to the database cannot tell about. ``POLL_CACHE_ENTRIES = 0`` turns it off.
"""
import threading

from flask import current_app
from sqlalchemy.engine import make_url

from app import sqlite_changes

#: the rows a kept answer is read from, by the (table, column) a change can be pinned to, and what
#: that pins down: an entry is marked with (kind, value) pairs
KINDS = {("orders", "id"): "order", ("orders", "number"): "number", ("orders", "customer_id"): "customer",
         ("customers", "id"): "customer", ("customers", "user_id"): "user", ("users", "id"): "user",
         ("user_sessions", "user_id"): "user", ("user_sessions", "id"): "session",
         ("user_sessions", "token_hash"): "token"}
#: table -> its watched columns (for ``ChangeFeed.watch``)
WATCHED = {table: tuple(c for t, c in KINDS if t == table) for table, _ in KINDS}


class PollCache:
    def __init__(self, feed, capacity):
        self.feed = feed
        self.capacity = capacity
        self._entries = {}  # key -> (value, marks)
        self._by_mark = {}  # (kind, value) -> the key, or a set of keys when several share it
        self._seq = 0
        self._lock = threading.Lock()

    def __len__(self):
        return len(self._entries)

    def get(self, key):
        """The value stored under ``key``, unless it may be stale (then None)."""
        if self.feed.foreign_change():
            return None
        entry = self._entries.get(key)
        return entry[0] if entry is not None else None

    def token(self):
        """Taken before reading the database; ``put`` stores only if nothing changed since (None
        while another commit of the watched tables is in flight: then nothing is stored)."""
        seen = self.feed.token()
        return None if seen is None else (self._seq, seen)

    def put(self, key, value, marks, token):
        """Keep ``value``, read from the rows ``marks`` ((kind, value) pairs, ``KINDS``), unless a
        change was committed after ``token`` was taken: it may then be older than that change."""
        with self._lock:
            if token is None or self._seq != token[0] or not self.feed.unchanged_since(token[1]):
                return False
            if key in self._entries:
                self._drop(key)
            while len(self._entries) >= self.capacity:
                self._drop(next(iter(self._entries)))  # the oldest
            self._entries[key] = (value, marks)
            index = self._by_mark
            for mark in marks:
                found = index.get(mark)
                if found is None:
                    index[mark] = key
                elif isinstance(found, set):
                    found.add(key)
                elif found != key:
                    index[mark] = {found, key}
            return True

    def changed(self, marks):
        """The feed's listener: rows ``marks`` ((table, column, value), or ``ALL``) changed."""
        with self._lock:
            self._seq += 1
            if marks is sqlite_changes.ALL:
                self._entries.clear()
                self._by_mark.clear()
                return
            for table, column, value in marks:
                found = self._by_mark.pop((KINDS[table, column], value), None)
                for key in (found if isinstance(found, set) else () if found is None else (found,)):
                    self._drop(key)

    def _drop(self, key):
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        index = self._by_mark
        for mark in entry[1]:
            found = index.get(mark)
            if found == key:
                del index[mark]
            elif isinstance(found, set):
                found.discard(key)
                if len(found) == 1:
                    index[mark] = next(iter(found))


_caches = {}
_caches_lock = threading.Lock()
_OFF = object()


def for_engine(engine):
    """The poll cache of ``engine``'s SQLite file; None on PostgreSQL, in memory, or when off."""
    url = engine.url
    found = _caches.get(url)
    if found is None:
        with _caches_lock:
            found = _caches.get(url)
            if found is None:
                found = _caches[url] = _make(engine)
    return None if found is _OFF else found


def _make(engine):
    capacity = int(current_app.config.get("POLL_CACHE_ENTRIES", 0) or 0)
    if engine.dialect.name != "sqlite" or capacity <= 0:
        return _OFF
    feed = sqlite_changes.feed_for(engine.url.database)
    if feed is None:
        return _OFF
    with engine.connect() as connection:  # the connections of this engine must report their writes
        if not isinstance(connection.connection.dbapi_connection, sqlite_changes.TrackedConnection):
            return _OFF
    if not feed.watch(WATCHED):
        return _OFF
    cache = PollCache(feed, capacity)
    feed.listen(cache.changed)
    return cache


def init_app(app):
    """Every process using a SQLite file reports its changes of the watched tables, whether or not
    it keeps answers itself: a CLI command's change must end a server's kept answers."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        feed = sqlite_changes.feed_for(url.database)
        if feed is not None:
            feed.watch(WATCHED)
