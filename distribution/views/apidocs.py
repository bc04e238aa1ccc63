"""The bots' API described: its OpenAPI document and a page that renders it, both public (they
hold no data) and cacheable (they change only with a release)."""

import hashlib
import json
from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import etag

from minicrm.errors import json_error

from ..openapi import document


def _read_only(view: Callable) -> Callable:
    """Answer GET and HEAD; any other method gets the JSON 405 of the rest of /api, with no CSRF
    check first, as nothing changes here."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return json_error(405, _("Use GET."), headers={"Allow": "GET, HEAD"})
        return view(request, *args, **kwargs)

    return wrapper


def _document_bytes() -> bytes:
    return json.dumps(document(), separators=(",", ":")).encode()


def _document_etag(request: HttpRequest) -> str:
    return hashlib.sha256(_document_bytes()).hexdigest()[:32]


@_read_only
@cache_control(public=True, max_age=3600)
@etag(_document_etag)
def openapi_json(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_document_bytes(), content_type="application/json")


@_read_only
@cache_control(public=True, max_age=3600)
def docs(request: HttpRequest) -> HttpResponse:
    return render(request, "api/docs.html")
