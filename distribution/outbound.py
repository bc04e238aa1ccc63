"""Requests that leave for addresses managers type in (webhooks): no way into our own network."""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings


class OutboundError(Exception):
    """A URL we refuse to send to, or a request that did not get an answer."""


def check_url(url: str) -> None:
    """Refuse a URL by its shape, without looking its host up (the form's check when a webhook
    is saved): https, and no address of our own, unless WEBHOOK_ALLOW_PRIVATE."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as error:
        raise OutboundError("This is not a URL we can send to.") from error
    allow_private = settings.WEBHOOK_ALLOW_PRIVATE
    if parts.scheme != "https" and not (allow_private and parts.scheme == "http"):
        raise OutboundError("The URL must start with https://.")
    if not host:
        raise OutboundError("The URL needs a host.")
    if allow_private:
        return
    if host == "localhost" or host.endswith(".localhost"):
        raise OutboundError("The URL must point to a public address, not to this machine.")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return
    if not address.is_global:
        raise OutboundError("The URL must point to a public address.")
