"""The bots' API described: its OpenAPI document and a page that renders it, both public (they
hold no data) and cacheable (they change only with a release)."""

import hashlib
import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import etag, require_safe

from ..openapi import document


def _document_bytes() -> bytes:
    return json.dumps(document(), separators=(",", ":")).encode()


def _document_etag(request: HttpRequest) -> str:
    return hashlib.sha256(_document_bytes()).hexdigest()[:32]


@require_safe
@cache_control(public=True, max_age=3600)
@etag(_document_etag)
def openapi_json(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_document_bytes(), content_type="application/json")


@require_safe
@cache_control(public=True, max_age=3600)
def docs(request: HttpRequest) -> HttpResponse:
    return render(request, "api/docs.html")
