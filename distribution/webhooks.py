"""The bots' webhooks: the transactional outbox, and its delivery by the worker.

The routing package records every change of a contact through record_events, which writes the
history rows and, in the same transaction, a WebhookDelivery for each event that the bot's active
webhook asks for: a change that rolls back leaves no delivery, and one that commits leaves its own.

The worker sends them through a Sender, fairly across webhooks. Several workers may run at once:
each takes a row with a lease (a conditional UPDATE of claimed_until that only one of them can
win) and holds it while it sends; a worker killed mid-send leaves the row to whoever takes it when
the lease ends. A row is marked only once the receiver has answered, so every event is sent at
least once, and twice only when a worker died between the receiver's answer and that mark:
receivers deduplicate by the event's id.

A contact's events reach its webhook in order: a delivery is not taken while an older one of the
same contact and webhook is pending (still retrying), so a receiver never hears of a close before
the assignment that preceded it.
"""

import json
import logging
import math
import random
import threading
import time
import uuid
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext_noop

from . import outbound, signatures
from .api_json import contact_json, with_close_reason
from .models import Bot, Contact, ContactEvent, Webhook, WebhookDelivery

logger = logging.getLogger(__name__)

Kind, Status = ContactEvent.Kind, WebhookDelivery.Status

# Which change tells a webhook what. A contact created and assigned at once has both a "created"
# and an "assigned" row: it is told only that it was assigned (see _event_of).
_EVENT_OF_KIND: dict[str, str] = {
    Kind.CREATED: Webhook.Event.WAITING,
    Kind.ASSIGNED: Webhook.Event.ASSIGNED,
    Kind.ACCEPTED: Webhook.Event.ACCEPTED,
    Kind.HANDED_BACK: Webhook.Event.WAITING,
    Kind.CLOSED: Webhook.Event.CLOSED,
}
BACKOFF_BASE = timedelta(seconds=10)
BACKOFF_CAP = timedelta(hours=1)
USER_AGENT = "mini-CRM-webhooks"


# The outbox -----------------------------------------------------------------------------------


def _key_shared(pks: set[int]) -> list[Webhook]:
    """The active webhooks among `pks`, read again under a lock that keeps them from being deleted
    until this transaction ends: a webhook removed meanwhile would otherwise fail the change at
    commit, when the deferred foreign key of its delivery is checked. FOR KEY SHARE, not an update
    lock: it conflicts only with a delete, so two changes writing deliveries never wait for each
    other (a manager's close holds it until its commit, when its history row's foreign key waits
    for an operator that an intake holds while it asks for the same webhook). SQLite runs one
    writer at a time: a plain read."""
    if connection.vendor != "postgresql":
        return list(Webhook.objects.filter(pk__in=pks, is_active=True).order_by("pk"))
    table = Webhook._meta.db_table
    return list(
        Webhook.objects.raw(
            f"SELECT * FROM {table} WHERE id = ANY(%s) AND is_active ORDER BY id FOR KEY SHARE",  # noqa: S608
            [sorted(pks)],
        )
    )


def record_events(events: list[ContactEvent]) -> None:
    """Write these changes of contacts to their history and, for each one that its bot's active
    webhook subscribes to, a delivery whose body is the contact as it is now. Runs in the caller's
    transaction, after the change itself is written. When the bots have no webhook, it costs one
    query more than the history's INSERT."""
    if not events:
        return
    ContactEvent.objects.bulk_create(events)
    record_deliveries(events)


def record_deliveries(events: list[ContactEvent], *, contacts: dict[int, Contact] | None = None) -> None:
    """The outbox's half of record_events, for a caller that wrote the history rows itself (the
    intake's fixed statements): the deliveries of these events. `contacts`: the events' contacts
    as the change left them, complete with their bot and operator, when the caller has them."""
    webhooks = {
        webhook.bot_id: webhook
        for webhook in Webhook.objects.filter(
            bot_id__in={event.contact.bot_id for event in events}, is_active=True
        )
    }
    if not webhooks:
        return
    assigned = {event.contact_id for event in events if event.kind == Kind.ASSIGNED}
    wanted = []
    for event in events:
        webhook, name = webhooks.get(event.contact.bot_id), _event_of(event, assigned)
        if webhook is not None and name is not None and name in webhook.events:
            wanted.append((webhook, event, name))
    if not wanted:
        return
    webhooks = {webhook.bot_id: webhook for webhook in _key_shared({webhook.pk for webhook, _, _ in wanted})}
    wanted = [
        (webhooks[webhook.bot_id], event, name)
        for webhook, event, name in wanted
        if webhook.bot_id in webhooks and name in webhooks[webhook.bot_id].events
    ]
    if not wanted:
        return
    # Read again, as the change left them: the callers' objects may be partial (a hand-over loads
    # three fields) or stale (a bulk UPDATE does not touch them).
    if contacts is None:
        contacts = with_close_reason(Contact.objects.select_related("bot", "operator")).in_bulk(
            {event.contact_id for _, event, _ in wanted}
        )
    deliveries = []
    for webhook, event, name in wanted:
        event_id = uuid.uuid4()
        payload = {
            "id": str(event_id),
            "type": name,
            "created": event.at.isoformat(),
            "data": {
                # The contact as GET /api/contacts/<id> answers it: no stored identifier of the lead.
                "contact": contact_json(contacts[event.contact_id], identity=None),
                "reason": event.reason or ContactEvent.Reason.INTAKE,
            },
        }
        deliveries.append(
            WebhookDelivery(
                webhook=webhook,
                contact_id=event.contact_id,
                event=name,
                event_id=event_id,
                payload=payload,
                created_at=event.at,
                next_attempt_at=event.at,
            )
        )
    WebhookDelivery.objects.bulk_create(deliveries)


def _event_of(event: ContactEvent, assigned: set[int]) -> str | None:
    if event.kind == Kind.CREATED and event.contact_id in assigned:
        return None
    if event.kind == Kind.ASSIGNED and event.reason == ContactEvent.Reason.PASSED_ON:
        return Webhook.Event.PASSED_ON
    return _EVENT_OF_KIND.get(event.kind)


# Delivery ---------------------------------------------------------------------------------------


def _lease() -> timedelta:
    # Longer than one request can take (connecting and waiting for the answer are each bounded by
    # the timeout), so that no other worker takes a row while its worker is still sending it.
    return timedelta(seconds=3 * settings.WEBHOOK_TIMEOUT + 5)


def _claimable(now: datetime) -> Q:
    """Pending, due, not held by a live lease, and the oldest pending one of its contact for its
    webhook."""
    older_pending = WebhookDelivery.objects.filter(
        webhook=OuterRef("webhook"), contact=OuterRef("contact"), status=Status.PENDING, pk__lt=OuterRef("pk")
    )
    return (
        # Q & Exists is a Q: the stubs' Q.__and__ takes only a Q.
        Q(status=Status.PENDING, next_attempt_at__lte=now)  # type: ignore[return-value]
        & (Q(claimed_until=None) | Q(claimed_until__lt=now))
        & ~Exists(older_pending)
    )


# A receiver that took longer than this to answer, or gave no answer, is slow (see Sender).
SLOW_ANSWER = 1.0


def _due(now: datetime, *, leave_out: set[int]):
    """The claimable deliveries of active webhooks but those in `leave_out`: each webhook's oldest
    due one first, then each one's second..., so that a webhook with a long backlog does not fill a
    look and leave the others nothing."""
    turn = Window(
        RowNumber(), partition_by=F("webhook_id"), order_by=[F("next_attempt_at").asc(), F("pk").asc()]
    )
    return (
        WebhookDelivery.objects.filter(_claimable(now), webhook__is_active=True)
        .exclude(webhook_id__in=leave_out)
        .annotate(turn=turn)
        .select_related("webhook")
        .order_by("turn", "next_attempt_at", "pk")
    )


@dataclass
class _Request:
    delivery: WebhookDelivery
    lease: datetime
    started: float
    slow: bool


class Sender:
    """Send due deliveries on WEBHOOK_CONCURRENCY threads, fairly across webhooks.

    A webhook has one request in flight at most, which keeps each contact's events in order and
    gives it no more than its share of the threads; the webhook whose last request started
    longest ago goes first. Receivers that answered slowly (SLOW_ANSWER) or not at all share all
    the threads but one, which stays for those that answer quickly; one that gave no answer rests
    until that delivery's retry, instead of making each of its other deliveries wait for the
    timeout. The threads only send: reading, claiming and recording happen in the caller's thread,
    on its connection."""

    def __init__(self, *, limit: int = 50) -> None:
        self.limit = limit
        self.threads = settings.WEBHOOK_CONCURRENCY
        self.pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="webhooks")
        self.due: list[WebhookDelivery] = []
        self.in_flight: dict[Future, _Request] = {}
        self.last_started: dict[int, float] = {}
        self.slow: set[int] = set()
        self.resting: dict[int, datetime] = {}
        self.attempted = 0

    def close(self) -> None:
        self.pool.shutdown()

    def deliver_due(self, *, stop: threading.Event | None = None) -> int:
        """Send what one look finds due, and wait for the answers. Returns how many were
        attempted (those another worker took first are not counted)."""
        self._look()
        while True:
            self._start(stop)
            if not self.in_flight:
                return self.attempted
            self._collect(timeout=None)

    def run(self, *, every: float, stop: threading.Event) -> None:
        """Send due deliveries until `stop` is set, looking for more at least every `every` seconds,
        and at once when a webhook's request ended and none of its deliveries is in hand (the
        contact's next event may be due). Once `stop` is set no more is taken: the requests in
        flight finish and are recorded."""
        looked, ended = -math.inf, set[int]()
        while not stop.is_set():
            self._start(stop)
            # A thread is free and nothing in hand can use it.
            room = len(self.in_flight) < self.threads
            in_hand = {delivery.webhook_id for delivery in self.due}
            if room and (ended - in_hand or time.monotonic() - looked >= every):
                self._look()
                looked, ended = time.monotonic(), set()
                self._start(stop)
            wait = max(0.0, looked + every - time.monotonic())
            if self.in_flight:
                ended |= self._collect(timeout=wait if room else None)
            else:
                stop.wait(wait)
        while self.in_flight:
            self._collect(timeout=None)

    def _look(self) -> None:
        now = timezone.now()
        self.resting = {webhook: until for webhook, until in self.resting.items() if until > now}
        busy = {request.delivery.webhook_id for request in self.in_flight.values()}
        self.due = list(_due(now, leave_out=busy | set(self.resting))[: self.limit])

    def _next(self) -> WebhookDelivery | None:
        """The delivery to send now, if any: the oldest due one of the webhook whose turn it is."""
        busy = {request.delivery.webhook_id for request in self.in_flight.values()}
        slow_busy = sum(request.slow for request in self.in_flight.values())
        now = timezone.now()
        candidates = {}
        for delivery in self.due:
            webhook = delivery.webhook_id
            if webhook in busy or webhook in candidates or self.resting.get(webhook, now) > now:
                continue
            if webhook in self.slow and self.threads > 1 and slow_busy >= self.threads - 1:
                continue
            candidates[webhook] = delivery
        return min(
            candidates.values(),
            key=lambda delivery: self.last_started.get(delivery.webhook_id, -math.inf),
            default=None,
        )

    def _start(self, stop: threading.Event | None) -> None:
        while len(self.in_flight) < self.threads and not (stop is not None and stop.is_set()):
            delivery = self._next()
            if delivery is None:
                return
            self.due.remove(delivery)
            lease = _claim(delivery)
            if lease is None:
                continue
            self.attempted += 1
            self.last_started[delivery.webhook_id] = time.monotonic()
            request = _Request(delivery, lease, time.monotonic(), delivery.webhook_id in self.slow)
            self.in_flight[self.pool.submit(_send, delivery)] = request

    def _collect(self, *, timeout: float | None) -> set[int]:
        """Record the requests that end within `timeout` seconds (at least one when None). Returns
        their webhooks."""
        done, _ = wait(self.in_flight, timeout=timeout, return_when=FIRST_COMPLETED)
        ended = set()
        for future in done:
            request = self.in_flight.pop(future)
            ended.add(request.delivery.webhook_id)
            self._record(request, future)
        return ended

    def _record(self, request: _Request, sent: Future) -> None:
        delivery, lease, webhook = request.delivery, request.lease, request.delivery.webhook_id
        try:
            status = sent.result()
        except outbound.OutboundError as error:
            retry = _record_failure(delivery, lease, status=None, error=error.message, params=error.params)
            self.slow.add(webhook)
            self.resting[webhook] = retry or timezone.now() + BACKOFF_BASE
            return
        except Exception:
            # A fault of ours, not the receiver's: recorded as a failed attempt all the same, so that
            # the delivery gives up in time instead of holding its contact's later events for ever.
            logger.exception("Webhook delivery %s could not be sent", delivery.event_id)
            _record_failure(
                delivery, lease, status=None, error=gettext_noop("Not sent: an internal error (logged).")
            )
            return
        if time.monotonic() - request.started > SLOW_ANSWER:
            self.slow.add(webhook)
        else:
            self.slow.discard(webhook)
        if 200 <= status < 300:
            _record_success(delivery, status=status)
        elif status == 410:
            _disable(delivery, lease)
        else:
            _record_failure(
                delivery,
                lease,
                status=status,
                error=gettext_noop("The receiver answered %(status)s."),
                params={"status": status},
            )


def deliver_due(*, limit: int = 50, stop: threading.Event | None = None) -> int:
    """Send up to `limit` due deliveries, fairly across webhooks (see Sender), and record how each
    went. Returns how many were attempted. Once `stop` is set no more is taken: the requests in
    flight finish and are recorded."""
    sender = Sender(limit=limit)
    try:
        return sender.deliver_due(stop=stop)
    finally:
        sender.close()


def _claim(delivery: WebhookDelivery) -> datetime | None:
    """Take the delivery until the returned time, unless it is no longer claimable (another worker
    took it, or sent it and rescheduled it, since it was read)."""
    now = timezone.now()
    lease = now + _lease()
    taken = WebhookDelivery.objects.filter(_claimable(now), pk=delivery.pk).update(claimed_until=lease)
    return lease if taken else None


def _send(delivery: WebhookDelivery) -> int:
    """POST the delivery, signed, and return the receiver's status; raises outbound.OutboundError
    when there is none."""
    body, event_id = json.dumps(delivery.payload, ensure_ascii=False).encode(), str(delivery.event_id)
    signature = signatures.sign(delivery.webhook.secret, body, event_id=event_id, timestamp=int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Minicrm-Event-Id": event_id,
        "Minicrm-Event": delivery.event,
        "Minicrm-Signature": signature,
    }
    return outbound.post(delivery.webhook.url, body, headers, timeout=settings.WEBHOOK_TIMEOUT)


def _attempt_fields(*, status: int | None, error: str, params: dict | None = None) -> dict:
    # The error as its English msgid and parameters: each page shows it in its own language.
    return {
        "attempts": F("attempts") + 1,
        "last_attempt_at": timezone.now(),
        "response_status": status,
        "last_error": error[: WebhookDelivery._meta.get_field("last_error").max_length],
        "last_error_params": params or {},
        "claimed_until": None,
    }


def _record_success(delivery: WebhookDelivery, *, status: int) -> None:
    # Whatever happened to the row meanwhile (its lease ran out, the webhook was disabled), the
    # receiver has it.
    WebhookDelivery.objects.filter(pk=delivery.pk).exclude(status=Status.DELIVERED).update(
        status=Status.DELIVERED,
        delivered_at=timezone.now(),
        next_attempt_at=None,
        **_attempt_fields(status=status, error=""),
    )


def backoff(retry: int) -> timedelta:
    """How long to wait before retry number `retry` (0 for the first): a random time up to
    10 s * 2**retry, at most an hour ("full jitter", so that the retries of many deliveries that
    failed together spread out instead of hitting the receiver together again)."""
    ceiling = min(BACKOFF_BASE * 2 ** min(retry, 20), BACKOFF_CAP)
    # Jitter, not a secret.
    return ceiling * random.random()  # noqa: S311


def _record_failure(
    delivery: WebhookDelivery, lease: datetime, *, status: int | None, error: str, params: dict | None = None
) -> datetime | None:
    """Record a failed attempt; return when the delivery is retried, None when it gave up."""
    now = timezone.now()
    gave_up = now - delivery.created_at >= settings.WEBHOOK_RETRY_FOR
    retry = None if gave_up else now + backoff(delivery.attempts)
    # Only while this worker still holds the row: past its lease, another worker owns it.
    WebhookDelivery.objects.filter(pk=delivery.pk, status=Status.PENDING, claimed_until=lease).update(
        status=Status.FAILED if gave_up else Status.PENDING,
        next_attempt_at=retry,
        **_attempt_fields(status=status, error=error, params=params),
    )
    # In English, whatever language the thread has active: the log is read by whoever runs it.
    error = error % params if params else error
    if gave_up:
        logger.warning("Webhook delivery %s failed for good: %s", delivery.event_id, error)
    else:
        # The bot's page shows it too; the log is where whoever runs the receiver looks first.
        logger.info(
            "Webhook delivery %s (%s of contact %s) failed, retried later: %s",
            delivery.event_id,
            delivery.event,
            delivery.contact_id,
            error,
        )
    return retry


def _disable(delivery: WebhookDelivery, lease: datetime) -> None:
    """The receiver answered 410 Gone: it wants no more events. Stop the webhook, and fail this
    delivery and every other pending one of it."""
    now = timezone.now()
    with transaction.atomic():
        # The webhook first, then its deliveries: the order of record_events and remove_webhook.
        Webhook.objects.select_for_update(no_key=True).filter(pk=delivery.webhook_id).values_list(
            "pk"
        ).first()
        # Only while this worker still holds the row: past its lease, another worker owns it.
        held = WebhookDelivery.objects.filter(
            pk=delivery.pk, status=Status.PENDING, claimed_until=lease
        ).update(
            status=Status.FAILED,
            next_attempt_at=None,
            **_attempt_fields(
                status=410, error=gettext_noop("The receiver answered 410 Gone: webhook disabled.")
            ),
        )
        if not held:
            return
        Webhook.objects.filter(pk=delivery.webhook_id).update(
            is_active=False,
            disabled_reason=gettext_noop("The receiver answered 410 Gone on %(moment)s."),
            disabled_reason_params={"moment": now.isoformat()},
        )
        WebhookDelivery.objects.filter(webhook_id=delivery.webhook_id, status=Status.PENDING).update(
            status=Status.FAILED,
            next_attempt_at=None,
            claimed_until=None,
            last_error=gettext_noop("Not sent: the webhook was disabled (410 Gone)."),
            last_error_params={},
        )
    logger.warning("Webhook %s disabled: its receiver answered 410 Gone", delivery.webhook_id)


def resend(delivery: WebhookDelivery) -> None:
    """Send a delivery again, now, with the same event id (the manager's "re-send"). Its retries
    still end WEBHOOK_RETRY_FOR after the event: an older one gets one more attempt."""
    # The last answer stays on show until the new attempt replaces it.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=Status.PENDING, attempts=0, next_attempt_at=timezone.now(), delivered_at=None
    )
    delivery.refresh_from_db()


# Settings, from the bot's page ------------------------------------------------------------------


def save_webhook(*, bot: Bot, url: str, events: list[str]) -> str | None:
    """Set the bot's webhook: its URL and the events it receives. Returns the secret of a new
    webhook (shown once), None for a changed one, which also starts sending again if a 410 had
    stopped it. Raises outbound.OutboundError for a URL that cannot receive, ValueError for an
    unknown event."""
    if unknown := set(events) - set(Webhook.Event.values):
        raise ValueError(f"Unknown events: {', '.join(sorted(unknown))}.")
    outbound.check_url(url)
    events = [name for name in Webhook.Event.values if name in set(events)]
    with transaction.atomic():
        # The bot's lock makes two first saves one create and one update, not a clash.
        Bot.objects.select_for_update(no_key=True).filter(pk=bot.pk).values_list("pk").get()
        # A new URL is how a manager answers a 410, so it sends again; sending switched off by
        # hand stays off.
        updated = Webhook.objects.filter(bot=bot).update(
            url=url,
            events=events,
            is_active=Case(When(disabled_reason="", then=F("is_active")), default=Value(True)),
            disabled_reason="",
            disabled_reason_params={},
        )
        if updated:
            return None
        secret = signatures.new_secret()
        Webhook.objects.create(bot=bot, url=url, events=events, secret=secret)
        return secret


def rotate_secret(*, webhook: Webhook) -> str:
    """Give the webhook a new secret and return it (shown once). Deliveries still pending are
    signed with it."""
    secret = signatures.new_secret()
    Webhook.objects.filter(pk=webhook.pk).update(secret=secret)
    webhook.secret = secret
    return secret


def set_webhook_active(*, webhook: Webhook, is_active: bool) -> None:
    """Switch sending on or off; switching it on forgets why it had stopped by itself."""
    webhook.is_active = is_active
    if is_active:
        webhook.disabled_reason, webhook.disabled_reason_params = "", {}
    webhook.save(update_fields=["is_active", "disabled_reason", "disabled_reason_params"])


def remove_webhook(*, webhook: Webhook) -> None:
    """Stop telling the bot anything: the webhook goes, with its deliveries, sent or not."""
    with transaction.atomic():
        # A change that is writing a delivery for it holds this lock (record_events): wait for it
        # to commit, so that its deliveries are seen and deleted with the webhook.
        if Webhook.objects.select_for_update().filter(pk=webhook.pk).exists():
            webhook.delete()
