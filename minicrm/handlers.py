"""The bots' API runs through its own, shorter middleware: settings.API_MIDDLEWARE.

A bot keeps no session and logs nobody in, so requests under /api skip the dashboard's sessions,
logins, CSRF, messages, htmx and login throttling (docs/performance.md). minicrm.wsgi chooses the
handler by path, and so does the tests' client (tests/conftest.py)."""

import threading

from django.conf import settings

# BaseHandler.load_middleware reads settings.MIDDLEWARE: the API's list takes its place while an
# API handler builds its chain, and no other handler builds one meanwhile.
_loading = threading.RLock()


class SiteMiddleware:
    """A handler mixin: its chain is settings.MIDDLEWARE, built while no API chain is."""

    def load_middleware(self, is_async=False):
        with _loading:
            super().load_middleware(is_async)  # type: ignore[misc]


class ApiMiddleware:
    """A handler mixin: its chain is settings.API_MIDDLEWARE."""

    def load_middleware(self, is_async=False):
        with _loading:
            site = settings.MIDDLEWARE
            settings.MIDDLEWARE = settings.API_MIDDLEWARE
            try:
                super().load_middleware(is_async)  # type: ignore[misc]
            finally:
                settings.MIDDLEWARE = site
