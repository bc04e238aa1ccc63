import logging
import time

from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.db import OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django_htmx.http import reswap, retarget

log = logging.getLogger(__name__)


class ServerTimingMiddleware:
    """Adds `Server-Timing: app;dur=<ms>` to every response: the time Django spent on it, which
    browsers' developer tools and the benchmarks read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        response["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        return response


class DatabaseUnavailableMiddleware:
    """A dashboard request that finds the database down, or on SQLite locked beyond the busy
    timeout, gets a 503 and a Retry-After: the page for a browser, an error message in the
    messages area for htmx. Nothing was written: the view's transaction rolled back. The intake
    answers its own JSON 503 and is left alone."""

    retry_after = "1"
    message = "The database is busy or unavailable: nothing was changed. Try again in a moment."

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError) or request.path.startswith("/api/"):
            return None
        log.warning("dashboard: database unavailable", exc_info=exception)
        # Rendered without the request: its user, session and messages would need the database.
        if getattr(request, "htmx", False):
            notice = Message(constants.ERROR, self.message)
            html = render_to_string("base.html#messages", {"messages": [notice]})
            response = reswap(retarget(HttpResponse(html, status=503), "#messages"), "outerHTML")
        else:
            response = HttpResponse(render_to_string("503.html", {"message": self.message}), status=503)
        response["Retry-After"] = self.retry_after
        return response
