import io
import json
import os

import django
from django.conf import global_settings, settings
from django.core.exceptions import BadRequest
from django.core.handlers.wsgi import WSGIHandler, get_path_info

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minicrm.settings")

django.setup(set_prefix=False)

from minicrm.errors import api_error_for, is_api_path  # noqa: E402  (needs the apps loaded)


class Handler(WSGIHandler):
    def get_response(self, request):
        response = super().get_response(request)
        # With DEBUG on, Django answers errors with its technical pages and never calls the
        # handlers of minicrm.urls; the bots still get the JSON they would get in production.
        if settings.DEBUG:
            return api_error_for(request, response)
        return response


django_application = Handler()


def _error(start_response, api: bool, status: str, message: str) -> list[bytes]:
    """The error as JSON for the bots under /api, as plain text elsewhere."""
    if api:
        body, content_type = json.dumps({"error": message}).encode(), "application/json"
    else:
        body, content_type = f"{status}: {message}\n".encode(), "text/plain; charset=utf-8"
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


def _body_limit(api: bool) -> int:
    if api:
        return settings.INTAKE_MAX_BODY_BYTES
    # A chunked body is held in memory whole, so it needs a bound even when Django is told to
    # check none (None): then Django's default. A larger body can still come with a Content-Length.
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return global_settings.DATA_UPLOAD_MAX_MEMORY_SIZE if limit is None else limit


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

    - a chunked request body is read and handed to Django with its length, so that Django reads
      it as if it had come with a Content-Length. Under /api the intake's INTAKE_MAX_BODY_BYTES
      applies (beyond it a JSON 413, as the proxy answers); elsewhere DATA_UPLOAD_MAX_MEMORY_SIZE,
      the bound Django puts on the bodies of forms;
    - a request Django cannot even parse (a Content-Type with a malformed charset, say) gets a
      400 instead of the 500 it would raise before any middleware runs.

    Under /api (the intake's rule, is_api_path) these errors are JSON, elsewhere plain text.
    """
    api = is_api_path(get_path_info(environ))
    if _has_unsized_body(environ):
        limit = _body_limit(api)
        try:
            body = _read_at_most(environ["wsgi.input"], limit + 1)
        except OSError:  # the client went away; gunicorn answers malformed chunks itself
            return _error(start_response, api, "400 Bad Request", "The body could not be read.")
        if len(body) > limit:
            return _error(
                start_response, api, "413 Content Too Large", f"The body is larger than {limit} bytes."
            )
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
    try:
        return django_application(environ, start_response)
    except BadRequest:
        return _error(start_response, api, "400 Bad Request", "Malformed request.")
