"""Clients that stall straight at gunicorn, with no proxy in front: a request body that does not
arrive in time is answered 408 and frees its thread, and a client that stays connected after its
answer holds neither a thread for long nor the loop that accepts everyone else's connections."""

import contextlib
import json
import socket
import threading
import time

import pytest

from bench import harness

# REQUEST_BODY_TIMEOUT of the server under test, in seconds.
BODY_TIMEOUT = 2
# How long an ordinary request may take while the slow clients are held.
PROMPT = 1.0


@pytest.fixture(scope="module")
def gunicorn():
    """The project under a real gunicorn (gunicorn.conf.py, one worker) on 127.0.0.1, and a bot's
    token; stopped after the module."""
    with harness.database("sqlite") as db:
        token = harness.bot_token(db, "Slow")
        with harness.Server(db, workers=1, env={"REQUEST_BODY_TIMEOUT": str(BODY_TIMEOUT)}) as server:
            yield server, token


@pytest.fixture
def connections():
    """Opens raw connections to a port; they stay open, whatever the server does, until the test ends."""
    with contextlib.ExitStack() as stack:

        def connect(port: int, data: bytes) -> socket.socket:
            sock = stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=5))
            sock.sendall(data)
            return sock

        yield connect


def intake_head(token: str = "", length: int = 100) -> bytes:
    authorization = f"Authorization: Bearer {token}\r\n" if token else ""
    return (
        "POST /api/contacts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\n{authorization}\r\n"
    ).encode()


def until_closed(sock: socket.socket, timeout: float) -> bytes:
    """What the server sends until it closes its side of the connection; ours stays open."""
    sock.settimeout(timeout)
    received = []
    while chunk := sock.recv(4096):
        received.append(chunk)
    return b"".join(received)


def timed_healthz(server: harness.Server) -> float:
    started = time.monotonic()
    status, _body = server.get("/healthz", timeout=30)
    assert status == 200
    return time.monotonic() - started


def test_it_answers_408_to_a_body_that_stops(gunicorn, connections):
    server, token = gunicorn
    sock = connections(server.port, intake_head(token) + b'{"lead": ')
    started = time.monotonic()

    answer = until_closed(sock, timeout=BODY_TIMEOUT + 10)

    assert answer.startswith(b"HTTP/1.1 408 ")
    assert json.loads(answer.partition(b"\r\n\r\n")[2]) == {
        "error": f"The body did not arrive within {BODY_TIMEOUT} seconds."
    }
    assert BODY_TIMEOUT - 0.5 < time.monotonic() - started < BODY_TIMEOUT + 3
    assert timed_healthz(server) < PROMPT


def test_it_answers_408_to_a_body_that_trickles(gunicorn, connections):
    server, token = gunicorn
    sock = connections(server.port, intake_head(token) + b'{"lead": ')
    answered = threading.Event()

    def trickle():
        # One byte every tenth of a second: each read gets something long before any per-read
        # timeout, and the whole body would take 10 s.
        while not answered.wait(0.1):
            with contextlib.suppress(OSError):
                sock.send(b" ")

    trickler = threading.Thread(target=trickle)
    trickler.start()
    started = time.monotonic()
    try:
        answer = until_closed(sock, timeout=BODY_TIMEOUT + 10)
    finally:
        answered.set()
        trickler.join()

    assert answer.startswith(b"HTTP/1.1 408 ")
    assert time.monotonic() - started < BODY_TIMEOUT + 3


def test_it_keeps_serving_while_refused_bodies_stall(gunicorn, connections):
    """The issue's reproduction: no token, the headers and 8 of 100 bytes of the body."""
    server, _token = gunicorn
    stalled = [connections(server.port, intake_head() + b'{"lead": ') for _ in range(3)]
    assert timed_healthz(server) < PROMPT

    answers = [until_closed(sock, timeout=30) for sock in stalled]

    assert all(answer.startswith(b"HTTP/1.1 408 ") for answer in answers)
    assert timed_healthz(server) < PROMPT


def test_it_keeps_serving_while_answered_clients_stay_connected(gunicorn, connections):
    """Clients that ask gunicorn to close the connection after the answer, then never close theirs."""
    server, _token = gunicorn
    request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    lingering = [connections(server.port, request) for _ in range(3)]

    answers = [until_closed(sock, timeout=30) for sock in lingering]

    assert all(answer.startswith(b"HTTP/1.1 200 ") for answer in answers)
    assert timed_healthz(server) < PROMPT


def test_it_leaves_new_connections_to_a_worker_with_a_free_thread():
    """Two workers of two threads and three clients stalled in their headers: one worker has both
    its threads held, and new connections go to the other."""
    with (
        harness.database("sqlite") as db,
        harness.Server(db, workers=2, env={"GUNICORN_THREADS": "2"}) as server,
        contextlib.ExitStack() as stack,
    ):
        for _ in range(3):
            sock = stack.enter_context(socket.create_connection(("127.0.0.1", server.port)))
            sock.sendall(b"POST /api/contacts HTTP/1.1\r\nHost: 127.0.0.1\r\n")

        latencies = [timed_healthz(server) for _ in range(10)]

    assert max(latencies) < PROMPT
