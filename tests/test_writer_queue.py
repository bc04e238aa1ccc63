"""The intake's writers of a process take turns before SQLite's write lock
(minicrm.database.one_writer_at_a_time), give up after the busy timeout, and are not held when
already in a transaction or on PostgreSQL."""

import threading

import pytest
from django.db import OperationalError, connection, transaction

from distribution import routing
from distribution.models import Contact
from minicrm.database import is_unavailable, one_writer_at_a_time

pytestmark = pytest.mark.django_db(transaction=True)

sqlite_only = pytest.mark.only_on_sqlite("SQLite's writer queue")


def in_a_thread(task) -> tuple[threading.Thread, threading.Event, list]:
    """Start task() in a thread on its own connection: (thread, set when done, errors)."""
    done, errors = threading.Event(), []

    def run():
        try:
            task()
        except Exception as error:  # the test reads it
            errors.append(error)
        finally:
            connection.close()
            done.set()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, done, errors


def queue_once():
    with one_writer_at_a_time(connection):
        pass


@sqlite_only
def test_it_makes_another_thread_wait_until_the_first_is_done():
    with one_writer_at_a_time(connection):
        thread, done, errors = in_a_thread(queue_once)
        assert not done.wait(0.3)
    assert done.wait(10)
    thread.join(10)
    assert errors == []


@sqlite_only
def test_a_thread_that_waits_longer_than_the_busy_timeout_gets_database_is_locked(monkeypatch):
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "timeout", 0.2)

    with one_writer_at_a_time(connection):
        thread, done, errors = in_a_thread(queue_once)
        assert done.wait(10)
    thread.join(10)

    assert len(errors) == 1
    assert isinstance(errors[0], OperationalError)
    assert is_unavailable(errors[0])


@sqlite_only
def test_an_intake_waits_for_the_writer_before_it(bot_with_operators):
    bot, _ = bot_with_operators(weights=[10])

    with one_writer_at_a_time(connection):
        thread, done, errors = in_a_thread(
            lambda: routing.register_contact(bot=bot, identity=routing.LeadIdentity(external_id="tg-1"))
        )
        assert not done.wait(0.3)
        assert not Contact.objects.exists()
    assert done.wait(10)
    thread.join(10)

    assert errors == []
    assert Contact.objects.count() == 1


def test_it_does_not_hold_a_caller_already_in_a_transaction_nor_postgresql():
    """A caller in a transaction already holds SQLite's write lock (every transaction is
    IMMEDIATE): waiting for another writer there would only make that one wait for it."""
    holding, release = threading.Event(), threading.Event()

    def hold():
        with one_writer_at_a_time(connection):
            holding.set()
            release.wait(10)

    holder, _, errors = in_a_thread(hold)
    assert holding.wait(10)
    try:
        with transaction.atomic(), one_writer_at_a_time(connection):
            entered = True
        if connection.vendor != "sqlite":
            thread, done, _ = in_a_thread(queue_once)
            assert done.wait(10)
            thread.join(10)
    finally:
        release.set()
        holder.join(10)
    assert entered
    assert errors == []
