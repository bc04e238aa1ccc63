"""Database connections are kept between requests, on SQLite as on PostgreSQL: SQLite's PRAGMAs run
once per connection, a connection that met a locked database serves the next request, a
PostgreSQL connection that died is replaced at the next request, and the worker keeps SQLite's WAL
from growing."""

import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError, connection, connections
from django.db.backends.sqlite3.base import DatabaseWrapper

from distribution.management.commands import worker
from minicrm.database import checkpoint_wal

ROOT = Path(__file__).resolve().parent.parent
sqlite_only = pytest.mark.only_on_sqlite("SQLite's connections")


@pytest.fixture
def kept_connection(django_db_blocker):
    """Opens connections to SQLite files, configured as the project's default one."""
    from django.conf import settings

    opened = []

    def open_one(path: Path) -> DatabaseWrapper:
        opened.append(DatabaseWrapper({**settings.DATABASES["default"], "NAME": str(path)}, alias="kept"))
        return opened[-1]

    with django_db_blocker.unblock():
        yield open_one
        for wrapper in opened:
            wrapper.close()


def next_request(wrapper: DatabaseWrapper) -> None:
    """What Django does to the connection between two requests (request_started/finished)."""
    wrapper.close_if_unusable_or_obsolete()


def value(wrapper: DatabaseWrapper, sql: str):
    with wrapper.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def test_it_keeps_sqlite_connections_with_health_checks():
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "db = settings.DATABASES['default']; "
        "print(json.dumps([db['ENGINE'], db['CONN_MAX_AGE'], db['CONN_HEALTH_CHECKS']]))"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CONN_MAX_AGE"}}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "minicrm.settings", "DEBUG": "true"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.stdout.strip() == '["django.db.backends.sqlite3", 60, true]', result.stderr


@sqlite_only
def test_it_runs_the_pragmas_once_per_connection(kept_connection, tmp_path):
    wrapper = kept_connection(tmp_path / "db.sqlite3")
    with mock.patch.object(
        DatabaseWrapper, "get_new_connection", autospec=True, side_effect=DatabaseWrapper.get_new_connection
    ) as connect:
        for _ in range(3):
            assert value(wrapper, "SELECT 1") == 1
            next_request(wrapper)

    assert connect.call_count == 1
    assert value(wrapper, "PRAGMA journal_mode") == "wal"
    assert value(wrapper, "PRAGMA synchronous") == 1  # NORMAL
    assert value(wrapper, "PRAGMA journal_size_limit") == 64 * 1024 * 1024


@sqlite_only
def test_it_keeps_a_connection_that_met_a_locked_database(kept_connection, tmp_path):
    path = tmp_path / "db.sqlite3"
    wrapper = kept_connection(path)
    wrapper.settings_dict["OPTIONS"] = {**wrapper.settings_dict["OPTIONS"], "timeout": 0.05}
    value(wrapper, "SELECT 1")
    opened = wrapper.connection
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    with pytest.raises(OperationalError, match="locked"), wrapper.cursor() as cursor:
        cursor.execute("CREATE TABLE t (x)")
    holder.execute("ROLLBACK")
    holder.close()
    next_request(wrapper)

    with wrapper.cursor() as cursor:
        cursor.execute("CREATE TABLE t (x)")
    assert wrapper.connection is opened


@pytest.mark.only_on_postgresql("PostgreSQL's connections")
def test_it_replaces_a_kept_postgresql_connection_that_died(db):
    wrapper = connections.create_connection("default")
    assert value(wrapper, "SELECT 1") == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [wrapper.connection.info.backend_pid])
    next_request(wrapper)

    assert value(wrapper, "SELECT 1") == 1
    wrapper.close()


def wal_bytes(path: Path) -> int:
    wal = path.with_name(path.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


@sqlite_only
def test_it_truncates_the_wal(kept_connection, tmp_path):
    path = tmp_path / "db.sqlite3"
    wrapper = kept_connection(path)
    with wrapper.cursor() as cursor:
        cursor.execute("CREATE TABLE t (x)")
        cursor.executemany("INSERT INTO t VALUES (?)", [("x" * 500,)] * 200)
    assert wal_bytes(path) > 0

    assert checkpoint_wal(wrapper) is True
    assert wal_bytes(path) == 0


@sqlite_only
def test_a_checkpoint_gives_up_soon_while_a_reader_holds_an_old_snapshot(kept_connection, tmp_path):
    path = tmp_path / "db.sqlite3"
    wrapper = kept_connection(path)
    with wrapper.cursor() as cursor:
        cursor.execute("CREATE TABLE t (x)")
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM t").fetchone()
    with wrapper.cursor() as cursor:
        cursor.execute("INSERT INTO t VALUES (1)")
    started = time.monotonic()

    assert checkpoint_wal(wrapper, wait=0.1) is False
    assert time.monotonic() - started < 5  # not the 20 s busy timeout
    assert value(wrapper, "PRAGMA busy_timeout") == 20_000  # the writers' timeout is back
    reader.close()


def test_the_worker_checkpoints_every_interval_until_stopped(monkeypatch):
    stop, ticks = threading.Event(), []

    def tick(_connection):
        ticks.append(1)
        if len(ticks) == 3:
            stop.set()
        if len(ticks) == 2:
            raise sqlite3.OperationalError("database is locked")
        return True

    monkeypatch.setattr(worker, "checkpoint_wal", tick)

    worker.checkpoint_wal_every(every=0.01, stop=stop)

    assert len(ticks) == 3
