from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from .. import selectors
from ..http import HtmxHttpRequest
from ..permissions import operators_to_their_workspace, permission_required
from .common import render_page

QUEUE_SHOWN = 50


@operators_to_their_workspace
@permission_required("distribution.view_contact")
@require_safe
def overview(request: HtmxHttpRequest) -> HttpResponse:
    queue = list(selectors.waiting_queue()[:QUEUE_SHOWN])
    context = {
        "counts": selectors.contact_counts(),
        "operators": selectors.operators_with_load().order_by("-is_active", "name"),
        "queue": queue,
        "now": timezone.now(),
    }
    return render_page(request, "overview/page.html", context, partials=("counts", "load", "queue"))
