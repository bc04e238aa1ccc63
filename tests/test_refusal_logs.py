"""A refused request (a 4xx) logs one line: no traceback, which says nothing about our code, and
nothing the client sent (a Host, a path) at more than a few hundred characters."""

import io
import logging
import re

import pytest
from django.test import Client

# A Host that ALLOWED_HOSTS does not name, as long as a client may send it.
LONG_HOST = "x" * 5000 + ".example"


@pytest.fixture
def console():
    """What the console handler of settings.LOGGING prints while the test runs."""
    handler = next(handler for handler in logging.getLogger().handlers if handler.get_name() == "console")
    printed = io.StringIO()
    previous = handler.setStream(printed)
    yield printed
    handler.setStream(previous)


def lines(printed: io.StringIO) -> list[str]:
    return printed.getvalue().splitlines()


@pytest.mark.urls("tests.urls_errors")
@pytest.mark.parametrize("path", ["/api/forbidden", "/forbidden"])
def test_it_logs_a_403_in_one_line(db, console, path):
    assert Client().get(path).status_code == 403

    assert lines(console) == [f"Forbidden (Permission denied): {path}"]


@pytest.mark.parametrize("path", ["/api/contacts", "/login/"])
def test_it_logs_an_unknown_host_in_one_line_cut_short(db, console, path):
    assert Client().post(path, HTTP_HOST=LONG_HOST).status_code == 400

    [line] = lines(console)
    assert line.startswith("Invalid HTTP_HOST header: 'xxx")
    assert len(line) < 600
    # Django names the host twice, in the error and in its advice: one part of it is logged, once.
    assert len(re.findall("x{100,}", line)) == 1


def test_it_keeps_a_short_unknown_host_whole(db, console):
    assert Client().post("/api/contacts", HTTP_HOST="evil.example").status_code == 400

    assert lines(console) == [
        "Invalid HTTP_HOST header: 'evil.example'. You may need to add 'evil.example' to ALLOWED_HOSTS."
    ]


@pytest.mark.urls("tests.urls_errors")
def test_it_logs_a_csrf_failure_in_one_line(db, console):
    assert Client(enforce_csrf_checks=True).post("/protected").status_code == 403

    assert lines(console) == ["Forbidden (CSRF cookie not set.): /protected"]


@pytest.mark.urls("tests.urls_errors")
def test_it_still_logs_a_500_with_its_traceback(db, console):
    # Not a refusal: the traceback is what tells where our code failed.
    assert Client(raise_request_exception=False).get("/no-such-table").status_code == 500

    assert "Traceback (most recent call last):" in console.getvalue()
