"""The worker (manage.py worker): it runs queued tasks from the database and schedules the sweep."""

import datetime
import threading

import pytest
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from distribution.management.commands import worker
from distribution.models import Contact, ContactEvent

DATABASE_TASKS = override_settings(
    TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
)


@DATABASE_TASKS
def test_it_enqueues_the_sweep_once_while_one_waits(db):
    assert worker.enqueue_sweep() is True
    assert worker.enqueue_sweep() is False

    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 1


@DATABASE_TASKS
def test_it_enqueues_the_sweep_again_once_the_last_one_ran(db):
    worker.enqueue_sweep()
    DBTaskResult.objects.update(status=TaskResultStatus.SUCCESSFUL)

    assert worker.enqueue_sweep() is True


def test_the_scheduler_enqueues_every_interval_until_stopped(monkeypatch):
    stop, ticks = threading.Event(), []

    def tick():
        ticks.append(timezone.now())
        if len(ticks) == 3:
            stop.set()

    monkeypatch.setattr(worker, "enqueue_sweep", tick)

    worker.schedule_sweeps(every=0.01, stop=stop)

    assert len(ticks) == 3


def test_the_scheduler_survives_a_failing_tick(monkeypatch):
    stop, ticks = threading.Event(), []

    def tick():
        ticks.append(1)
        if len(ticks) == 2:
            stop.set()
        raise ConnectionError("database down")

    monkeypatch.setattr(worker, "enqueue_sweep", tick)

    worker.schedule_sweeps(every=0.01, stop=stop)

    assert len(ticks) == 2


@DATABASE_TASKS
@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_a_queued_sweep(settings, bot_with_operators, send):
    settings.AUTO_CLOSE_AFTER = datetime.timedelta(hours=1)
    bot, _ = bot_with_operators(weights=[10])
    contact = send(bot)
    Contact.objects.filter(pk=contact.pk).update(assigned_at=timezone.now() - datetime.timedelta(hours=2))
    worker.enqueue_sweep()

    call_command("worker", "--batch", "--no-reload", "--no-startup-delay", "--sweep-every=0", verbosity=0)

    assert Contact.objects.get(pk=contact.pk).status == Contact.Status.CLOSED
    assert contact.events.get(kind=ContactEvent.Kind.CLOSED).reason == ContactEvent.Reason.AUTO
    assert DBTaskResult.objects.get().status == TaskResultStatus.SUCCESSFUL
