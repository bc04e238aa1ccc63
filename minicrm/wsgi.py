import json
import os

from django.core.exceptions import BadRequest
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minicrm.settings")

django_application = get_wsgi_application()


def application(environ, start_response):
    """Django's WSGI application, except that a request Django cannot even parse (a Content-Type
    with a malformed charset, say) gets a 400 instead of the 500 it would raise before any
    middleware runs."""
    try:
        return django_application(environ, start_response)
    except BadRequest:
        body = json.dumps({"error": "Malformed request."}).encode()
        start_response(
            "400 Bad Request", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        )
        return [body]
