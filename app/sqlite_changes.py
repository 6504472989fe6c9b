"""Which rows of chosen tables a SQLite database had changed, by this process or by another one.

Posylka's SQLite connections are ``TrackedConnection`` objects (``sqlite3.connect(factory=...)``,
set by ``create_app``), and every process using a SQLite file watches the tables the customer's
poll cache relies on (``feed_for(path).watch(...)``). Every statement that writes is classified
once (the text, cached):

* an ``UPDATE``/``DELETE`` of one watched table whose only condition is ``table.column = ?`` or
  ``table.column IN (?, ...)`` on a watched column changes those rows: the values are the
  statement's last parameters (each row's, for ``executemany``), and must be of the column's
  type (an ``int`` for ids, a ``str`` otherwise: SQLite would match ``'5'`` to row 5);
* an ``INSERT INTO`` a watched table adds rows, which changes no row anyone has read;
* anything else that names a watched table (another ``WHERE``, ``INSERT OR REPLACE``, an upsert,
  ``DROP``, a script, named parameters, a statement that failed) may have changed any row: "all".

When the transaction commits (``commit()``, ``COMMIT``/``END``, the ``RELEASE`` of an outermost
savepoint, or a statement outside a transaction, which SQLite commits by itself) this process's
listeners are told, right after SQLite returned and before the writing thread does anything
else: nobody can have learnt of the change before them. A rolled-back transaction changed
nothing.

Other processes (a CLI command, a second server process) are told through two files next to the
database. Before committing watched changes a process takes a shared ``flock`` on
``<file>-changes.lock`` (held until it has told its own listeners, or until it dies: the kernel
drops the lock) and adds one to the counter in ``<file>-changes`` (8 bytes, memory-mapped). A
listener learns of a foreign change by comparing the counter with the value it last saw (a
memory read: no system call, no statement); a reader stores what it read only if no commit was
in flight when it began (an exclusive probe of the lock) and the counter has not moved since. A
process cannot know *which* rows another one changed, so a foreign change counts as "all". Both
files get the database's permissions; a process that cannot open them refuses to write to the
watched tables rather than change them unseen. A counter file that is deleted or replaced is
noticed within a second.

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
import time

from app.database import sqlite_file

log = logging.getLogger(__name__)

ALL = None  # "any row of the watched tables may have changed"

_READS = ("SELECT", "PRAGMA", "BEGIN", "SAVEPOINT", "EXPLAIN", "VALUES", "ANALYZE")
_NOTHING, _ROWS, _ALL, _COMMIT, _ROLLBACK, _RELEASE = "nothing", "rows", "all", "commit", "rollback", "release"
_ONE_ROW_CONDITION = re.compile(
    r"\s*(?:UPDATE\s+\"?(?P<updated>\w+)\"?\s+SET\s.+?|DELETE\s+FROM\s+\"?(?P<deleted>\w+)\"?)"
    r"\s+WHERE\s+\"?(?P<table>\w+)\"?\.\"?(?P<column>\w+)\"?\s*"
    r"(?:=\s*\?|IN\s*\((?P<many>\s*\?\s*(?:,\s*\?\s*)*)\))\s*;?\s*",
    re.I | re.S)
_INSERT = re.compile(r"\s*INSERT\s+INTO\s+\"?(?P<table>\w+)\"?", re.I)
_NAMED_PARAMETERS = re.compile(r"\?\d|[:@$][A-Za-z_]")
_RETURNING = re.compile(r"\bRETURNING\b", re.I)
_CLASSIFIED_MAX = 4096
_REPLACED_CHECK_SECONDS = 1.0


def _open_like(path, like, flags):
    """Open ``path``, creating it with the permissions (and group) of ``like``: whoever may write
    to the database must be able to say so, whatever their umask."""
    try:
        return os.open(path, flags)
    except FileNotFoundError:
        pass
    try:
        info = os.stat(like)
        mode, group = info.st_mode & 0o666, info.st_gid
    except OSError:
        mode, group = 0o600, -1
    fd = os.open(path, flags | os.O_CREAT, mode)
    try:
        os.fchmod(fd, mode)  # not cut down by the umask
        if group != -1 and os.fstat(fd).st_gid != group:
            os.fchown(fd, -1, group)
    except OSError:
        pass  # best effort: someone else created it, or we may not change it
    return fd


class SharedCounter:
    """Eight bytes in a file, memory-mapped: a number every Posylka process using the database
    adds one to before it commits watched changes."""

    def __init__(self, path, like=None):
        self.path = path
        fd = _open_like(path, like or path, os.O_RDWR)
        try:
            if os.fstat(fd).st_size < 8:
                os.ftruncate(fd, 8)  # zeros; a second process doing the same at once changes nothing
            self._map = mmap.mmap(fd, 8)
            self.inode = os.fstat(fd).st_ino
        finally:
            os.close(fd)  # the map keeps the file open

    def value(self):
        return self._map[:8]

    def replaced(self):
        """True when the file at ``path`` is no longer the one mapped (deleted or replaced)."""
        try:
            return os.stat(self.path).st_ino != self.inode
        except OSError:
            return True

    def bump(self):
        """Add one, under an exclusive ``flock`` (other processes); returns (before, after)."""
        fd = os.open(self.path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            before = self._map[:8]
            after = ((int.from_bytes(before, "little") + 1) % (1 << 64)).to_bytes(8, "little")
            self._map[:8] = after
        finally:
            os.close(fd)  # and the lock with it
        return before, after


class InFlight:
    """``<file>-changes.lock``: writers hold a shared ``flock`` while a commit of watched changes
    is in flight; a reader's exclusive probe fails while any is (the kernel drops the lock of a
    process that dies)."""

    def __init__(self, path, like):
        self.path = path
        os.close(_open_like(path, like, os.O_RDONLY))

    def hold(self):
        fd = os.open(self.path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)  # waits only for a reader's momentary probe
        except BaseException:
            os.close(fd)
            raise
        return fd

    def quiet(self):
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False
        finally:
            os.close(fd)


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
        self._inflight = None
        self.broken = None  # why other processes cannot be told (then nothing watched is written)
        self.seen = None  # the shared counter's value as this process last knew it
        self._checked = 0.0

    def watch(self, tables):
        """Report the committed changes of ``tables`` ({table: columns a change can be pinned
        to}). Every process that writes must watch what any process's listeners rely on
        (``create_app`` does it). Returns False where the shared files cannot be opened: this
        process must then not listen, and refuses to write to those tables."""
        with self._lock:
            if self._shared is None and self.broken is None:
                try:
                    self._inflight = InFlight(self.path + "-changes.lock", like=self.path)
                    self._shared = SharedCounter(self.path + "-changes", like=self.path)
                    self.seen = self._shared.value()
                except OSError as error:
                    self.broken = f"{self.path}-changes: {error.strerror or error}"
                    log.warning("changes of %s cannot be shared with other processes (%s): the poll cache "
                                "stays off and writes to %s are refused", self.path, error, ", ".join(tables))
            for table, columns in tables.items():
                self.watched[table] = self.watched.get(table, frozenset()) | frozenset(columns)
            self._names = re.compile(r"(?<!\w)\"?(%s)\"?(?!\w)" % "|".join(map(re.escape, self.watched)), re.I)
            self._classified = {}
        return self.broken is None

    def listen(self, listener):
        """``listener(marks)`` is called after each commit that changed watched rows: ``marks``
        is a list of (table, column, value), or ``ALL``."""
        with self._lock:
            self._listeners.append(listener)

    def foreign_change(self):
        """True (once) when another process committed watched changes since this one last looked;
        the listeners have then been told ``ALL``. A memory read when nothing happened."""
        shared = self._shared
        if shared is None:
            return False
        now = time.monotonic()
        if now - self._checked >= _REPLACED_CHECK_SECONDS:
            self._checked = now
            if shared.replaced():
                with self._lock:
                    self._reopen()
                return True
        if shared.value() == self.seen:
            return False
        with self._lock:
            current = self._shared.value()
            if current == self.seen:
                return False
            self.seen = current
            self._tell(ALL)
        return True

    def _reopen(self):
        """The counter file was deleted or replaced: follow the one at the path now (lock held)."""
        try:
            self._shared = SharedCounter(self._shared.path, like=self.path)
            self.seen = self._shared.value()
        except OSError as error:
            self.broken = f"{self.path}-changes: {error.strerror or error}"
            log.warning("changes of %s cannot be shared any more (%s)", self.path, error)
        self._tell(ALL)

    def token(self):
        """What a reader notes before reading: None while a commit of watched changes is in flight
        in any process (what it reads may be older than that commit), else the counter it saw."""
        if self._shared is None or self.broken is not None or not self._inflight.quiet():
            return None
        return self.seen

    def unchanged_since(self, seen):
        return seen is not None and seen == self.seen and self._shared.value() == seen

    def committing(self):
        """This process is about to commit watched changes: hold the in-flight lock (returned, for
        ``committed``) and tell other processes now."""
        if self.broken is not None:
            raise sqlite3.OperationalError(
                f"not written: other Posylka processes could not be told of this change ({self.broken})")
        fd = self._inflight.hold()
        try:
            with self._lock:
                if self._shared.replaced():
                    self._reopen()
                    if self.broken is not None:
                        raise sqlite3.OperationalError(f"not written: {self.broken}")
                before, after = self._shared.bump()
                foreign, self.seen = before != self.seen, after
                if foreign:
                    self._tell(ALL)  # another process changed something since this one last looked
        except BaseException:
            os.close(fd)
            raise
        return fd

    def committed(self, marks, held):
        """This process committed ``marks`` (a list, or ``ALL``): tell its listeners, then let go
        of the in-flight lock ``held``."""
        try:
            with self._lock:
                self._tell(marks)
        finally:
            os.close(held)

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
        if head.startswith("RELEASE"):
            return (_RELEASE,)  # commits when it releases the outermost savepoint
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
    path = sqlite_file(database)
    if path is None:
        return None
    feed = _feeds.get(path)
    if feed is None:
        with _feeds_lock:
            feed = _feeds.setdefault(path, ChangeFeed(path))
    return feed


def _column_value(column, value):
    """A parameter as the listeners compare it, or None (then "all"): ids must be ints, other
    columns strings, exactly; SQLite would convert ``'5'`` or ``5.0`` and change row 5."""
    if column == "id" or column.endswith("_id"):
        return value if type(value) is int else None
    return value if type(value) is str else None


class TrackedCursor(sqlite3.Cursor):
    def execute(self, sql, parameters=()):
        kind = self._watched_kind(sql)
        if kind is None:
            return super().execute(sql, parameters)
        return self._tracked(kind, sql, super().execute, parameters, (parameters,))

    def executemany(self, sql, seq_of_parameters):
        kind = self._watched_kind(sql)
        if kind is None:
            return super().executemany(sql, seq_of_parameters)
        rows = seq_of_parameters if isinstance(seq_of_parameters, (list, tuple)) else list(seq_of_parameters)
        return self._tracked(kind, sql, super().executemany, rows, rows)

    def _watched_kind(self, sql):
        """The statement's classification, or None when it cannot change a watched row."""
        feed = self.connection.feed
        if feed is None or not feed.watched:
            return None
        kind = feed.classify(sql)
        return None if kind[0] is _NOTHING else kind

    def _tracked(self, kind, sql, run, parameters, rows):
        connection = self.connection
        connection.before(kind, sql)
        try:
            result = run(sql, parameters)
        except BaseException:
            connection.failed(kind)  # it may have written rows (outside a transaction: committed them)
            raise
        connection.note(kind, rows)
        return result

    def executescript(self, script):
        connection = self.connection
        if connection.feed is None or not connection.feed.watched:
            return super().executescript(script)
        connection.before((_ALL,), "")  # the script commits what was pending first, then may change anything
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
        self._held = None  # the in-flight lock, from just before a commit of watched changes

    def cursor(self, factory=None):
        return super().cursor(factory or TrackedCursor)

    # the shortcuts make their cursor in C and would skip TrackedCursor's methods
    def execute(self, sql, parameters=()):
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql, seq_of_parameters):
        return self.cursor().executemany(sql, seq_of_parameters)

    def executescript(self, script):
        return self.cursor().executescript(script)

    def _has_pending(self):
        return self._pending is ALL or bool(self._pending)

    def before(self, kind, sql):
        """Called before a statement of ``kind`` runs: a commit of watched changes, or a watched
        write SQLite will commit by itself, holds the in-flight lock and tells other processes."""
        what = kind[0]
        if what is _ROWS or what is _ALL:
            if self.feed.broken is not None:
                raise sqlite3.OperationalError(
                    f"not written: other Posylka processes could not be told of this change ({self.feed.broken})")
            if not self.in_transaction:
                if sql and _RETURNING.search(sql):
                    # SQLite commits it when the rows have been read, after it was reported
                    raise sqlite3.ProgrammingError("a write with RETURNING to a watched table needs a transaction")
                self._hold()
        elif (what is _COMMIT or what is _RELEASE) and self._has_pending():
            self._hold()

    def _hold(self):
        if self._held is None:
            self._held = self.feed.committing()

    def note(self, kind, rows):
        """Called after a statement of ``kind`` ran with the parameter ``rows``."""
        what = kind[0]
        if what is _ROLLBACK:
            if not self.in_transaction:
                self._forget()
            return
        if what is _ROWS and self._pending is not ALL:
            _, table, column, count = kind
            marks = []
            for row in rows:
                if not isinstance(row, (list, tuple)) or len(row) < count:
                    marks = ALL
                    break
                for raw in row[len(row) - count:]:
                    value = _column_value(column, raw)
                    if value is None:
                        marks = ALL
                        break
                    marks.append((table, column, value))
                if marks is ALL:
                    break
            if marks is ALL:
                self._pending = ALL
            else:
                self._pending.extend(marks)
        elif what is _ALL:
            self._pending = ALL
        if not self.in_transaction:
            self._settle()  # committed: by COMMIT, RELEASE, or by SQLite itself

    def failed(self, kind):
        """A statement of ``kind`` raised: it may have changed anything it touched."""
        if kind[0] is not _ROLLBACK:
            self._pending = ALL
        if not self.in_transaction:
            self._settle()

    def _settle(self):
        pending, self._pending = self._pending, []
        held, self._held = self._held, None
        if pending is ALL or pending:
            if held is None:
                held = self.feed.committing()  # e.g. a failed statement: told late rather than never
            self.feed.committed(pending, held)
        elif held is not None:
            os.close(held)

    def _forget(self):
        self._pending = []
        held, self._held = self._held, None
        if held is not None:
            os.close(held)

    def commit(self):
        self.before((_COMMIT,), "")
        try:
            super().commit()
        except BaseException:
            self.failed((_COMMIT,))
            raise
        self.note((_COMMIT,), ())

    def rollback(self):
        try:
            super().rollback()
        finally:
            if not self.in_transaction:
                self._forget()

    def close(self):
        try:
            super().close()
        finally:
            self._forget()
