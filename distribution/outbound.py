"""POST to a webhook's receiver."""

import http.client
import urllib.error
import urllib.request

from django.conf import settings


class OutboundError(Exception):
    """The request could not be made, or was refused before it was made."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def check_url(url: str) -> None:
    if not url.startswith("https://") and not (settings.WEBHOOK_ALLOW_PRIVATE and url.startswith("http://")):
        raise OutboundError("The URL must start with https://.")


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> int:
    check_url(url)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects)
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, http.client.HTTPException) as error:
        raise OutboundError(str(error)) from error
