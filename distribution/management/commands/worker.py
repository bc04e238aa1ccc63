"""The worker: runs queued tasks (django-tasks-db's db_worker) and, beside them, enqueues the idle
sweep every SWEEP_EVERY seconds.

Two workers may run at once (two containers, a deploy overlapping the old one): each schedules the
sweep, and a sweep already waiting to run is not enqueued again; if both enqueue at the same
moment, the sweeps run twice and still close each contact once (routing.sweep_idle_contacts)."""

import logging
import os
import threading

from django.conf import settings
from django.db import close_old_connections, connection
from django.tasks import TaskResultStatus
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from distribution.tasks import sweep_idle_contacts

logger = logging.getLogger(__name__)


def enqueue_sweep() -> bool:
    """Enqueue the idle sweep unless one is already waiting to run. Returns whether it did."""
    waiting = DBTaskResult.objects.filter(
        task_path=sweep_idle_contacts.module_path, status=TaskResultStatus.READY
    ).exists()
    if not waiting:
        sweep_idle_contacts.enqueue()
    return not waiting


def schedule_sweeps(*, every: float, stop: threading.Event) -> None:
    """Enqueue the sweep now and every `every` seconds until `stop` is set."""
    while not stop.is_set():
        close_old_connections()
        try:
            enqueue_sweep()
        except Exception:
            # The database may be down for a while: the next tick tries again.
            logger.exception("Could not enqueue the idle sweep")
        stop.wait(every)
    connection.close()


class Command(db_worker.Command):
    help = "Run the background worker: queued tasks, and the idle sweep every SWEEP_EVERY seconds."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--sweep-every",
            type=db_worker.valid_interval,
            default=settings.SWEEP_EVERY,
            help="Seconds between two idle sweeps; 0 schedules none (default: SWEEP_EVERY, %(default)s).",
        )

    def handle(self, *args, sweep_every: float, **options) -> None:
        # With --reload the process that watches the files runs no tasks: only its child schedules.
        runs_tasks = not options["reload"] or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true"
        if sweep_every > 0 and runs_tasks:
            stop = threading.Event()
            threading.Thread(
                target=schedule_sweeps, kwargs={"every": sweep_every, "stop": stop}, daemon=True
            ).start()
        super().handle(*args, **options)
