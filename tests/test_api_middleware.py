"""Requests under /api go through settings.API_MIDDLEWARE, the dashboard's through MIDDLEWARE, in
the server's WSGI application and in the tests' client alike."""

import io
import sys

import pytest
from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils.csp import build_policy

from minicrm.wsgi import application


@pytest.fixture
def wsgi(db):
    """Calls minicrm.wsgi.application as gunicorn does; returns the status and headers."""
    # As Django's test client does: the request runs inside the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)

    def call(method: str, path: str, **environ) -> tuple[int, dict]:
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "80",
            "HTTP_HOST": "localhost",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b"{}"),
            "wsgi.errors": sys.stderr,
            "CONTENT_LENGTH": "2",
            "CONTENT_TYPE": "application/json",
            **environ,
        }
        started = []
        b"".join(application(environ, lambda *response: started.append(response)))
        status, headers = started[0][:2]
        return int(status.split()[0]), dict(headers)

    yield call
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def sessions_seen(monkeypatch):
    """The paths whose requests went through SessionMiddleware."""
    seen = []
    process_request = SessionMiddleware.process_request

    def spy(self, request):
        seen.append(request.path_info)
        return process_request(self, request)

    monkeypatch.setattr(SessionMiddleware, "process_request", spy)
    return seen


def test_it_sends_the_api_around_the_dashboards_middleware(wsgi, sessions_seen):
    status, headers = wsgi("POST", "/api/contacts", HTTP_COOKIE="sessionid=abc; csrftoken=x")

    assert status == 401
    assert headers["Content-Type"] == "application/json"
    assert sessions_seen == []
    assert "Set-Cookie" not in headers
    assert "Cookie" not in headers.get("Vary", "")


def test_it_keeps_the_dashboards_middleware_for_its_pages(wsgi, sessions_seen):
    status, headers = wsgi("GET", "/login/")

    assert status == 200
    assert sessions_seen == ["/login/"]
    assert "csrftoken" in headers["Set-Cookie"]


def test_it_refuses_a_dashboard_post_without_csrf(wsgi, sessions_seen):
    status, _headers = wsgi("POST", "/login/", CONTENT_TYPE="application/x-www-form-urlencoded")

    assert status == 403


def test_it_answers_a_bad_host_under_api_with_json(wsgi):
    status, headers = wsgi("POST", "/api/contacts", HTTP_HOST="evil.example")

    assert (status, headers["Content-Type"]) == (400, "application/json")


def test_it_says_the_apis_language(wsgi):
    _status, headers = wsgi("POST", "/api/contacts", HTTP_ACCEPT_LANGUAGE="ru")

    assert headers["Content-Language"] == "ru"
    assert "Accept-Language" in headers["Vary"]


def test_it_gives_json_a_fixed_policy_and_the_docs_page_the_sites(wsgi):
    _status, answer = wsgi("POST", "/api/contacts")
    _status, page = wsgi("GET", "/api/docs")

    assert answer["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert page["Content-Security-Policy"] == build_policy(settings.SECURE_CSP)


def test_it_routes_the_test_clients_api_requests_alike(client, db, sessions_seen):
    client.post("/api/contacts", {}, content_type="application/json")
    client.get("/login/")

    assert sessions_seen == ["/login/"]
