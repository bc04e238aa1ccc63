"""The worker: django-tasks-db's db_worker, with threads for the idle sweep, the webhooks and the WAL.

Two may run at once (docs/operations.md#the-worker)."""

import logging
import os
import threading

from django.conf import settings
from django.db import close_old_connections, connection
from django.tasks import TaskResultStatus
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from distribution import webhooks
from distribution.tasks import sweep_idle_contacts
from minicrm.database import checkpoint_wal

logger = logging.getLogger(__name__)


def enqueue_sweep() -> bool:
    """Enqueue the idle sweep unless one is already waiting to run; return whether it did."""
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
            # The database may be down for a while.
            logger.exception("Could not enqueue the idle sweep")
        stop.wait(every)
    connection.close()


def deliver_webhooks(*, every: float, stop: threading.Event) -> None:
    """Deliver due webhook events, at least every `every` seconds, until `stop` is set."""
    sender = webhooks.Sender()
    try:
        while not stop.is_set():
            close_old_connections()
            try:
                sender.run(every=every, stop=stop)
            except Exception:
                logger.exception("Could not deliver webhooks")
                stop.wait(every)
    finally:
        sender.close()
        connection.close()


def checkpoint_wal_every(*, every: float, stop: threading.Event) -> None:
    """Truncate SQLite's WAL every `every` seconds until `stop` is set.

    The web workers' kept connections seldom let SQLite checkpoint at the last close, and their
    checkpoints every 1000 pages cannot shrink the file."""
    while not stop.wait(every):
        close_old_connections()
        try:
            if not checkpoint_wal(connection):
                logger.info("The WAL was in use: it is truncated next time")
        except Exception:
            logger.exception("Could not checkpoint the WAL")
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
        parser.add_argument(
            "--webhook-poll-every",
            type=db_worker.valid_interval,
            default=settings.WEBHOOK_POLL_EVERY,
            help="Seconds between two looks for due webhook deliveries; 0 delivers none "
            "(default: WEBHOOK_POLL_EVERY, %(default)s).",
        )
        parser.add_argument(
            "--wal-checkpoint-every",
            type=db_worker.valid_interval,
            default=settings.WAL_CHECKPOINT_EVERY,
            help="Seconds between two truncations of SQLite's WAL; 0 runs none "
            "(default: WAL_CHECKPOINT_EVERY, %(default)s).",
        )

    def handle(  # type: ignore[override]  # argparse passes the options that add_arguments adds
        self, *args, sweep_every: float, webhook_poll_every: float, wal_checkpoint_every: float, **options
    ) -> None:
        # With --reload, only the child of the process that watches the files runs tasks.
        runs_tasks = not options["reload"] or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true"
        stop = threading.Event()
        if sweep_every > 0 and runs_tasks:
            threading.Thread(
                target=schedule_sweeps, kwargs={"every": sweep_every, "stop": stop}, daemon=True
            ).start()
        if wal_checkpoint_every > 0 and runs_tasks and connection.vendor == "sqlite":
            threading.Thread(
                target=checkpoint_wal_every, kwargs={"every": wal_checkpoint_every, "stop": stop}, daemon=True
            ).start()
        delivery = threading.Thread(
            target=deliver_webhooks, kwargs={"every": webhook_poll_every, "stop": stop}, daemon=True
        )
        if webhook_poll_every > 0 and runs_tasks:
            delivery.start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
            # Let the request in flight be recorded; a killed worker's is sent again after its lease.
            if delivery.is_alive():
                delivery.join(timeout=settings.WEBHOOK_TIMEOUT + 1)
