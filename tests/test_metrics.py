"""GET /metrics tells Prometheus the service's state, read from the database at each scrape."""

import datetime

import pytest
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from prometheus_client.parser import text_string_to_metric_families

from distribution import routing, selectors
from distribution.management.commands import worker
from distribution.models import Bot, Contact, ContactEvent, WebhookDelivery

TOKEN = "metrics-token-for-tests"
MINUTES = datetime.timedelta(minutes=1)


@pytest.fixture
def scrape(client, settings):
    """scrape() -> {(sample name, ((label, value), ...)): value} of one GET /metrics."""
    settings.METRICS_TOKEN = TOKEN

    def get() -> dict:
        response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain; version=")
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.content.decode())
            for sample in family.samples
        }

    return get


def test_it_counts_contacts_queue_assignments_closes_and_operators(
    scrape, clock, bot_with_operators, send, make_operator
):
    clock.now = clock.now.replace(hour=12)  # the day's counters start again at midnight
    bot, _ = bot_with_operators(weights=[10], capacities=[1])
    first, second = send(bot), send(bot)
    clock.advance(5 * MINUTES)
    third = send(bot)
    routing.close_contact(contact=first)  # the second leaves the queue
    routing.close_contact(contact=Contact.objects.get(pk=second.pk), reason=ContactEvent.Reason.OPERATOR)
    closed = Bot.objects.create(
        name="Nights", slug="nights", token_prefix="n", token_hash="0" * 64, hours=_closed_now()
    )
    send(closed)
    make_operator(active=False)
    clock.advance(10 * MINUTES)

    metrics = scrape()

    assert metrics[("minicrm_contacts", (("status", "waiting"),))] == 1
    assert metrics[("minicrm_contacts", (("status", "open"),))] == 1
    assert ("minicrm_contacts", (("status", "closed"),)) not in metrics
    assert Contact.objects.get(pk=third.pk).status == Contact.Status.OPEN
    assert metrics[("minicrm_bot_waiting_contacts", (("bot", bot.slug),))] == 0
    assert metrics[("minicrm_bot_waiting_contacts", (("bot", "nights"),))] == 1
    assert metrics[("minicrm_bot_oldest_waiting_age_seconds", (("bot", bot.slug),))] == 0
    assert metrics[("minicrm_bot_oldest_waiting_age_seconds", (("bot", "nights"),))] == 600
    assert metrics[("minicrm_oldest_waiting_age_seconds", ())] == 600
    assert metrics[("minicrm_bot_open", (("bot", bot.slug),))] == 1
    assert metrics[("minicrm_bot_open", (("bot", "nights"),))] == 0
    assert metrics[("minicrm_assignments_total", (("reason", "intake"),))] == 1
    assert metrics[("minicrm_assignments_total", (("reason", "queue"),))] == 2
    assert metrics[("minicrm_assignments_total", (("reason", "transfer"),))] == 0
    assert metrics[("minicrm_closes_total", (("reason", "manager"),))] == 1
    assert metrics[("minicrm_closes_total", (("reason", "operator"),))] == 1
    assert metrics[("minicrm_closes_total", (("reason", "auto"),))] == 0
    assert metrics[("minicrm_operators", (("state", "on"),))] == 1
    assert metrics[("minicrm_operators", (("state", "away"),))] == 1


def test_it_counts_the_assignments_since_midnight(scrape, bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])
    send(bot)
    yesterday = send(bot)
    ContactEvent.objects.filter(contact=yesterday).update(at=selectors.start_of_today() - MINUTES)

    metrics = scrape()

    assert metrics[("minicrm_assignments_total", (("reason", "intake"),))] == 1
    assert metrics[("minicrm_assignments_created", (("reason", "intake"),))] == (
        selectors.start_of_today().timestamp()
    )


def test_it_counts_webhook_deliveries_and_the_backlog(scrape, clock, bot_with_operators, send, make_delivery):
    bot, _ = bot_with_operators(weights=[10])
    contact = send(bot)
    make_delivery(contact, status=WebhookDelivery.Status.DELIVERED)
    make_delivery(contact, status=WebhookDelivery.Status.FAILED)
    make_delivery(contact, created_at=timezone.now() - 3 * MINUTES)
    make_delivery(contact)

    metrics = scrape()

    assert metrics[("minicrm_webhook_deliveries", (("status", "pending"),))] == 2
    assert metrics[("minicrm_webhook_deliveries", (("status", "delivered"),))] == 1
    assert metrics[("minicrm_webhook_deliveries", (("status", "failed"),))] == 1
    assert metrics[("minicrm_webhook_oldest_pending_age_seconds", ())] == 180


def test_it_reports_nothing_waiting_as_zero(scrape, db):
    metrics = scrape()

    assert metrics[("minicrm_oldest_waiting_age_seconds", ())] == 0
    assert metrics[("minicrm_webhook_oldest_pending_age_seconds", ())] == 0
    assert metrics[("minicrm_worker_last_sweep_timestamp_seconds", ())] == 0


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}})
@pytest.mark.django_db(transaction=True)
def test_it_tells_when_the_worker_last_swept(scrape):
    before = timezone.now()
    worker.enqueue_sweep()

    call_command("worker", "--batch", "--no-reload", "--no-startup-delay", "--sweep-every=0", verbosity=0)

    swept = DBTaskResult.objects.get(status=TaskResultStatus.SUCCESSFUL).finished_at
    assert swept >= before
    assert scrape()[("minicrm_worker_last_sweep_timestamp_seconds", ())] == pytest.approx(swept.timestamp())


def _closed_now() -> dict:
    later = (timezone.now().weekday() + 2) % 7
    return {"time_zone": "UTC", "week": [[["09:00", "18:00"]] if day == later else [] for day in range(7)]}
