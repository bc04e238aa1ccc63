from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_safe

from .. import selectors
from ..http import HtmxHttpRequest
from ..models import OperatorEvent
from ..permissions import operators_to_their_workspace, permission_required
from .common import render_page, with_messages

QUEUE_SHOWN = 50
# The overview's load, by the id htmx aims switching an operator on from there at.
LOAD = "load"


def _load_context() -> dict:
    """The load's operators, and those the service switched away for missing contacts (rule 9),
    picked from the same rows: read only if the load is shown."""
    operators = selectors.operators_with_load().filter(archived_at=None).order_by("-is_active", "name")
    away = SimpleLazyObject(
        lambda: [
            operator
            for operator in operators
            if not operator.is_active and operator.away_reason == OperatorEvent.Reason.MISSED
        ]
    )
    return {"operators": operators, "away_for_misses": away}


@operators_to_their_workspace
@permission_required("distribution.view_contact")
@require_safe
def overview(request: HtmxHttpRequest) -> HttpResponse:
    # Each read only if its part is shown: a refresh of one part reads that part's rows.
    context = {
        "counts": SimpleLazyObject(selectors.contact_counts),
        **_load_context(),
        "queue": SimpleLazyObject(lambda: list(selectors.waiting_queue()[:QUEUE_SHOWN])),
        "now": timezone.now(),
    }
    return render_page(request, "overview/page.html", context, partials=("counts", LOAD, "queue"))


def load_part(request: HttpRequest) -> HttpResponse:
    """The overview's load, with the messages: what an operator switched on from there answers."""
    return with_messages(request, render(request, f"overview/page.html#{LOAD}", _load_context()))
