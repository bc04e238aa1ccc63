import time

from django.conf import settings
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.csp import CSP
from django.utils.translation.trans_real import parse_accept_lang_header

from .database import is_unavailable
from .errors import is_api_path, unavailable_response


class ServerTimingMiddleware:
    """Add `Server-Timing: app;dur=<ms>`, the time Django spent, to every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        response["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        return response


class DatabaseUnavailableMiddleware:
    """Answer the 503 of unavailable_response when a view finds the database unavailable.

    handler500 does the same, but Django's debug page replaces it when DEBUG is on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return unavailable_response(request) if is_unavailable(exception) else None


class ApiContentSecurityPolicyMiddleware(ContentSecurityPolicyMiddleware):
    """Django's CSP for the API's page (/api/docs); a JSON answer gets a fixed policy that lets it
    load and run nothing, instead of the site's built anew for every request."""

    JSON_POLICY = "default-src 'none'; frame-ancestors 'none'"

    def process_response(self, request, response):
        if response.get("Content-Type") == "application/json" and CSP.HEADER_ENFORCE not in response:
            response.headers[CSP.HEADER_ENFORCE] = self.JSON_POLICY
            return response
        return super().process_response(request, response)


class NoStoreForLoggedInPagesMiddleware:
    """Forbid storing a session's HTML pages, unless they set their own Cache-Control.

    Back would show a stale copy, and a shared computer keep it on disk. The cookie decides, since
    loading the user needs the database, which may have failed."""

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
    """Answer the bots' API in English, unless Accept-Language prefers another language of the site.

    LANGUAGE_CODE and the language cookie are a person's choice for the dashboard, not a bot's.
    It follows LocaleMiddleware and overrides it, and says the answer's language itself where the
    API's short chain has no LocaleMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_api_path(request.path_info):
            language = api_language(request.headers.get("Accept-Language", ""))
            translation.activate(language)
            request.LANGUAGE_CODE = language
            response = self.get_response(request)
            patch_vary_headers(response, ("Accept-Language",))
            response.headers.setdefault("Content-Language", language)
            return response
        return self.get_response(request)


def api_language(accept_language: str) -> str:
    """Return the header's most preferred language that the site speaks, or English."""
    for code, _quality in parse_accept_lang_header(accept_language):
        if code == "*":
            continue
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return "en"
