"""Sending the outbox (webhooks.deliver_due), with the receiver stood in for: signed requests, in
order per contact, retried with backoff until they give up, 410 stopping the webhook, leases."""

import datetime
import json
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone, translation

from distribution import outbound, routing, signatures, webhooks
from distribution.management.commands import worker
from distribution.models import Webhook, WebhookDelivery

from .test_webhooks_outbox import hook

Status, Event = WebhookDelivery.Status, Webhook.Event


class Receiver:
    """Stands in for outbound.post: records each request and answers what `answers` says (a
    status, or an exception to raise), 200 once they run out."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answers: list[int | Exception] = []

    def post(self, url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> int:
        self.requests.append({"url": url, "body": body, "headers": headers, "timeout": timeout})
        answer = self.answers.pop(0) if self.answers else 200
        if isinstance(answer, Exception):
            raise answer
        return answer

    @property
    def events(self) -> list[tuple[int, str]]:
        """(contact id, event) of each request, in order."""
        return [
            (json.loads(r["body"])["data"]["contact"]["id"], r["headers"]["Minicrm-Event"])
            for r in self.requests
        ]


@pytest.fixture(autouse=True)
def one_webhook_at_a_time(settings):
    """One request at a time, so that the stand-in receiver's answers go to the requests in the
    order they were sent; the tests of several webhooks at once set it back."""
    settings.WEBHOOK_CONCURRENCY = 1


@pytest.fixture
def receiver(monkeypatch):
    receiver = Receiver()
    monkeypatch.setattr(outbound, "post", receiver.post)
    return receiver


@pytest.fixture
def hooked_bot(bot_with_operators):
    """A bot with one operator (capacity 100) and a webhook for every event."""
    bot, _ = bot_with_operators(weights=[10])
    hook(bot)
    return bot


def english(delivery: WebhookDelivery) -> str:
    """The delivery's last error as an English page shows it."""
    with translation.override("en"):
        return delivery.error_message


def make_due() -> None:
    """As if the time of every pending retry had come."""
    WebhookDelivery.objects.filter(status=Status.PENDING).update(next_attempt_at=timezone.now())


def test_it_sends_a_signed_request_and_marks_it_delivered(receiver, hooked_bot, send, settings):
    contact = send(hooked_bot)
    delivery = WebhookDelivery.objects.get()

    assert webhooks.deliver_due() == 1

    (request,) = receiver.requests
    webhook = Webhook.objects.get(bot=hooked_bot)
    assert request["url"] == webhook.url
    assert request["timeout"] == settings.WEBHOOK_TIMEOUT
    assert json.loads(request["body"]) == delivery.payload
    headers = request["headers"]
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"] == "mini-CRM-webhooks"
    assert headers["Minicrm-Event-Id"] == str(delivery.event_id)
    assert headers["Minicrm-Event"] == Event.ASSIGNED
    assert signatures.verify(
        webhook.secret, request["body"], headers["Minicrm-Signature"], event_id=str(delivery.event_id)
    )
    delivery.refresh_from_db()
    assert delivery.status == Status.DELIVERED
    assert (delivery.attempts, delivery.response_status, delivery.last_error) == (1, 200, "")
    assert delivery.delivered_at is not None
    assert delivery.next_attempt_at is None
    assert delivery.claimed_until is None
    assert contact.pk == json.loads(request["body"])["data"]["contact"]["id"]


def test_it_sends_nothing_twice(receiver, hooked_bot, send):
    send(hooked_bot)
    webhooks.deliver_due()

    assert webhooks.deliver_due() == 0
    assert len(receiver.requests) == 1


def test_it_sends_a_contacts_events_in_order_and_a_failing_one_holds_back_the_next(
    receiver, hooked_bot, send, monkeypatch
):
    # A wait of 10 s: a random one can be short enough to be over by the next deliver_due().
    monkeypatch.setattr(webhooks.random, "random", lambda: 0.5)
    contact = send(hooked_bot)
    routing.close_contact(contact=contact)
    other = send(hooked_bot)
    receiver.answers = [500]

    webhooks.deliver_due()

    # The first event of `contact` failed: its close waits behind it; the other contact goes on.
    assert receiver.events == [(contact.pk, Event.ASSIGNED), (other.pk, Event.ASSIGNED)]
    assert webhooks.deliver_due() == 0
    make_due()
    webhooks.deliver_due()
    webhooks.deliver_due()
    assert receiver.events[2:] == [(contact.pk, Event.ASSIGNED), (contact.pk, Event.CLOSED)]
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {Status.DELIVERED}


def test_it_logs_a_failed_attempt(receiver, hooked_bot, send, caplog):
    contact = send(hooked_bot)
    receiver.answers = [503]

    with caplog.at_level(logging.INFO, logger="distribution.webhooks"):
        webhooks.deliver_due()

    (delivery,) = WebhookDelivery.objects.all()
    assert f"{delivery.event_id} (contact.assigned of contact {contact.pk}) failed" in caplog.text
    assert "The receiver answered 503." in caplog.text


def test_it_retries_with_a_growing_random_wait(receiver, hooked_bot, send, monkeypatch):
    monkeypatch.setattr(webhooks.random, "random", lambda: 0.5)
    send(hooked_bot)
    receiver.answers = [500, 503, outbound.OutboundError("connection refused")]
    waits = []

    for _ in range(3):
        webhooks.deliver_due()
        delivery = WebhookDelivery.objects.get()
        waits.append(delivery.next_attempt_at - delivery.last_attempt_at)
        make_due()

    assert [round(wait.total_seconds()) for wait in waits] == [5, 10, 20]
    assert delivery.status == Status.PENDING
    assert delivery.attempts == 3
    assert delivery.response_status is None
    assert english(delivery) == "connection refused"


def test_the_wait_is_random_up_to_ten_seconds_doubling_to_an_hour():
    ceilings = [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600]

    for retry, ceiling in enumerate(ceilings):
        waits = [webhooks.backoff(retry).total_seconds() for _ in range(200)]
        assert all(0 <= wait <= ceiling for wait in waits)
        assert max(waits) > ceiling * 0.8
        assert min(waits) < ceiling * 0.2
    assert webhooks.backoff(10_000) <= datetime.timedelta(hours=1)


def test_it_takes_a_redirect_for_a_failed_attempt(receiver, hooked_bot, send):
    send(hooked_bot)
    receiver.answers = [302]

    webhooks.deliver_due()

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.response_status) == (Status.PENDING, 302)
    assert english(delivery) == "The receiver answered 302."


def test_it_gives_up_after_webhook_retry_for(receiver, hooked_bot, send, settings):
    settings.WEBHOOK_RETRY_FOR = datetime.timedelta(hours=6)
    send(hooked_bot)
    send(hooked_bot)
    old, young = WebhookDelivery.objects.order_by("pk")
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=old.pk).update(created_at=now - datetime.timedelta(hours=6, seconds=1))
    WebhookDelivery.objects.filter(pk=young.pk).update(
        created_at=now - datetime.timedelta(hours=5, minutes=59)
    )
    receiver.answers = [500, 500]

    webhooks.deliver_due()

    old.refresh_from_db()
    young.refresh_from_db()
    assert (old.status, old.next_attempt_at, old.attempts) == (Status.FAILED, None, 1)
    assert young.status == Status.PENDING
    assert young.next_attempt_at is not None


def test_a_failed_delivery_lets_the_contacts_next_one_go(receiver, hooked_bot, send, settings):
    settings.WEBHOOK_RETRY_FOR = datetime.timedelta(seconds=0)
    contact = send(hooked_bot)
    routing.close_contact(contact=contact)
    receiver.answers = [500]

    webhooks.deliver_due()
    webhooks.deliver_due()

    assert receiver.events == [(contact.pk, Event.ASSIGNED), (contact.pk, Event.CLOSED)]
    assert list(WebhookDelivery.objects.order_by("pk").values_list("status", flat=True)) == [
        Status.FAILED,
        Status.DELIVERED,
    ]


def test_a_410_stops_the_webhook_and_fails_its_pending_deliveries(
    receiver, hooked_bot, send, bot_with_operators
):
    first = send(hooked_bot)
    send(hooked_bot)
    other_bot, _ = bot_with_operators(weights=[10])
    hook(other_bot)
    send(other_bot)
    receiver.answers = [410]

    webhooks.deliver_due()

    webhook = Webhook.objects.get(bot=hooked_bot)
    assert not webhook.is_active
    assert "410" in webhook.disabled_message
    gone = WebhookDelivery.objects.get(contact=first)
    assert (gone.status, gone.response_status, gone.attempts) == (Status.FAILED, 410, 1)
    assert set(webhook.deliveries.values_list("status", flat=True)) == {Status.FAILED}
    # The other bot's webhook is not concerned.
    assert WebhookDelivery.objects.get(webhook__bot=other_bot).status == Status.DELIVERED
    # Nothing more is written for it.
    routing.close_contact(contact=first)
    assert webhook.deliveries.count() == 2


def test_it_sends_nothing_for_a_stopped_webhook(receiver, hooked_bot, send):
    send(hooked_bot)
    Webhook.objects.update(is_active=False)

    assert webhooks.deliver_due() == 0
    assert receiver.requests == []
    assert WebhookDelivery.objects.get().status == Status.PENDING


def test_it_leaves_a_delivery_another_worker_holds(receiver, hooked_bot, send):
    send(hooked_bot)
    WebhookDelivery.objects.update(claimed_until=timezone.now() + datetime.timedelta(seconds=30))

    assert webhooks.deliver_due() == 0
    assert receiver.requests == []


def test_it_takes_over_a_delivery_whose_lease_ended(receiver, hooked_bot, send):
    """A worker killed mid-send leaves its lease behind: once it ends, the delivery goes again."""
    send(hooked_bot)
    WebhookDelivery.objects.update(claimed_until=timezone.now() - datetime.timedelta(seconds=1))

    assert webhooks.deliver_due() == 1
    assert WebhookDelivery.objects.get().status == Status.DELIVERED


def test_only_one_of_two_workers_that_read_a_delivery_sends_it(receiver, hooked_bot, send, monkeypatch):
    """Both read it as due; the one that claims it second finds it claimed and skips it."""
    send(hooked_bot)
    reads = []
    real_claim = webhooks._claim

    def claim_after_the_other(delivery):
        # The second worker read it before the first one claimed, sent and recorded it.
        if not reads:
            reads.append(delivery)
            assert webhooks.deliver_due() == 1
        return real_claim(delivery)

    monkeypatch.setattr(webhooks, "_claim", claim_after_the_other)

    assert webhooks.deliver_due() == 0
    assert len(receiver.requests) == 1


def test_resend_sends_the_same_event_again(receiver, hooked_bot, send):
    send(hooked_bot)
    webhooks.deliver_due()
    delivery = WebhookDelivery.objects.get()

    webhooks.resend(delivery)

    assert (delivery.status, delivery.attempts, delivery.delivered_at) == (Status.PENDING, 0, None)
    # The last answer stays on the bot's page until the new attempt's replaces it.
    assert delivery.response_status == 200
    assert webhooks.deliver_due() == 1
    first, second = receiver.requests
    assert first["headers"]["Minicrm-Event-Id"] == second["headers"]["Minicrm-Event-Id"]
    assert first["body"] == second["body"]


def test_a_rotated_secret_signs_the_next_request(receiver, hooked_bot, send):
    send(hooked_bot)
    webhook = Webhook.objects.get(bot=hooked_bot)
    old = webhook.secret
    new = webhooks.rotate_secret(webhook=webhook)

    webhooks.deliver_due()

    (request,) = receiver.requests
    body, headers = request["body"], request["headers"]
    event_id = headers["Minicrm-Event-Id"]
    assert signatures.verify(new, body, headers["Minicrm-Signature"], event_id=event_id)
    assert not signatures.verify(old, body, headers["Minicrm-Signature"], event_id=event_id)


def test_it_sends_at_least_once_to_a_receiver_that_fails_for_a_while(receiver, hooked_bot, send):
    contacts = [send(hooked_bot) for _ in range(5)]
    for contact in contacts[:3]:
        routing.close_contact(contact=contact)
    receiver.answers = [200, 500, 500, 503, 500, 200, 500, 502]

    for _ in range(20):
        webhooks.deliver_due()
        make_due()

    sent = [r["headers"]["Minicrm-Event-Id"] for r in receiver.requests]
    delivered = WebhookDelivery.objects.filter(status=Status.DELIVERED)
    assert delivered.count() == WebhookDelivery.objects.count() == 8
    assert {str(event_id) for event_id in delivered.values_list("event_id", flat=True)} == set(sent)
    for contact in contacts[:3]:
        assert [e for e in dict.fromkeys(receiver.events) if e[0] == contact.pk] == [
            (contact.pk, Event.ASSIGNED),
            (contact.pk, Event.CLOSED),
        ]


def test_a_410_after_the_lease_ended_leaves_the_webhook_to_the_worker_that_holds_it(
    hooked_bot, send, monkeypatch
):
    send(hooked_bot)
    other_lease = timezone.now() + datetime.timedelta(minutes=1)
    real_claim = webhooks._claim

    def claimed_then_taken_over_by_another_worker(delivery):
        lease = real_claim(delivery)
        WebhookDelivery.objects.update(claimed_until=other_lease)
        return lease

    monkeypatch.setattr(webhooks, "_claim", claimed_then_taken_over_by_another_worker)
    monkeypatch.setattr(outbound, "post", lambda url, body, headers, *, timeout: 410)

    assert webhooks.deliver_due() == 1

    assert Webhook.objects.get(bot=hooked_bot).is_active
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.claimed_until) == (Status.PENDING, 0, other_lease)


def test_a_webhook_with_many_due_deliveries_does_not_fill_the_batch(
    receiver, hooked_bot, send, bot_with_operators
):
    for _ in range(3):
        send(hooked_bot)
    other_bot, _ = bot_with_operators(weights=[10])
    hook(other_bot)
    later = send(other_bot)

    assert webhooks.deliver_due(limit=2) == 2

    assert WebhookDelivery.objects.get(contact=later).status == Status.DELIVERED


def test_a_receiver_that_does_not_answer_holds_back_only_its_own_webhook(receiver, hooked_bot, send):
    for _ in range(3):
        send(hooked_bot)
    receiver.answers = [outbound.OutboundError("No answer within 5 s.")]

    assert webhooks.deliver_due() == 1

    assert len(receiver.requests) == 1
    # The others wait for the next round, not each for the timeout.
    assert sorted(WebhookDelivery.objects.values_list("attempts", flat=True)) == [0, 0, 1]
    assert webhooks.deliver_due() == 2


def test_it_takes_nothing_more_once_told_to_stop(receiver, hooked_bot, send, monkeypatch):
    first, *_ = [send(hooked_bot) for _ in range(3)]
    stop = threading.Event()

    def answer_while_stop_comes(url, body, headers, *, timeout):
        stop.set()
        return receiver.post(url, body, headers, timeout=timeout)

    monkeypatch.setattr(outbound, "post", answer_while_stop_comes)

    assert webhooks.deliver_due(stop=stop) == 1

    # The request in flight was answered and recorded; nothing else was taken.
    assert WebhookDelivery.objects.get(contact=first).status == Status.DELIVERED
    rest = WebhookDelivery.objects.exclude(contact=first)
    assert {(d.status, d.attempts, d.claimed_until) for d in rest} == {(Status.PENDING, 0, None)}


@pytest.fixture
def silent_receiver():
    """A URL whose server accepts connections (the kernel's backlog does) and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/hook"


@pytest.fixture
def quick_receiver():
    """A URL whose server answers 204 at once."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def test_a_receiver_that_never_answers_does_not_hold_up_another_bots_webhook(
    bot_with_operators, send, settings, silent_receiver, quick_receiver
):
    # The senders' threads only send: the test's transaction, on this thread, is all they need.
    settings.WEBHOOK_CONCURRENCY, settings.WEBHOOK_TIMEOUT = 4, 1
    slow_bot, _ = bot_with_operators(weights=[10])
    quick_bot, _ = bot_with_operators(weights=[10])
    hook(slow_bot, url=silent_receiver)
    hook(quick_bot, url=quick_receiver)
    for _ in range(4):
        send(slow_bot)
        send(quick_bot)

    started = time.monotonic()
    assert webhooks.deliver_due() == 5
    took = time.monotonic() - started

    assert set(WebhookDelivery.objects.filter(webhook__bot=quick_bot).values_list("status", flat=True)) == {
        Status.DELIVERED
    }
    slow = WebhookDelivery.objects.filter(webhook__bot=slow_bot)
    assert sorted(slow.values_list("attempts", flat=True)) == [0, 0, 0, 1]
    assert english(slow.get(attempts=1)) == "No answer within 1 s."
    # One timeout for the round, not one for each of the silent receiver's events.
    assert took < 2 * settings.WEBHOOK_TIMEOUT


# The worker's delivery loop ------------------------------------------------------------------


def test_the_delivery_loop_looks_again_as_soon_as_a_request_ends(receiver, hooked_bot, send, monkeypatch):
    contact = send(hooked_bot)
    routing.close_contact(contact=contact)
    stop = threading.Event()

    def answer_then_stop_after_the_close(url, body, headers, *, timeout):
        if headers["Minicrm-Event"] == Event.CLOSED:
            stop.set()
        return receiver.post(url, body, headers, timeout=timeout)

    monkeypatch.setattr(outbound, "post", answer_then_stop_after_the_close)
    started = time.monotonic()

    webhooks.Sender().run(every=60, stop=stop)

    # The close became due when the assignment was delivered, and went at once, not a minute later.
    assert receiver.events == [(contact.pk, Event.ASSIGNED), (contact.pk, Event.CLOSED)]
    assert time.monotonic() - started < 10
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {Status.DELIVERED}


def test_the_delivery_loop_survives_a_failing_tick(db, monkeypatch):
    stop, runs = threading.Event(), []

    def run(self, *, every, stop):
        runs.append(1)
        if len(runs) == 2:
            stop.set()
        raise ConnectionError("database down")

    monkeypatch.setattr(webhooks.Sender, "run", run)

    worker.deliver_webhooks(every=0.01, stop=stop)

    assert len(runs) == 2


def test_a_fault_of_ours_counts_as_a_failed_attempt(receiver, hooked_bot, send):
    send(hooked_bot)
    receiver.answers = [UnicodeEncodeError("latin-1", "ё", 0, 1, "a header that cannot be encoded")]

    assert webhooks.deliver_due() == 1

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.claimed_until) == (Status.PENDING, 1, None)
    assert english(delivery) == "Not sent: an internal error (logged)."
