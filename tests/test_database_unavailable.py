"""A database that is locked, timed out or unreachable gets a 503 wherever the error comes from
(the view, or saving the session after it): the page, the error in place for htmx, JSON under
/api. Any other database error stays a 500, logged as an error."""

import logging
import sqlite3
from unittest import mock

import pytest
from django.db import DatabaseError, OperationalError, connection, transaction
from django.test import Client

from minicrm.database import is_unavailable

from .conftest import htmx


def database_locked(*args, **kwargs):
    raise OperationalError("database is locked")


def wrapped(driver_error: Exception) -> OperationalError:
    """The driver's error as Django raises it."""
    error = OperationalError(*driver_error.args)
    error.__cause__ = driver_error
    return error


# Saving the session ------------------------------------------------------------------------------


@pytest.mark.parametrize("is_htmx", [False, True])
def test_it_answers_503_when_saving_the_session_finds_the_database_locked(
    manager_client, make_operator, is_htmx
):
    operator = make_operator(active=False)
    manager_client.raise_request_exception = False  # as a server does: the handlers answer
    if is_htmx:
        # An htmx answer shows the messages in place: the session changes (and is saved) when it
        # shows one left by an earlier action.
        manager_client.post(f"/operators/{make_operator().pk}/switch", {})

    with mock.patch("django.contrib.sessions.backends.db.SessionStore.save", database_locked):
        response = manager_client.post(
            f"/operators/{operator.pk}/switch",
            {"is_active": "on"},
            **(htmx(f"operator-{operator.pk}") if is_htmx else {}),
        )

    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    html = response.content.decode()
    assert "may not have been saved" in html
    if is_htmx:
        assert response["HX-Retarget"] == "#messages"
        assert html.lstrip().startswith('<p class="message error">')
    else:
        assert "<h1>Unavailable for a moment</h1>" in html
    operator.refresh_from_db()
    assert operator.is_active  # the view had committed: the message must not say otherwise


# Where the error is raised -----------------------------------------------------------------------


@pytest.mark.urls("tests.urls_errors")
@pytest.mark.parametrize("script_name", ["", "/crm"])
def test_a_view_under_api_that_finds_the_database_locked_answers_json(db, script_name):
    response = Client(raise_request_exception=False).get("/api/locked", SCRIPT_NAME=script_name)

    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert response.json() == {"error": "The database is busy or unavailable; retry."}


@pytest.mark.urls("tests.urls_errors")
def test_a_page_that_finds_the_database_locked_answers_the_503_page(manager_client):
    response = manager_client.get("/locked", SCRIPT_NAME="/crm")

    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.urls("tests.urls_errors")
@pytest.mark.parametrize("debug", [False, True])
def test_any_other_operational_error_stays_a_500_logged_as_an_error(manager_client, settings, caplog, debug):
    settings.DEBUG = debug
    manager_client.raise_request_exception = False

    with caplog.at_level(logging.WARNING):
        response = manager_client.get("/no-such-table")

    assert response.status_code == 500
    assert not any("unavailable" in record.getMessage() for record in caplog.records)
    assert any(record.levelno == logging.ERROR for record in caplog.records)


# Which errors are "unavailable" ------------------------------------------------------------------


def test_it_tells_sqlite_s_lock_and_missing_file_from_other_errors(tmp_path):
    holder = sqlite3.connect(tmp_path / "held.db")
    holder.execute("BEGIN EXCLUSIVE")
    with pytest.raises(sqlite3.OperationalError) as locked:
        sqlite3.connect(tmp_path / "held.db", timeout=0).execute("SELECT 1 FROM sqlite_master")
    holder.rollback()
    with pytest.raises(sqlite3.OperationalError) as missing:
        sqlite3.connect(tmp_path / "no-such-directory" / "x.db")
    with pytest.raises(sqlite3.OperationalError) as no_table:
        sqlite3.connect(":memory:").execute("SELECT * FROM distribution_lead")
    with pytest.raises(sqlite3.OperationalError) as syntax:
        sqlite3.connect(":memory:").execute("SELEC 1")

    assert is_unavailable(wrapped(locked.value))
    assert is_unavailable(wrapped(missing.value))
    assert not is_unavailable(wrapped(no_table.value))
    assert not is_unavailable(wrapped(syntax.value))


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (OperationalError("database is locked"), True),
        (OperationalError("database table is locked"), True),
        (OperationalError("unable to open database file"), True),
        (OperationalError("disk I/O error"), True),
        (OperationalError("no such table: distribution_lead"), False),
        (OperationalError("no such column: x"), False),
        (DatabaseError("database is locked"), False),  # not an OperationalError
        (ValueError("database is locked"), False),
        (None, False),
    ],
)
def test_it_reads_an_error_without_its_driver_s_by_its_message(error, unavailable):
    assert is_unavailable(error) is unavailable


def test_a_query_on_a_missing_table_is_not_unavailable_on_either_database(db):
    with pytest.raises(DatabaseError) as caught, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table")

    assert not is_unavailable(caught.value)


psycopg = pytest.importorskip("psycopg")


def test_it_counts_a_refused_postgresql_connection_as_unavailable():
    with pytest.raises(psycopg.OperationalError) as refused:
        psycopg.connect("host=127.0.0.1 port=1 dbname=x user=x connect_timeout=2")

    assert is_unavailable(wrapped(refused.value))


@pytest.mark.parametrize(
    ("driver_error", "unavailable"),
    [
        (psycopg.errors.LockNotAvailable("lock timeout"), True),
        (psycopg.errors.QueryCanceled("statement timeout"), True),
        (psycopg.errors.AdminShutdown("terminating connection"), True),
        (psycopg.errors.CannotConnectNow("the database system is starting up"), True),
        (psycopg.errors.TooManyConnections("too many clients"), True),
        (psycopg.errors.DeadlockDetected("deadlock detected"), True),
        (psycopg.errors.ConnectionFailure("connection failure"), True),
        (psycopg.errors.DiskFull("could not extend file"), False),
        (psycopg.errors.ProgramLimitExceeded("index row size exceeds"), False),
    ],
)
def test_it_reads_postgresql_s_sqlstate(driver_error, unavailable):
    assert is_unavailable(wrapped(driver_error)) is unavailable


@pytest.mark.only_on_postgresql("a PostgreSQL statement timeout")
def test_a_postgresql_statement_timeout_is_unavailable(db):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 1")
        with pytest.raises(OperationalError) as caught, transaction.atomic():
            cursor.execute("SELECT pg_sleep(1)")
        transaction.set_rollback(True)  # and with it the timeout

    assert is_unavailable(caught.value)
