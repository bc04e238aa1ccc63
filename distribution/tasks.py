"""What the worker runs: each task a thin call into the routing service or the report's sums."""

import logging

from django.tasks import task

from . import response_times, routing

logger = logging.getLogger(__name__)


@task
def sweep_idle_contacts() -> dict[str, int]:
    """Apply shift edges, pass on late contacts, auto-close and expire contacts, drain the
    queues, then fold the new events into the report's response times."""
    switched, moved = routing.apply_shift_edges()
    passed = routing.pass_on_due()
    sweep = routing.sweep_idle_contacts()
    response_times.fold()
    counts = {
        "shift changes": len(switched),
        "passed on": len(passed.passed_on),
        "overdue": len(passed.overdue),
        "switched away": len(passed.away),
        "closed": len(sweep.closed),
        "expired": len(sweep.expired),
        "assigned": len(moved) + len(passed.assigned) + len(sweep.assigned),
    }
    if any(counts.values()):
        logger.info("Sweep: %s", ", ".join(f"{count} {what}" for what, count in counts.items()))
    return counts
