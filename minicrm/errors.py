"""Error pages, JSON under /api where the bots are, and the log filter for refused requests."""

import logging
import re
import sys
from http import HTTPStatus

from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import csrf, defaults
from django_htmx.http import reswap, retarget

from .database import is_unavailable

log = logging.getLogger(__name__)

# Any case, any number of slashes: bots get JSON even where no route matches.
_API_PATH = re.compile(r"/+api(/|$)", re.IGNORECASE)
_API_ERRORS = {
    400: gettext_lazy("Bad request."),
    403: gettext_lazy("Forbidden."),
    404: gettext_lazy(
        "No such endpoint. The bots' API: POST /api/contacts, GET /api/contacts/<id> or ?external_id=, "
        "POST /api/contacts/<id>/close or /accept, or /api/contacts/close or /accept?external_id= "
        "(see /api/docs)."
    ),
    500: gettext_lazy("Internal error: the request failed on our side and was logged."),
}


def is_api_path(path: str) -> bool:
    return bool(_API_PATH.match(path))


def json_error(status: int, error: str, *, headers: dict | None = None, **extra) -> JsonResponse:
    """Return an error as the bots' API answers it."""
    return JsonResponse({"error": error, **extra}, status=status, headers=headers)


def _api_error(status: int) -> JsonResponse:
    return json_error(status, str(_API_ERRORS.get(status) or HTTPStatus(status).phrase + "."))


def api_error_for(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """Return `response`, or the same error as JSON when it is an error page under /api."""
    if not is_api_path(request.path_info) or response.status_code < 400:
        return response
    if response.get("Content-Type", "").startswith("application/json"):
        return response
    return _api_error(response.status_code)


def _json_under_api(status: int, page):
    """Return an error handler for `status`: JSON under /api, Django's `page` elsewhere."""

    def handler(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if is_api_path(request.path_info):
            return _api_error(status)
        return page(request, *args, **kwargs)

    return handler


bad_request = _json_under_api(400, defaults.bad_request)
permission_denied = _json_under_api(403, defaults.permission_denied)
not_found = _json_under_api(404, defaults.page_not_found)
_server_error = _json_under_api(500, defaults.server_error)
# The CSRF middleware answers a failed check itself, without handler403.
csrf_failure = _json_under_api(403, csrf.csrf_failure)

# The view may have committed before what failed (saving the session, say).
UNAVAILABLE_MESSAGE = gettext_lazy(
    "The database is busy or unavailable: what you just did may not have been saved. "
    "Reload the page to see, and try again."
)


def _api_unavailable() -> JsonResponse:
    # The intake's transaction rolled back: sending it again is safe.
    log.warning("intake: database unavailable", exc_info=True)
    return json_error(503, _("The database is busy or unavailable; retry."), headers={"Retry-After": "1"})


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """Return the 503 for a request that found the database unavailable."""
    if is_api_path(request.path_info):
        return _api_unavailable()
    log.warning("dashboard: database unavailable", exc_info=True)
    # Rendered without the request: its user, session and messages would need the database.
    if getattr(request, "htmx", False):
        notice = Message(constants.ERROR, str(UNAVAILABLE_MESSAGE))
        html = render_to_string("base.html#message-list", {"messages": [notice]})
        response = reswap(retarget(HttpResponse(html, status=503), "#messages"), "innerHTML")
    else:
        response = HttpResponse(render_to_string("503.html", {"message": UNAVAILABLE_MESSAGE}), status=503)
    response["Retry-After"] = "1"
    return response


def server_error(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """Answer the 503 when the database is unavailable, whatever raised it; else the 500 page."""
    if is_unavailable(sys.exc_info()[1]):
        return unavailable_response(request)
    return _server_error(request, *args, **kwargs)


class OneLineRefusals(logging.Filter):
    """Log a refused request (a 4xx) in one line, without its traceback, cut to LIMIT characters."""

    LIMIT = 500

    def filter(self, record: logging.LogRecord) -> bool:
        if 400 <= getattr(record, "status_code", 0) < 500:
            record.exc_info = record.exc_text = None
            message = record.getMessage()
            if len(message) > self.LIMIT:
                # Django names a disallowed Host twice: only the first survives the cut.
                record.msg, record.args = f"{message[: self.LIMIT]}… ({len(message)} characters)", ()
        return True
