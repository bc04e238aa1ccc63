"""What the worker runs: each task a thin call into the routing service."""

import logging

from django.tasks import task

from . import routing

logger = logging.getLogger(__name__)


@task
def sweep_idle_contacts() -> dict[str, int]:
    """Close idle open contacts and expire old waiting ones."""
    sweep = routing.sweep_idle_contacts()
    counts = {"closed": len(sweep.closed), "expired": len(sweep.expired), "assigned": len(sweep.assigned)}
    if any(counts.values()):
        logger.info("Idle sweep: %(closed)d closed, %(expired)d expired, %(assigned)d assigned", counts)
    return counts
