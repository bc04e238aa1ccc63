"""What django-axes asks of the project: whose address a login comes from, and the page that a
locked-out login gets."""

import contextlib
import math
from ipaddress import ip_address

from axes.helpers import get_client_username
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, unless CLIENT_IP_HEADER names the header in which a trusted proxy puts the
    client's address. A request without it (or with garbage in it) came around the proxy, and
    REMOTE_ADDR is then its client's own address."""
    if settings.CLIENT_IP_HEADER:
        forwarded = request.META.get("HTTP_" + settings.CLIENT_IP_HEADER.upper().replace("-", "_"), "")
        with contextlib.suppress(ValueError):
            return str(ip_address(forwarded.strip()))
    return request.META.get("REMOTE_ADDR")


def lockout_response(
    request: HttpRequest, original_response: HttpResponse, credentials: dict | None
) -> HttpResponse:
    """429 with our own page, for the dashboard's login and admin's alike. Every try during the
    lockout starts the cool-off again, so the whole of it is the honest Retry-After."""
    cooloff = settings.AXES_COOLOFF_TIME.total_seconds()
    context = {
        "username": get_client_username(request, credentials),
        "minutes": math.ceil(cooloff / 60),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
    }
    response = render(request, "registration/locked_out.html", context, status=429)
    response["Retry-After"] = str(math.ceil(cooloff))
    return response
