"""Bodies sent with Transfer-Encoding: chunked, which carry no Content-Length: read to their end,
within INTAKE_MAX_BODY_BYTES, when the server says the input ends there."""

import http.client
import io
import json
import subprocess
import sys

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from bench import harness
from distribution.models import BotOperator
from minicrm.wsgi import application

PAYLOAD = {"lead": {"external_id": "tg-chunked"}, "message": "sent in chunks"}
# Above the default INTAKE_MAX_BODY_BYTES (64 KiB), and valid JSON.
LARGE_PAYLOAD = {"lead": {"external_id": "tg-large"}, "message": "x" * 70_000}


class Unreadable(io.RawIOBase):
    def read(self, size=-1):
        raise AssertionError("an input that the server does not terminate must not be read to its end")


@pytest.fixture
def wsgi(db):
    """Calls minicrm.wsgi.application with a chunked request, as gunicorn hands it over."""
    # As Django's test client does: the request runs inside the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)

    def call(token: str, body: bytes | io.RawIOBase, **environ) -> tuple[int, dict]:
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/api/contacts",
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "443",
            "HTTP_HOST": "localhost",
            "wsgi.url_scheme": "https",
            "wsgi.input": io.BytesIO(body) if isinstance(body, bytes) else body,
            "wsgi.input_terminated": True,
            "HTTP_TRANSFER_ENCODING": "chunked",
            "CONTENT_TYPE": "application/json",
            "HTTP_AUTHORIZATION": f"Bearer {token}",
            **environ,
        }
        statuses = []
        answer = b"".join(
            application(environ, lambda status, headers, exc_info=None: statuses.append(status))
        )
        return int(statuses[0].split()[0]), json.loads(answer)

    yield call
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_it_reads_a_chunked_body(wsgi, bot_and_token, make_operator):
    bot, token = bot_and_token
    BotOperator.objects.create(bot=bot, operator=make_operator(), weight=1)

    status, data = wsgi(token, json.dumps(PAYLOAD).encode())

    assert status == 201
    assert data["message"] == "sent in chunks"
    assert bot.contacts.get().lead.external_id == "tg-chunked"


def test_it_refuses_a_chunked_body_over_the_limit(wsgi, bot_and_token):
    bot, token = bot_and_token

    status, data = wsgi(token, json.dumps(LARGE_PAYLOAD).encode())

    assert status == 413
    assert data == {"error": "The body is larger than 65536 bytes."}
    assert not bot.contacts.exists()


def test_it_applies_the_configured_limit(wsgi, bot_and_token, settings):
    settings.INTAKE_MAX_BODY_BYTES = 20
    _bot, token = bot_and_token

    status, _data = wsgi(token, json.dumps(PAYLOAD).encode())

    assert status == 413


def test_it_does_not_read_an_input_the_server_does_not_terminate(wsgi, bot_and_token):
    _bot, token = bot_and_token

    status, data = wsgi(token, Unreadable(), **{"wsgi.input_terminated": False})

    assert status == 400
    assert data["error"] == "The body is not valid JSON."


@pytest.fixture(scope="module")
def gunicorn():
    """The project under a real gunicorn on 127.0.0.1, and a bot's token; stopped after the module."""
    with harness.database("sqlite") as db:
        created = subprocess.run(
            [sys.executable, harness.ROOT / "manage.py", "createbot", "Chunked"],
            env=harness.server_env(db),
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        with harness.Server(db, workers=1) as server:
            yield server, created.stdout.split()[-1]


def post_chunked(server: harness.Server, token: str, payload: dict) -> tuple[int, dict]:
    body = json.dumps(payload).encode()
    chunks = (body[start : start + 1000] for start in range(0, len(body), 1000))
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        # A generator has no length: http.client sends it with Transfer-Encoding: chunked.
        connection.request(
            "POST",
            "/api/contacts",
            body=chunks,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_it_reads_a_chunked_body_under_gunicorn(gunicorn):
    server, token = gunicorn

    status, data = post_chunked(server, token, PAYLOAD)

    assert status == 202  # the bot has no operators yet: the contact waits
    assert data["message"] == "sent in chunks"


def test_it_refuses_a_chunked_body_over_the_limit_under_gunicorn(gunicorn):
    server, token = gunicorn

    status, data = post_chunked(server, token, LARGE_PAYLOAD)

    assert status == 413
    assert data == {"error": "The body is larger than 65536 bytes."}
