import time

from django.conf import settings
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation.trans_real import parse_accept_lang_header

from .database import is_unavailable
from .errors import is_api_path, unavailable_response


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
    """A view that finds the database unavailable (see minicrm.database) gets the 503 of
    `unavailable_response`. The project's handler500 answers the same for what fails outside the
    view (saving the session, say); this middleware covers views with DEBUG on too, when Django
    shows its debug page instead of calling handler500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return unavailable_response(request) if is_unavailable(exception) else None


class NoStoreForLoggedInPagesMiddleware:
    """Pages shown to a browser with a session (a logged-in user) are never stored: Back would
    otherwise show a stored copy (an operator "on" that was switched off since), and a shared
    computer would keep the dashboard's data on disk. The session cookie tells, not the user:
    loading the user needs the database, which may be what failed. Responses that say how to
    cache themselves keep it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            settings.SESSION_COOKIE_NAME in request.COOKIES
            and response.get("Content-Type", "").startswith("text/html")
            and not response.has_header("Cache-Control")
        ):
            add_never_cache_headers(response)
        return response


class ApiLanguageMiddleware:
    """The bots' API (/api/...) answers in English, which its clients' code and logs expect, unless
    the request's Accept-Language prefers a language of LANGUAGES: the site's LANGUAGE_CODE and a
    browser's language cookie are a person's choice for the dashboard, not a bot's. Only the
    messages change; codes and field names never do. After LocaleMiddleware, which it overrides."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_api_path(request.path_info):
            language = api_language(request.headers.get("Accept-Language", ""))
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


def api_language(accept_language: str) -> str:
    """The first language of the header, by preference, that the site speaks; else English."""
    for code, _quality in parse_accept_lang_header(accept_language):
        if code == "*":
            continue
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return "en"
