"""Which rows of chosen tables a SQLite database had changed, by this process or by another one.

Posylka's SQLite connections are ``TrackedConnection`` objects (``sqlite3.connect(factory=...)``,
set by ``create_app``). Nothing is tracked until a listener watches some tables of the file
(``feed_for(path).watch(...)``, the customer's poll cache does). From then on every statement
that writes is classified once (the text, cached):

* an ``UPDATE``/``DELETE`` of one watched table whose only condition is ``table.column = ?`` or
  ``table.column IN (?, ...)`` on a watched column changes those rows: the values are the
  statement's last parameters (each row's, for ``executemany``);
* an ``INSERT INTO`` a watched table adds rows, which changes no row anyone has read;
* anything else that names a watched table (another ``WHERE``, ``INSERT OR REPLACE``, an upsert,
  ``DROP``, a script, named parameters) may have changed any row of it: "all".

When the transaction commits (``commit()``, a ``COMMIT`` statement, or a statement outside a
transaction, which SQLite commits by itself) the listeners are told, right after SQLite returned
and before the writing thread does anything else: nobody can have learnt of the change before
them. A rolled-back transaction changed nothing.

Other processes (a CLI command, a second server process) tell each other through a shared
counter next to the database, ``<file>-changes`` (8 bytes, memory-mapped): every Posylka process
adds one before and after a commit that changed watched rows (so a process that dies in between
has told the others already), under ``flock``, and a listener learns of a foreign change by
comparing the counter with the value it last saw: a memory read, no system call, no database
statement. A process cannot know *which* rows another one changed, so a foreign change counts as
"all".

Writes that bypass Posylka's code (the ``sqlite3`` shell) are not seen; the listeners are
caches that a restart empties.
"""
import fcntl
import logging
import mmap
import os
import re
import sqlite3
import threading

log = logging.getLogger(__name__)

ALL = None  # "any row of the watched tables may have changed"

_READS = ("SELECT", "PRAGMA", "BEGIN", "SAVEPOINT", "RELEASE", "EXPLAIN", "VALUES", "ANALYZE")
_NOTHING, _ROWS, _ALL, _COMMIT, _ROLLBACK = "nothing", "rows", "all", "commit", "rollback"
_ONE_ROW_CONDITION = re.compile(
    r"\s*(?:UPDATE\s+\"?(?P<updated>\w+)\"?\s+SET\s.+?|DELETE\s+FROM\s+\"?(?P<deleted>\w+)\"?)"
    r"\s+WHERE\s+\"?(?P<table>\w+)\"?\.\"?(?P<column>\w+)\"?\s*"
    r"(?:=\s*\?|IN\s*\((?P<many>\s*\?\s*(?:,\s*\?\s*)*)\))\s*;?\s*",
    re.I | re.S)
_INSERT = re.compile(r"\s*INSERT\s+INTO\s+\"?(?P<table>\w+)\"?", re.I)
_NAMED_PARAMETERS = re.compile(r"\?\d|[:@$][A-Za-z_]")
_CLASSIFIED_MAX = 4096


class SharedCounter:
    """Eight bytes in a file, memory-mapped: a number every Posylka process using the database
    adds one to after a commit that changed watched rows."""

    def __init__(self, path, like=None):
        """``like``: a file whose permissions the counter gets when it is created (the database:
        whoever may write to it must be able to say so)."""
        try:
            mode = os.stat(like).st_mode & 0o666 if like else 0o600
        except OSError:
            mode = 0o600
        fd = os.open(path, os.O_RDWR | os.O_CREAT, mode)
        try:
            if os.fstat(fd).st_size < 8:
                os.ftruncate(fd, 8)  # zeros; a second process doing the same at once changes nothing
            self._map = mmap.mmap(fd, 8)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def value(self):
        return self._map[:8]

    def bump(self):
        """Add one; returns (the value before, the value after)."""
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            before = self._map[:8]
            after = ((int.from_bytes(before, "little") + 1) % (1 << 64)).to_bytes(8, "little")
            self._map[:8] = after
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        return before, after


class ChangeFeed:
    """The changes of one database file: what is watched, who listens, what other processes did."""

    def __init__(self, path):
        self.path = path
        self.watched = {}  # table -> frozenset of columns a change can be pinned to
        self._names = None  # the watched tables as one regex
        self._listeners = []
        self._classified = {}
        self._lock = threading.Lock()
        self._shared = None
        self.seen = None  # the shared counter's value as this process last knew it

    def watch(self, tables):
        """Report the committed changes of ``tables`` ({table: columns a change can be pinned
        to}). Every process that writes must watch what any process's listeners rely on
        (``create_app`` does it). Returns False where the shared counter cannot be opened: this
        process then reports nothing and must not listen."""
        with self._lock:
            if self._shared is None:
                try:
                    self._shared = SharedCounter(self.path + "-changes", like=self.path)
                except OSError as error:
                    log.warning("changes of %s cannot be shared (%s): the poll cache stays off", self.path, error)
                    return False
                self.seen = self._shared.value()
            for table, columns in tables.items():
                self.watched[table] = self.watched.get(table, frozenset()) | frozenset(columns)
            self._names = re.compile(r"(?<!\w)\"?(%s)\"?(?!\w)" % "|".join(map(re.escape, self.watched)), re.I)
            self._classified = {}
        return True

    def listen(self, listener):
        """``listener(marks)`` is called after each commit that changed watched rows: ``marks``
        is a list of (table, column, value), or ``ALL``."""
        with self._lock:
            self._listeners.append(listener)

    def foreign_change(self):
        """True (once) when another process committed watched changes since this one last looked;
        the listeners have then been told ``ALL``. A memory read when nothing happened."""
        shared = self._shared
        if shared is None or shared.value() == self.seen:
            return False
        with self._lock:
            current = shared.value()
            if current == self.seen:
                return False
            self.seen = current
            self._tell(ALL)
        return True

    def shared_value(self):
        return self._shared.value() if self._shared is not None else None

    def committing(self):
        """This process is about to commit watched changes: other processes are told now as well
        as after the commit, so that they have been told even if this one dies in between."""
        with self._lock:
            before, after = self._shared.bump()
            foreign, self.seen = before != self.seen, after
            if foreign:
                self._tell(ALL)  # another process changed something since this one last looked

    def committed(self, marks):
        """This process committed ``marks`` (a list, or ``ALL``)."""
        with self._lock:
            before, after = self._shared.bump()
            if before != self.seen:
                marks = ALL  # another process changed something in between
            self.seen = after
            self._tell(marks)

    def _tell(self, marks):
        for listener in self._listeners:
            try:
                listener(marks)
            except Exception:  # a listener's bug must not fail the commit that already happened
                log.exception("change listener failed; it is told everything changed")
                try:
                    listener(ALL)
                except Exception:
                    log.exception("change listener failed twice")

    def classify(self, sql):
        """(kind, table, column, number of values) of a statement, computed once per text."""
        found = self._classified.get(sql)
        if found is None:
            found = self._classify(sql)
            if len(self._classified) >= _CLASSIFIED_MAX:
                self._classified = {}
            self._classified[sql] = found
        return found

    def _classify(self, sql):
        head = sql.lstrip()[:9].upper()
        if head.startswith(_READS) or (head.startswith("WITH") and not re.search(
                r"\b(INSERT|UPDATE|DELETE|REPLACE)\b", sql, re.I)):
            return (_NOTHING,)
        if head.startswith(("COMMIT", "END")):
            return (_COMMIT,)
        if head.startswith("ROLLBACK"):
            return (_NOTHING,) if re.match(r"\s*ROLLBACK\s+(TRANSACTION\s+)?TO\b", sql, re.I) else (_ROLLBACK,)
        if self._names is None:
            return (_NOTHING,)
        tables = {name.lower() for name in self._names.findall(sql)}
        if not tables:
            return (_NOTHING,)
        if _NAMED_PARAMETERS.search(sql):
            return (_ALL,)
        match = _ONE_ROW_CONDITION.fullmatch(sql)
        if match:
            target = (match.group("updated") or match.group("deleted")).lower()
            table, column = match.group("table").lower(), match.group("column").lower()
            if target == table and tables == {table} and column in self.watched.get(table, ()):
                count = match.group("many").count("?") if match.group("many") else 1
                return (_ROWS, table, column, count)
            return (_ALL,)
        insert = _INSERT.match(sql)
        if insert and not re.search(r"\bON\s+CONFLICT\b", sql, re.I):
            return (_NOTHING,)  # new rows: no row anyone read has changed
        return (_ALL,)


_feeds = {}
_feeds_lock = threading.Lock()


def feed_for(database):
    """The feed of a database file (None for an in-memory database)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = os.path.realpath(database)
    feed = _feeds.get(path)
    if feed is None:
        with _feeds_lock:
            feed = _feeds.setdefault(path, ChangeFeed(path))
    return feed


def _value(value):
    """A parameter as the listeners compare it: ints and strings as they are, whole floats as ints;
    None for anything else (the caller then reports ``ALL``)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, str)):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


class TrackedCursor(sqlite3.Cursor):
    def execute(self, sql, parameters=()):
        connection = self.connection
        feed = connection.feed
        if feed is None or not feed.watched:
            return super().execute(sql, parameters)
        kind = feed.classify(sql)
        if kind[0] is _NOTHING:
            return super().execute(sql, parameters)
        connection.before(kind)
        result = super().execute(sql, parameters)
        connection.note(kind, (parameters,))
        return result

    def executemany(self, sql, seq_of_parameters):
        connection = self.connection
        feed = connection.feed
        if feed is None or not feed.watched:
            return super().executemany(sql, seq_of_parameters)
        kind = feed.classify(sql)
        if kind[0] is _NOTHING:
            return super().executemany(sql, seq_of_parameters)
        rows = seq_of_parameters if isinstance(seq_of_parameters, (list, tuple)) else list(seq_of_parameters)
        connection.before(kind)
        result = super().executemany(sql, rows)
        connection.note(kind, rows)
        return result

    def executescript(self, script):
        connection = self.connection
        if connection.feed is None or not connection.feed.watched:
            return super().executescript(script)
        connection.feed.committing()  # the script commits what was pending first, then may change anything
        try:
            return super().executescript(script)
        finally:
            connection.note((_ALL,), ())


class TrackedConnection(sqlite3.Connection):
    """A sqlite3 connection that reports its committed changes of watched tables to its feed."""

    def __init__(self, database, *args, **kwargs):
        super().__init__(database, *args, **kwargs)
        self.feed = feed_for(database if isinstance(database, str) else os.fsdecode(database))
        self._pending = []  # marks of this transaction; ALL once anything may have changed

    def cursor(self, factory=None):
        return super().cursor(factory or TrackedCursor)

    # the shortcuts make their cursor in C and would skip TrackedCursor's methods
    def execute(self, sql, parameters=()):
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql, seq_of_parameters):
        return self.cursor().executemany(sql, seq_of_parameters)

    def executescript(self, script):
        return self.cursor().executescript(script)

    def before(self, kind):
        """Called before a statement of ``kind`` runs: a commit of watched changes, or a watched
        write that SQLite will commit by itself, is announced to other processes first."""
        what = kind[0]
        if (what is _COMMIT and (self._pending is ALL or self._pending)) or (
                what in (_ROWS, _ALL) and not self.in_transaction):
            self.feed.committing()

    def note(self, kind, rows):
        """Called after a statement of ``kind`` ran with the parameter ``rows``."""
        what = kind[0]
        if what is _COMMIT:
            self._settle()
            return
        if what is _ROLLBACK:
            self._pending = []
            return
        if self._pending is not ALL:
            if what is _ROWS:
                _, table, column, count = kind
                for row in rows:
                    if not isinstance(row, (list, tuple)) or len(row) < count:
                        self._pending = ALL
                        break
                    for raw in row[len(row) - count:]:
                        value = _value(raw)
                        if value is None:
                            self._pending = ALL
                            break
                        self._pending.append((table, column, value))
                    if self._pending is ALL:
                        break
            else:
                self._pending = ALL
        if not self.in_transaction:
            self._settle()  # outside a transaction SQLite committed the statement by itself

    def _settle(self):
        pending, self._pending = self._pending, []
        if pending is ALL or pending:
            self.feed.committed(pending)

    def commit(self):
        self.before((_COMMIT,))
        super().commit()
        self._settle()

    def rollback(self):
        super().rollback()
        self._pending = []
