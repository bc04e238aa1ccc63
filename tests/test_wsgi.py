"""What reaches the WSGI application before Django can even build a request."""

import io

import pytest

from minicrm.wsgi import application


def call(environ_overrides: dict) -> tuple[str, bytes]:
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/api/contacts",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "HTTP_HOST": "localhost",
        "wsgi.input": io.BytesIO(b"{}"),
        "wsgi.url_scheme": "https",
        "CONTENT_LENGTH": "2",
        **environ_overrides,
    }
    status = []
    body = b"".join(application(environ, lambda s, headers, exc_info=None: status.append(s)))
    return status[0], body


@pytest.mark.django_db
def test_a_malformed_content_type_gets_400_not_500():
    status, body = call({"CONTENT_TYPE": "application/json; charset*=bogus''x"})

    assert status.startswith("400")
    assert b"Malformed request" in body


@pytest.mark.django_db
def test_a_normal_request_goes_through_to_django():
    status, _body = call({"CONTENT_TYPE": "application/json"})

    assert status.startswith("401")


@pytest.mark.django_db
def test_a_malformed_content_type_outside_the_api_gets_a_plain_text_400():
    status, body = call(
        {"PATH_INFO": "/leads/1/edit", "CONTENT_TYPE": "application/x-www-form-urlencoded; charset*=bogus''x"}
    )

    assert status.startswith("400")
    assert body == b"400 Bad Request: Malformed request.\n"


@pytest.mark.django_db
def test_a_body_shorter_than_its_content_length_gets_400():
    status, body = call({"CONTENT_TYPE": "application/json", "CONTENT_LENGTH": "10"})

    assert status.startswith("400")
    assert body == b'{"error": "The body could not be read."}'
