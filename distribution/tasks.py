"""What the worker runs: each task a thin call into the routing service."""

import logging

from django.tasks import task

from . import routing

logger = logging.getLogger(__name__)


@task
def sweep_idle_contacts() -> dict[str, int]:
    """Apply shift edges, pass on late contacts, close idle ones, expire old waiting ones, drain."""
    switched, moved = routing.apply_shift_edges()
    passed = routing.pass_on_due()
    sweep = routing.sweep_idle_contacts()
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
