"""GET /metrics for Prometheus, behind a token of its own (METRICS_TOKEN)."""

import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST

from .. import metrics as collector


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if not token:
        # Off: nothing here, as for any unknown address.
        raise Http404
    scheme, _space, sent = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(sent.strip().encode(), token.encode()):
        return HttpResponse(
            "A valid metrics token is required.\n",
            status=401,
            content_type="text/plain; charset=utf-8",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    return HttpResponse(collector.exposition(), content_type=CONTENT_TYPE_LATEST)
