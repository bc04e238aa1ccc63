"""Real `manage.py worker` processes deliver the outbox to a real receiver on 127.0.0.1: killed
with SIGKILL mid-run and started again, and two of them at once. On SQLite and PostgreSQL."""

import json
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from distribution import routing, signatures, webhooks
from distribution.models import Webhook, WebhookDelivery

from .conftest import ROOT, subprocess_env

pytestmark = pytest.mark.django_db(transaction=True)

# The workers' WEBHOOK_TIMEOUT: a delivery a killed worker held is taken again 3 * 2 + 5 s later.
TIMEOUT = 2
Status = WebhookDelivery.Status


class Receiver(ThreadingHTTPServer):
    """A webhook receiver: checks each request's signature and event id, records its event,
    answers 200.

    hold_connection=n: the n-th connection is held unread until `release` (the receiver never got
    that request). hold_answer=n: the n-th event is recorded, then its answer held until `release`
    (the receiver got it, but its sender may never hear so)."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.secret = ""
        self.lock = threading.Lock()
        self.received: list[tuple[str, int, str]] = []  # (event id, contact id, type), as they came
        self.bad_requests = 0
        self.connections = 0
        self.in_flight = self.most_in_flight = 0
        self.delay = 0.0
        self.hold_connection = self.hold_answer = None
        self.held, self.release = threading.Event(), threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"

    def counts(self) -> Counter:
        return Counter(event_id for event_id, _, _ in self.received)

    def order_per_contact(self) -> dict[int, list[str]]:
        order: dict[int, list[str]] = {}
        for _, contact_id, kind in self.received:
            order.setdefault(contact_id, []).append(kind)
        return order


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def handle(self) -> None:
        with self.server.lock:
            self.server.connections += 1
            number = self.server.connections
        if number == self.server.hold_connection:
            self.server.held.set()
            self.server.release.wait(60)
            return
        super().handle()

    def do_POST(self) -> None:
        server = self.server
        body = self.rfile.read(int(self.headers["Content-Length"]))
        event = json.loads(body)
        event_id = self.headers.get("Minicrm-Event-Id", "")
        if (
            not signatures.verify(
                server.secret, body, self.headers.get("Minicrm-Signature", ""), event_id=event_id
            )
            or event_id != event["id"]
        ):
            with server.lock:
                server.bad_requests += 1
            self._answer(400)
            return
        with server.lock:
            server.received.append((event["id"], event["data"]["contact"]["id"], event["type"]))
            number = len(server.received)
            server.in_flight += 1
            server.most_in_flight = max(server.most_in_flight, server.in_flight)
        try:
            time.sleep(server.delay)
            if number == server.hold_answer:
                server.held.set()
                server.release.wait(60)
            self._answer(200)
        finally:
            with server.lock:
                server.in_flight -= 1

    def _answer(self, status: int) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()
        except OSError:
            pass  # its sender was killed meanwhile

    def log_message(self, format, *args) -> None:
        pass


@pytest.fixture
def receiver():
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def start_worker(tmp_path):
    """start_worker(name) -> a `manage.py worker` process on the test database, with the
    production settings but for the receiver's address; killed at the end of the test."""
    processes = []
    env = subprocess_env(WEBHOOK_ALLOW_PRIVATE="true", WEBHOOK_TIMEOUT=str(TIMEOUT))

    def start(name: str) -> subprocess.Popen:
        log = (tmp_path / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "worker",
                "--no-reload",
                "--no-startup-delay",
                "--sweep-every=0",
                "--webhook-poll-every=0.2",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        processes.append(process)
        return process

    yield start
    for process in processes:
        process.kill()
        process.wait()


@pytest.fixture
def events(bot_with_operators, make_operator, receiver):
    """events(contacts) -> the event ids of `contacts` contacts that each waited, were assigned
    from the queue and closed, told to the receiver's webhook (3 events each)."""

    def make(contacts: int) -> list[str]:
        bot, _ = bot_with_operators(weights=[])
        receiver.secret = webhooks.save_webhook(bot=bot, url=receiver.url, events=list(Webhook.Event.values))
        sent = [
            routing.register_contact(bot=bot, identity=routing.LeadIdentity(external_id=f"tg-{n}")).contact
            for n in range(contacts)
        ]
        routing.set_weight(bot=bot, operator=make_operator(capacity=contacts), weight=10)
        for contact in sent:
            routing.close_contact(contact=contact)
        return [str(event_id) for event_id in WebhookDelivery.objects.values_list("event_id", flat=True)]

    return make


def wait_until(condition, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"Still waiting after {timeout} s for {what}")
        time.sleep(0.05)


def all_delivered() -> bool:
    return not WebhookDelivery.objects.exclude(status=Status.DELIVERED).exists()


def assert_in_order(receiver: Receiver) -> None:
    expected = [Webhook.Event.WAITING, Webhook.Event.ASSIGNED, Webhook.Event.CLOSED]
    for kinds in receiver.order_per_contact().values():
        assert list(dict.fromkeys(kinds)) == expected


def killed_at_the_held_request(worker: subprocess.Popen, receiver: Receiver) -> None:
    """SIGKILLs `worker` once the receiver holds its request (hold_connection or hold_answer),
    then lets the receiver go on."""
    assert receiver.held.wait(60), "the worker never sent the request to hold"
    worker.kill()
    worker.wait()
    receiver.release.set()


def test_a_worker_killed_mid_run_and_restarted_delivers_each_event_exactly_once(
    events, receiver, start_worker
):
    event_ids = events(10)
    # The worker's 12th request never reaches the receiver: the worker is killed while it waits.
    receiver.hold_connection = 12
    first = start_worker("first")

    killed_at_the_held_request(first, receiver)

    # Each of the 11 answered events was marked before the next was sent; the 12th is held by
    # the dead worker's lease.
    assert WebhookDelivery.objects.filter(status=Status.DELIVERED).count() == 11
    assert WebhookDelivery.objects.filter(status=Status.PENDING, claimed_until__isnull=False).count() == 1
    start_worker("restarted")
    wait_until(all_delivered, timeout=90, what="every event to be delivered")

    assert receiver.counts() == dict.fromkeys(event_ids, 1)
    assert receiver.bad_requests == 0
    assert_in_order(receiver)


def test_a_worker_killed_before_it_marked_an_answered_event_sends_it_again(events, receiver, start_worker):
    event_ids = events(10)
    # The receiver has the 12th event, but the worker is killed before it hears the answer.
    receiver.hold_answer = 12
    first = start_worker("first")

    killed_at_the_held_request(first, receiver)
    answered_unmarked = receiver.received[11][0]
    start_worker("restarted")
    wait_until(all_delivered, timeout=90, what="every event to be delivered")

    # At least once: that event twice (the receiver deduplicates by its id), every other once.
    assert receiver.counts() == {**dict.fromkeys(event_ids, 1), answered_unmarked: 2}
    assert_in_order(receiver)


def test_two_workers_at_once_never_send_one_event_twice(events, receiver, start_worker):
    event_ids = events(40)
    receiver.delay = 0.02
    workers = [start_worker("one"), start_worker("two")]

    wait_until(all_delivered, timeout=120, what="every event to be delivered")

    assert [worker.poll() for worker in workers] == [None, None], "a worker stopped"
    assert receiver.counts() == dict.fromkeys(event_ids, 1)
    # Each worker sends one request at a time: two at once means both were sending.
    assert receiver.most_in_flight == 2
    assert_in_order(receiver)
