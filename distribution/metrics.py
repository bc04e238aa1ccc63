"""The Prometheus metrics of GET /metrics, read from the database at each scrape.

Every figure comes from a few aggregate queries, so that all web processes answer the same and
a scrape costs the same number of queries whatever the data size (docs/operations.md#metrics).
"""

from collections.abc import Iterator
from datetime import datetime

from django.db.models import Count, Max, Min, Sum
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from . import schedules, selectors
from .models import Bot, Contact, ContactEvent, DailyCloses, Operator, WebhookDelivery
from .tasks import sweep_idle_contacts

Reason = ContactEvent.Reason
# Each shown from the first scrape, at 0: Prometheus counts a series' increase from its first sample.
ASSIGNED_HOW = [
    Reason.INTAKE,
    Reason.QUEUE,
    Reason.PASSED_ON,
    Reason.RETURNED,
    Reason.TRANSFER,
    Reason.REOPENED,
]
CLOSED_BY = [Reason.MANAGER, Reason.OPERATOR, Reason.BOT, Reason.AUTO, Reason.EXPIRED]


def _age(now: datetime, since: datetime | None) -> float:
    return (now - since).total_seconds() if since else 0.0


def _counter(
    name: str, documentation: str, reasons: list[Reason], counts: dict[str, int], created: float | None = None
) -> Metric:
    family = CounterMetricFamily(name, documentation, labels=["reason"])
    for reason in dict.fromkeys([*reasons, *counts]):
        family.add_metric([reason], counts.get(reason, 0), created=created)
    return family


class MiniCrmCollector(Collector):
    """The service's state: contacts, queue, assignments, closes, webhooks, operators, worker."""

    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        yield from self.contacts()
        yield from self.queue(now)
        yield from self.assignments()
        yield from self.closes()
        yield from self.webhooks(now)
        yield from self.operators()
        yield from self.worker()

    def contacts(self) -> Iterator[Metric]:
        # The closed ones are history, a scan of every contact: minicrm_closes_total counts them.
        live = [Contact.Status.WAITING, Contact.Status.OPEN]
        counts = dict(
            Contact.objects.filter(status__in=live).values_list("status").annotate(n=Count("pk")).order_by()
        )
        family = GaugeMetricFamily("minicrm_contacts", "Waiting and open contacts.", labels=["status"])
        for status in live:
            family.add_metric([status], counts.get(status, 0))
        yield family

    def queue(self, now: datetime) -> Iterator[Metric]:
        # As the overview's queue: a contact handed back waits from its return.
        per_bot: dict[int, tuple[int, datetime]] = {
            bot_id: (n, oldest)
            for bot_id, n, oldest in selectors.waiting_queue()
            .order_by()
            .values_list("bot_id")
            .annotate(n=Count("pk"), oldest=Min("queued_at"))
        }
        waiting = GaugeMetricFamily(
            "minicrm_bot_waiting_contacts", "Waiting contacts of a bot.", labels=["bot"]
        )
        oldest = GaugeMetricFamily(
            "minicrm_bot_oldest_waiting_age_seconds",
            "How long a bot's longest waiting contact has waited; 0 when none waits.",
            labels=["bot"],
        )
        is_open = GaugeMetricFamily(
            "minicrm_bot_open",
            "1 within a bot's working hours (or when it has none), else 0.",
            labels=["bot"],
        )
        for bot in Bot.objects.only("slug", "hours").order_by("pk"):
            n, since = per_bot.get(bot.pk, (0, None))
            waiting.add_metric([bot.slug], n)
            oldest.add_metric([bot.slug], _age(now, since))
            is_open.add_metric([bot.slug], 1 if schedules.opening(bot.hours, now)[0] else 0)
        yield waiting
        yield oldest
        yield is_open
        first = min((since for _n, since in per_bot.values()), default=None)
        yield GaugeMetricFamily(
            "minicrm_oldest_waiting_age_seconds",
            "How long the longest waiting contact has waited; 0 when none waits.",
            value=_age(now, first),
        )

    def assignments(self) -> Iterator[Metric]:
        # Today's only: every day's would read every assignment event, and the daily figures
        # have no reason. A counter may start again at 0; `created` tells Prometheus when.
        # The site's midnight, whoever's session comes along with the token.
        midnight = selectors.start_of_today(timezone.get_default_timezone())
        counts = dict(
            ContactEvent.objects.filter(kind=ContactEvent.Kind.ASSIGNED, at__gte=midnight)
            .values_list("reason")
            .annotate(n=Count("pk"))
            .order_by()
        )
        yield _counter(
            "minicrm_assignments_total",
            "Contacts assigned to an operator since midnight (TIME_ZONE), by how.",
            ASSIGNED_HOW,
            counts,
            created=midnight.timestamp(),
        )

    def closes(self) -> Iterator[Metric]:
        counts = dict(DailyCloses.objects.values_list("reason").annotate(n=Sum("contacts")).order_by())
        yield _counter(
            "minicrm_closes_total", "Contacts closed, by who or what closed them.", CLOSED_BY, counts
        )

    def webhooks(self, now: datetime) -> Iterator[Metric]:
        rows = {
            row["status"]: row
            for row in WebhookDelivery.objects.values("status")
            .annotate(n=Count("pk"), oldest=Min("created_at"))
            .order_by()
        }
        family = GaugeMetricFamily(
            "minicrm_webhook_deliveries",
            "Webhook events by outcome; pending ones are the outbox's backlog.",
            labels=["status"],
        )
        for status in WebhookDelivery.Status.values:
            family.add_metric([status], rows[status]["n"] if status in rows else 0)
        yield family
        pending = rows.get(WebhookDelivery.Status.PENDING, {"oldest": None})
        yield GaugeMetricFamily(
            "minicrm_webhook_oldest_pending_age_seconds",
            "How long the oldest webhook event not yet delivered has waited; 0 when none waits.",
            value=_age(now, pending["oldest"]),
        )

    def operators(self) -> Iterator[Metric]:
        counts = dict(Operator.objects.values_list("is_active").annotate(n=Count("pk")).order_by())
        family = GaugeMetricFamily("minicrm_operators", "Operators switched on or away.", labels=["state"])
        family.add_metric(["on"], counts.get(True, 0))
        family.add_metric(["away"], counts.get(False, 0))
        yield family

    def worker(self) -> Iterator[Metric]:
        last = DBTaskResult.objects.filter(
            task_path=sweep_idle_contacts.module_path, status=TaskResultStatus.SUCCESSFUL
        ).aggregate(last=Max("finished_at"))["last"]
        yield GaugeMetricFamily(
            "minicrm_worker_last_sweep_timestamp_seconds",
            "When the worker last finished a sweep, in Unix time; 0 before the first.",
            value=last.timestamp() if last else 0,
        )


def exposition() -> bytes:
    """Return the metrics in Prometheus' text format."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(MiniCrmCollector())
    return generate_latest(registry)
