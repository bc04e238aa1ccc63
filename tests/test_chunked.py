"""Bodies sent with Transfer-Encoding: chunked, which carry no Content-Length: read to their end,
when the server says the input ends there, within INTAKE_MAX_BODY_BYTES under /api and within
DATA_UPLOAD_MAX_MEMORY_SIZE elsewhere."""

import http.client
import io
import json

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from bench import harness
from distribution.models import BotOperator
from minicrm import wsgi as wsgi_module
from minicrm.wsgi import application

from .conftest import under_gunicorn

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

    def call(token: str, body: bytes | io.RawIOBase, **environ) -> tuple[int, dict | str]:
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
        started = []
        answer = b"".join(
            application(environ, lambda status, headers, exc_info=None: started.append((status, headers)))
        )
        status, headers = started[0]
        if dict(headers)["Content-Type"] == "application/json":
            return int(status.split()[0]), json.loads(answer)
        return int(status.split()[0]), answer.decode()

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


@pytest.mark.parametrize("path", ["/API/contacts", "//api/contacts", "/api"])
def test_it_applies_the_intake_limit_wherever_django_sees_the_api(wsgi, bot_and_token, path):
    _bot, token = bot_and_token

    status, data = wsgi(token, json.dumps(LARGE_PAYLOAD).encode(), PATH_INFO=path)

    assert status == 413
    assert data == {"error": "The body is larger than 65536 bytes."}


@pytest.fixture
def django_sees(monkeypatch):
    """Stands in for Django behind the wrapper and keeps the body and length it was handed."""
    seen = {}

    def django_application(environ, start_response):
        seen["length"] = environ["CONTENT_LENGTH"]
        seen["body"] = environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Type", "text/html")])
        return [b""]

    monkeypatch.setattr(wsgi_module, "django_application", django_application)
    return seen


@pytest.mark.parametrize("path", ["/leads/1/edit", "/admin/distribution/contact/1/change/", "/apix"])
def test_it_hands_a_chunked_form_over_the_intake_limit_to_django(wsgi, django_sees, path):
    body = b"message=" + b"x" * 200_000

    status, _answer = wsgi("", body, PATH_INFO=path, CONTENT_TYPE="application/x-www-form-urlencoded")

    assert status == 200
    assert django_sees == {"length": str(len(body)), "body": body}


def test_it_refuses_a_chunked_form_over_djangos_limit_in_plain_text(wsgi, django_sees, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000

    status, answer = wsgi("", b"x" * 100_001, PATH_INFO="/leads/1/edit")

    assert status == 413
    assert answer == "413 Content Too Large: The body is larger than 100000 bytes.\n"
    assert django_sees == {}


def test_it_bounds_a_chunked_form_by_djangos_default_when_django_checks_no_size(wsgi, django_sees, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = None

    status, answer = wsgi("", b"x" * (2_621_440 + 1), PATH_INFO="/leads/1/edit")

    assert status == 413
    assert "larger than 2621440 bytes" in answer
    assert django_sees == {}


def test_it_does_not_read_an_input_the_server_does_not_terminate(wsgi, bot_and_token):
    _bot, token = bot_and_token

    status, data = wsgi(token, Unreadable(), **{"wsgi.input_terminated": False})

    assert status == 400
    assert data["error"] == "The body is not valid JSON."


@pytest.fixture(scope="module")
def gunicorn():
    """The project under a real gunicorn on 127.0.0.1, and a bot's token; stopped after the module."""
    with harness.database("sqlite") as db:
        token = harness.bot_token(db, "Chunked")
        with harness.Server(db, workers=1) as server:
            yield server, token


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


@under_gunicorn
def test_it_reads_a_chunked_body_under_gunicorn(gunicorn):
    server, token = gunicorn

    status, data = post_chunked(server, token, PAYLOAD)

    assert status == 202  # the bot has no operators yet: the contact waits
    assert data["message"] == "sent in chunks"


@under_gunicorn
def test_it_refuses_a_chunked_body_over_the_limit_under_gunicorn(gunicorn):
    server, token = gunicorn

    status, data = post_chunked(server, token, LARGE_PAYLOAD)

    assert status == 413
    assert data == {"error": "The body is larger than 65536 bytes."}
