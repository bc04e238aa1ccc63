"""What django-axes asks of the project: a login's client address and the lockout page."""

import contextlib
import math
from ipaddress import ip_address

from axes.helpers import get_client_username
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def client_ip(request: HttpRequest) -> str | None:
    """Return the address in CLIENT_IP_HEADER, or REMOTE_ADDR for a request around the proxy."""
    if settings.CLIENT_IP_HEADER:
        forwarded = request.META.get("HTTP_" + settings.CLIENT_IP_HEADER.upper().replace("-", "_"), "")
        with contextlib.suppress(ValueError):
            return str(ip_address(forwarded.strip()))
    return request.META.get("REMOTE_ADDR")


def lockout_response(
    request: HttpRequest, original_response: HttpResponse, credentials: dict | None
) -> HttpResponse:
    """Answer a locked-out login with our 429 page.

    Every try during the lockout restarts the cool-off, so all of it is the honest Retry-After."""
    cooloff = settings.AXES_COOLOFF_TIME.total_seconds()
    context = {
        "username": get_client_username(request, credentials),
        "minutes": math.ceil(cooloff / 60),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
    }
    response = render(request, "registration/locked_out.html", context, status=429)
    response["Retry-After"] = str(math.ceil(cooloff))
    return response
