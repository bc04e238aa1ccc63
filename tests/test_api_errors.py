"""Whatever goes wrong in Django under /api, bots get JSON with the right status: an unknown
Host, an unknown address however it is spelled, a 403, a CSRF failure, a wrong method, a 500, and
with DEBUG on as well."""

import io

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client

from distribution.views import intake
from minicrm.wsgi import application

UNKNOWN_API_ADDRESSES = ["/api", "/API/contacts", "//api/contacts", "/Api/", "///api"]


def test_it_answers_an_unknown_host_under_api_with_json(client, db):
    response = client.post("/api/contacts", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": "Bad request."}


def test_it_keeps_the_page_for_an_unknown_host_outside_api(client, db):
    response = client.get("/login/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("path", UNKNOWN_API_ADDRESSES)
def test_it_answers_unknown_api_addresses_with_json(client, db, path):
    # PATH_INFO as the server passes it: the client would read "//api" as a host name.
    response = client.post("/", PATH_INFO=path)

    assert response.status_code == 404
    assert response.json()["error"].startswith("No such endpoint. The bots' API: POST /api/contacts, ")


@pytest.mark.parametrize("path", ["/apis", "/nothing-here", "/static/api"])
def test_it_keeps_the_page_for_addresses_outside_api(client, db, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_it_answers_a_500_under_api_with_json(db, bot_and_token, monkeypatch):
    _bot, token = bot_and_token
    monkeypatch.setattr(intake, "find_bot", lambda token: 1 / 0)

    response = Client(raise_request_exception=False).post(
        "/api/contacts", "{}", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )

    assert response.status_code == 500
    assert response.json() == {"error": "Internal error: the request failed on our side and was logged."}


# tests.urls_errors: the project's URLs and the handlers minicrm.urls names, with views that
# raise PermissionDenied.
@pytest.mark.urls("tests.urls_errors")
def test_it_answers_a_403_under_api_with_json(client, db):
    response = client.get("/api/forbidden")

    assert response.status_code == 403
    assert response.json() == {"error": "Forbidden."}


@pytest.mark.urls("tests.urls_errors")
def test_it_keeps_the_403_page_outside_api(client, db):
    response = client.get("/forbidden")

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("path", ["/api/openapi.json", "/api/docs"])
@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_it_answers_other_methods_on_the_api_description_with_json(db, path, method):
    # No CSRF cookie, as a bot sends it: CSRF does not apply to what changes nothing.
    response = getattr(Client(enforce_csrf_checks=True), method)(path)

    assert response.status_code == 405
    assert response.json() == {"error": "Use GET."}
    assert response["Allow"] == "GET, HEAD"


@pytest.mark.urls("tests.urls_errors")
def test_it_checks_no_csrf_under_api_where_no_cookie_counts(db):
    # The API's middleware has no session and no login for a forged request to ride on.
    response = Client(enforce_csrf_checks=True).post("/api/protected")

    assert response.status_code == 200


@pytest.mark.urls("tests.urls_errors")
def test_it_keeps_the_csrf_page_outside_api(db):
    response = Client(enforce_csrf_checks=True).post("/protected")

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")


@pytest.fixture
def debug_wsgi(db, settings):
    """Calls minicrm.wsgi.application, as runserver (scripts/dev) and gunicorn do, with DEBUG on."""
    settings.DEBUG = True
    # As Django's test client does: the request runs inside the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)

    def call(path: str, **environ) -> tuple[int, str, bytes]:
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": path,
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "443",
            "HTTP_HOST": "localhost",
            "HTTP_ACCEPT": "text/html",
            "wsgi.url_scheme": "https",
            "wsgi.input": io.BytesIO(b"{}"),
            "CONTENT_LENGTH": "2",
            "CONTENT_TYPE": "application/json",
            **environ,
        }
        started = []
        body = b"".join(
            application(environ, lambda status, headers, exc_info=None: started.append((status, headers)))
        )
        status, headers = started[0]
        return int(status.split()[0]), dict(headers)["Content-Type"], body

    yield call
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.parametrize("path", UNKNOWN_API_ADDRESSES)
def test_it_answers_unknown_api_addresses_with_json_in_debug(debug_wsgi, path):
    status, content_type, body = debug_wsgi(path)

    assert (status, content_type) == (404, "application/json")
    assert b"POST /api/contacts" in body


def test_it_answers_an_unknown_host_with_json_in_debug(debug_wsgi):
    status, content_type, _body = debug_wsgi("/api/contacts", HTTP_HOST="evil.example")

    assert (status, content_type) == (400, "application/json")


def test_it_answers_a_500_with_json_in_debug(debug_wsgi, bot_and_token, monkeypatch):
    _bot, token = bot_and_token
    monkeypatch.setattr(intake, "find_bot", lambda token: 1 / 0)

    status, content_type, body = debug_wsgi("/api/contacts", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert (status, content_type) == (500, "application/json")
    assert b"ZeroDivisionError" not in body


def test_it_keeps_the_technical_page_outside_api_in_debug(debug_wsgi):
    status, content_type, _body = debug_wsgi("/nothing-here")

    assert status == 404
    assert content_type.startswith("text/html")
