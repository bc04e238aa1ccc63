import io
import json
import os

import django
from django.conf import settings
from django.core.exceptions import BadRequest
from django.core.handlers.wsgi import WSGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minicrm.settings")

django.setup(set_prefix=False)

from distribution.views.intake import api_error_for  # noqa: E402  (needs the apps loaded)


class Handler(WSGIHandler):
    def get_response(self, request):
        response = super().get_response(request)
        # With DEBUG on, Django answers errors with its technical pages and never calls the
        # handlers of minicrm.urls; the bots still get the JSON they would get in production.
        if settings.DEBUG:
            return api_error_for(request, response)
        return response


django_application = Handler()


def _json(start_response, status: str, error: str) -> list[bytes]:
    body = json.dumps({"error": error}).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def _has_unsized_body(environ) -> bool:
    # A chunked body has no Content-Length, and Django reads exactly CONTENT_LENGTH bytes (0 when
    # it is missing). Reading to the end is safe only when the server promises that the input
    # ends there (PEP 3333's wsgi.input_terminated, which gunicorn sets).
    return (
        environ.get("wsgi.input_terminated", False)
        and not environ.get("CONTENT_LENGTH")
        and "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    )


def _read_at_most(stream, size: int) -> bytes:
    chunks, read = [], 0
    while read < size:
        chunk = stream.read(size - read)
        if not chunk:
            break
        chunks.append(chunk)
        read += len(chunk)
    return b"".join(chunks)


def application(environ, start_response):
    """Django's WSGI application, with two things Django does not do itself:

    - a chunked request body is read (up to INTAKE_MAX_BODY_BYTES; beyond it 413, as the proxy
      answers before the application) and handed to Django with its length, so that the intake
      reads it as if it had come with a Content-Length;
    - a request Django cannot even parse (a Content-Type with a malformed charset, say) gets a
      400 instead of the 500 it would raise before any middleware runs.
    """
    if _has_unsized_body(environ):
        limit = settings.INTAKE_MAX_BODY_BYTES
        try:
            body = _read_at_most(environ["wsgi.input"], limit + 1)
        except OSError:  # the client went away; gunicorn answers malformed chunks itself
            return _json(start_response, "400 Bad Request", "The body could not be read.")
        if len(body) > limit:
            return _json(start_response, "413 Content Too Large", f"The body is larger than {limit} bytes.")
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
    try:
        return django_application(environ, start_response)
    except BadRequest:
        return _json(start_response, "400 Bad Request", "Malformed request.")
