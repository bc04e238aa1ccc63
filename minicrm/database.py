"""Which database errors mean "the database is unavailable, try again" (a 503) rather than a fault
of the code or the schema (a 500, such as SQLite's "no such table" after a missed migrate)."""

import contextlib
import threading

from django.db import OperationalError

# SQLite's primary result codes (the low byte of an extended code) for a database that another
# connection holds beyond the busy timeout or that cannot be read: SQLITE_BUSY, SQLITE_LOCKED,
# SQLITE_IOERR, SQLITE_CANTOPEN.
_SQLITE_CODES = {5, 6, 10, 14}
# Their messages, for an error that carries no code.
_SQLITE_MESSAGES = (
    "database is locked",
    "database table is locked",
    "disk i/o error",
    "unable to open database file",
)
# PostgreSQL's SQLSTATEs for the same (class 08, connection exceptions, is checked as a class):
# too many connections, lock_timeout, statement_timeout, the server shutting down or starting up,
# and a transaction that lost a lock race (serialization failure, deadlock).
_POSTGRESQL_STATES = {"53300", "55P03", "57014", "57P01", "57P02", "57P03", "40001", "40P01"}


def is_unavailable(error: BaseException | None) -> bool:
    """Whether `error` says the database is locked, timed out or cannot be reached."""
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__  # the driver's exception, which Django wraps
    if cause is not None and hasattr(cause, "sqlstate"):
        # psycopg: no SQLSTATE when no server answered (connecting failed, the connection dropped).
        state = cause.sqlstate
        return state is None or state.startswith("08") or state in _POSTGRESQL_STATES
    code = getattr(cause, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _SQLITE_CODES
    return str(error).lower().startswith(_SQLITE_MESSAGES)


def checkpoint_wal(connection, *, wait: float = 1.0) -> bool:
    """On SQLite, copy the whole WAL into the database and truncate it to nothing. Returns whether
    it did: a reader still on an older snapshot after `wait` seconds makes it give up (the next
    time will do), and it does nothing on another database.

    It holds the write lock while it waits, so the wait is short, not the busy timeout that
    writers are given: an intake queued behind it waits `wait` seconds at most."""
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        (busy_timeout,) = cursor.fetchone()
        cursor.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
        try:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            (busy, _log_frames, _checkpointed) = cursor.fetchone()
        finally:
            cursor.execute(f"PRAGMA busy_timeout = {busy_timeout}")
    return busy == 0


_writers = threading.Lock()


@contextlib.contextmanager
def one_writer_at_a_time(connection):
    """On SQLite, the intake's writing transactions of a process take turns here before they take
    SQLite's write lock. SQLite has one writer at a time anyway, but a writer that finds its lock
    taken sleeps on the busy timeout in steps of 1 to 100 ms, so under load most of the lock's
    time went unused and intakes waited up to a second (issue 12): threads waiting on a lock run
    the moment the one before them is done. Then only one writer a process meets the other
    processes' at SQLite's lock. A thread that waited the busy timeout gets "database is locked",
    as SQLite says it (a 503). A caller already in a transaction holds SQLite's lock, and
    PostgreSQL locks rows: for them it does nothing."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    if not _writers.acquire(timeout=connection.settings_dict["OPTIONS"].get("timeout", 5)):
        raise OperationalError("database is locked")
    try:
        yield
    finally:
        _writers.release()
