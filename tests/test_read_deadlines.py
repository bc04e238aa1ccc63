"""minicrm.deadlines: a read from a connection ends at its deadline, however the client trickles,
and never after the block that set it."""

import socket
import threading
import time

import pytest

from minicrm.deadlines import ReadDeadlines


@pytest.fixture
def pair():
    ours, theirs = socket.socketpair()
    with ours, theirs:
        yield ours, theirs


def test_it_ends_a_read_at_its_deadline_with_what_came(pair):
    ours, theirs = pair
    theirs.sendall(b'{"lead": ')
    started = time.monotonic()

    with ReadDeadlines().watch(ours, 0.3) as watch:
        body = ours.makefile("rb").read(100)

    assert body == b'{"lead": '
    assert watch.expired
    assert 0.25 < time.monotonic() - started < 5


def test_it_ends_a_read_that_keeps_getting_bytes(pair):
    ours, theirs = pair
    done = threading.Event()

    def trickle():
        while not done.wait(0.05):
            theirs.send(b" ")

    trickler = threading.Thread(target=trickle)
    trickler.start()
    started = time.monotonic()
    try:
        with ReadDeadlines().watch(ours, 0.3) as watch:
            ours.makefile("rb").read(10_000)
    finally:
        done.set()
        trickler.join()

    assert watch.expired
    assert time.monotonic() - started < 5


def test_it_leaves_a_read_that_ends_in_time_alone(pair):
    ours, theirs = pair
    deadlines = ReadDeadlines()
    theirs.sendall(b"{}")

    with deadlines.watch(ours, 0.1) as watch:
        body = ours.recv(2)
    # A later deadline that passes: the first one's has passed too by then.
    other, peer = socket.socketpair()
    with other, peer, deadlines.watch(other, 0.3) as later:
        assert other.recv(10) == b""
    theirs.sendall(b"next request")

    assert body == b"{}"
    assert not watch.expired
    assert later.expired
    assert ours.recv(100) == b"next request"


def test_it_does_nothing_without_a_socket():
    with ReadDeadlines().watch(None, 0) as watch:
        pass

    assert not watch.expired
