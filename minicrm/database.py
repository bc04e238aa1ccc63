"""Tell a database that is unavailable for now (a 503) from a fault of the code or schema (a 500)."""

import contextlib
import threading

from django.db import OperationalError

# SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_CANTOPEN: the low byte of an extended code.
_SQLITE_CODES = {5, 6, 10, 14}
# For an error that carries no code.
_SQLITE_MESSAGES = (
    "database is locked",
    "database table is locked",
    "disk i/o error",
    "unable to open database file",
)
# Too many connections, lock and statement timeouts, the server shutting down or starting up, a
# lost lock race (serialization failure, deadlock); class 08 (connection) is checked whole.
_POSTGRESQL_STATES = {"53300", "55P03", "57014", "57P01", "57P02", "57P03", "40001", "40P01"}


def is_unavailable(error: BaseException | None) -> bool:
    """Return whether `error` says the database is locked, timed out or cannot be reached."""
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__
    if cause is not None and hasattr(cause, "sqlstate"):
        # psycopg has no SQLSTATE when no server answered.
        state = cause.sqlstate
        return state is None or state.startswith("08") or state in _POSTGRESQL_STATES
    code = getattr(cause, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _SQLITE_CODES
    return str(error).lower().startswith(_SQLITE_MESSAGES)


def checkpoint_wal(connection, *, wait: float = 1.0) -> bool:
    """On SQLite, copy the WAL into the database and truncate it; return whether it did.

    Wait `wait` seconds for readers of older snapshots, not the busy timeout: the write lock is
    held meanwhile."""
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
    """On SQLite, let a process's intake writers take turns before they wait for SQLite's lock.

    SQLite's own wait sleeps 1 to 100 ms a try and left the lock idle: intake p95 fell from
    500-990 ms to 90-380 ms (docs/locking.md#sqlite)."""
    # A caller in a transaction holds SQLite's lock already; PostgreSQL locks rows.
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    if not _writers.acquire(timeout=connection.settings_dict["OPTIONS"].get("timeout", 5)):
        raise OperationalError("database is locked")
    try:
        yield
    finally:
        _writers.release()
