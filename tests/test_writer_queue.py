"""The intake's writers queue before SQLite's write lock (minicrm.database.one_writer_at_a_time):
across threads and processes, once when nested, and not at all on PostgreSQL."""

import fcntl
import os
import subprocess
import sys
import threading

import pytest
from django.db import OperationalError, connection

from distribution import routing
from distribution.models import Contact
from minicrm import database
from minicrm.database import is_unavailable, one_writer_at_a_time

pytestmark = pytest.mark.django_db(transaction=True)

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's writer queue")
TRY_TO_QUEUE = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
except BlockingIOError:
    sys.exit(3)
"""


def lock_path() -> str:
    return f"{connection.settings_dict['NAME']}.writers"


def another_process_could_queue() -> bool:
    tried = subprocess.run([sys.executable, "-c", TRY_TO_QUEUE, lock_path()], timeout=30, check=False)
    assert tried.returncode in (0, 3), tried
    return tried.returncode == 0


@sqlite_only
def test_it_makes_a_writer_of_another_process_wait():
    with one_writer_at_a_time(connection):
        assert not another_process_could_queue()

    assert another_process_could_queue()


@sqlite_only
def test_it_makes_another_thread_wait_until_the_first_is_done():
    inside = threading.Event()

    def second():
        with one_writer_at_a_time(connection):
            inside.set()
        connection.close()

    with one_writer_at_a_time(connection):
        thread = threading.Thread(target=second)
        thread.start()
        assert not inside.wait(0.3)
    assert inside.wait(10)
    thread.join(10)


@sqlite_only
def test_it_queues_a_nested_use_once():
    with one_writer_at_a_time(connection), one_writer_at_a_time(connection):
        assert not another_process_could_queue()
    assert another_process_could_queue()


@sqlite_only
def test_it_opens_its_own_lock_file_after_a_fork(monkeypatch):
    with one_writer_at_a_time(connection):
        pass
    inherited = database._lock_file(str(connection.settings_dict["NAME"]))
    monkeypatch.setattr(os, "getpid", lambda: -1)

    assert database._lock_file(str(connection.settings_dict["NAME"])) != inherited


@sqlite_only
def test_an_intake_waits_for_the_writer_before_it(bot_with_operators):
    bot, _ = bot_with_operators(weights=[10])
    before = os.open(lock_path(), os.O_RDWR | os.O_CREAT)
    fcntl.flock(before, fcntl.LOCK_EX)
    done = threading.Event()

    def intake():
        routing.register_contact(bot=bot, identity=routing.LeadIdentity(external_id="tg-1"))
        connection.close()
        done.set()

    thread = threading.Thread(target=intake)
    thread.start()
    try:
        assert not done.wait(0.3)
        assert not Contact.objects.exists()
    finally:
        fcntl.flock(before, fcntl.LOCK_UN)
        os.close(before)
    assert done.wait(10)
    thread.join(10)
    assert Contact.objects.count() == 1


@pytest.mark.skipif(connection.vendor == "sqlite", reason="PostgreSQL has no writer queue")
def test_it_does_nothing_on_postgresql():
    with one_writer_at_a_time(connection):
        assert not os.path.exists(lock_path())


@sqlite_only
def test_a_thread_that_waits_longer_than_the_busy_timeout_gets_database_is_locked(monkeypatch):
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "timeout", 0.2)
    refused = []

    def second():
        try:
            with one_writer_at_a_time(connection):
                pass
        except OperationalError as error:
            refused.append(error)
        finally:
            connection.close()

    with one_writer_at_a_time(connection):
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(10)

    assert len(refused) == 1
    assert is_unavailable(refused[0])
