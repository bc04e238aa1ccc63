import io
import json
import os

import django
from django.conf import global_settings, settings
from django.core.exceptions import BadRequest
from django.core.handlers.wsgi import WSGIHandler, get_path_info

from .deadlines import read_deadlines

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minicrm.settings")

django.setup(set_prefix=False)

from minicrm.errors import api_error_for, is_api_path  # noqa: E402  (needs the apps loaded)
from minicrm.handlers import ApiMiddleware, SiteMiddleware  # noqa: E402


class Handler(SiteMiddleware, WSGIHandler):
    def get_response(self, request):
        response = super().get_response(request)
        # With DEBUG on, Django's technical pages replace minicrm.urls' handlers: keep the bots' JSON.
        if settings.DEBUG:
            return api_error_for(request, response)
        return response


django_application = Handler()


class ApiHandler(ApiMiddleware, Handler):
    """The handler of requests under /api, through settings.API_MIDDLEWARE."""


api_application = ApiHandler()


def _error(start_response, api: bool, status: str, message: str) -> list[bytes]:
    """Answer the error as JSON for the bots under /api, as plain text elsewhere."""
    if api:
        body, content_type = json.dumps({"error": message}).encode(), "application/json"
    else:
        body, content_type = f"{status}: {message}\n".encode(), "text/plain; charset=utf-8"
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


def _body_limit(api: bool) -> int:
    if api:
        return settings.INTAKE_MAX_BODY_BYTES
    # A chunked body is held in memory whole: bound it even when Django is told to check none.
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return global_settings.DATA_UPLOAD_MAX_MEMORY_SIZE if limit is None else limit


def _has_unsized_body(environ) -> bool:
    # Django reads exactly CONTENT_LENGTH bytes, which a chunked body lacks. Reading to the end is
    # safe only when the server says the input ends there (wsgi.input_terminated; gunicorn does).
    return (
        environ.get("wsgi.input_terminated", False)
        and not environ.get("CONTENT_LENGTH")
        and "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    )


def _declared_length(environ) -> int:
    try:
        return max(int(environ.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0  # Django's rule; the intake answers it 400 itself


def _read_at_most(stream, size: int) -> bytes:
    chunks, read = [], 0
    while read < size:
        chunk = stream.read(size - read)
        if not chunk:
            break
        chunks.append(chunk)
        read += len(chunk)
    return b"".join(chunks)


def _take_body(environ, api: bool) -> tuple[str, str] | None:
    """Read the body into memory before Django runs; return (status, message) when it cannot.

    Reading first bounds a slow body by REQUEST_BODY_TIMEOUT before any connection or lock is
    taken, and leaves none for gunicorn to wait on after a view refused it unread. Django refuses
    a body declared over the limit itself."""
    limit = _body_limit(api)
    unsized = _has_unsized_body(environ)
    if unsized:
        size = limit + 1
    else:
        size = _declared_length(environ)
        if not 0 < size <= limit:
            return None
    seconds = settings.REQUEST_BODY_TIMEOUT
    with read_deadlines.watch(environ.get("gunicorn.socket"), seconds) as watch:
        try:
            body = _read_at_most(environ["wsgi.input"], size)
        except OSError:  # the client went away; gunicorn answers malformed chunks itself
            body = None
    if watch.expired:
        return "408 Request Timeout", f"The body did not arrive within {seconds} seconds."
    if body is None or (not unsized and len(body) < size):
        return "400 Bad Request", "The body could not be read."
    if len(body) > limit:
        return "413 Content Too Large", f"The body is larger than {limit} bytes."
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return None


def application(environ, start_response):
    """Run Django on a body read in advance (_take_body), and answer 400 to what it cannot parse.

    A malformed charset in Content-Type, say, raises before any middleware runs: a 500 otherwise."""
    api = is_api_path(get_path_info(environ))
    if error := _take_body(environ, api):
        return _error(start_response, api, *error)
    try:
        return (api_application if api else django_application)(environ, start_response)
    except BadRequest:
        return _error(start_response, api, "400 Bad Request", "Malformed request.")
