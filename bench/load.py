"""The reliability harness: the real server under load and faults, then every invariant checked
from the database.

    .venv/bin/python bench/load.py --requests 5000 --concurrency 64 --workers 4 --db postgres --kill-worker

It starts gunicorn on 127.0.0.1 over a database it creates (SQLite, or a PostgreSQL cluster it
starts), builds a scene of bots sharing small operators, and fires intake requests (new and
returning leads, exact retries of earlier requests, a few conflicting ones) while the bots close
contacts over the API (POST /api/contacts/<id>/close, some twice) and a manager closes a few.
Each bot has a webhook to a receiver that runs in this process and verifies every signature;
`manage.py worker` delivers the events meanwhile. With --kill-worker it SIGKILLs a gunicorn worker
and the delivery worker (then starts it again) in the middle; with --kill-after-close a gunicorn
worker dies between a close's commit and its drain (bench/faulty_wsgi.py). At the end it waits until no delivery
is pending, checks every invariant from the database and the receiver, and runs the fault drills:
SQLite held locked beyond the busy timeout (503, never 500), and PostgreSQL stopped and started
again (503, then recovery by itself). It exits 1 if any invariant is broken. Nothing it starts
outlives it; --max-seconds bounds the load phase and every wait is bounded.
"""

import argparse
import contextlib
import hashlib
import hmac
import http.client
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

BOTS, OPERATORS = 6, 8


def build_scene(rng: random.Random, receiver: "Receiver") -> list[tuple[int, str]]:
    """Bots sharing small operators, each with a webhook to the receiver for every event; returns
    (bot id, token) pairs."""
    from distribution import routing, webhooks
    from distribution.models import Operator, Webhook
    from distribution.tokens import create_bot

    operators = [
        Operator.objects.create(name=f"Operator {n}", max_open_contacts=rng.randint(2, 4))
        for n in range(OPERATORS)
    ]
    bots = []
    for n in range(BOTS):
        bot, token = create_bot(name=f"Bot {n}")
        for operator in rng.sample(operators, 3):
            routing.set_weight(bot=bot, operator=operator, weight=rng.choice([10, 20, 30]))
        receiver.secrets[bot.pk] = webhooks.save_webhook(
            bot=bot, url=receiver.url(bot.pk), events=list(Webhook.Event.values)
        )
        bots.append((bot.pk, token))
    return bots


def plan(rng: random.Random, bots: list[tuple[int, str]], count: int) -> list[tuple[str, dict]]:
    """(token, body) of each request. About 10 % repeat an earlier request exactly (a bot's retry),
    2 % reuse an earlier external_id with another message (a conflict), the rest are new contacts
    of a pool of leads that write through several bots."""
    leads = max(10, count // 4)
    requests: list[tuple[str, dict]] = []
    for number in range(count):
        roll = rng.random()
        if requests and roll < 0.10:
            requests.append(rng.choice(requests))
        elif requests and roll < 0.12:
            token, body = rng.choice(requests)
            requests.append((token, {**body, "message": f"{body['message']} (edited)"}))
        else:
            _bot_id, token = rng.choice(bots)
            lead = rng.randrange(leads)
            identity = {"external_id": f"lead-{lead}"}
            if lead % 3 == 0:
                identity["email"] = f"Lead{lead}@Example.com"
            if lead % 4 == 0:
                identity["phone"] = f"+7 999 {lead:07d}"
            requests.append(
                (token, {"lead": identity, "message": f"message {number}", "external_id": f"msg-{number}"})
            )
    return requests


class Load:
    def __init__(self, server: harness.Server, requests: list, concurrency: int, max_seconds: float):
        self.server, self.requests, self.concurrency = server, requests, concurrency
        self.deadline = time.monotonic() + max_seconds
        self.results: list[tuple[str, dict, int, dict]] = []
        self.connection_errors = 0
        self.lock = threading.Lock()
        self.done = 0

    def send(self, item: tuple[str, dict]) -> None:
        token, body = item
        for _attempt in range(5):
            if time.monotonic() > self.deadline:
                status, data = -1, {}
                break
            try:
                status, _headers, data = self.server.post_contact(token, body)
                break
            except (OSError, http.client.HTTPException):  # a killed worker drops its connections: sent again
                with self.lock:
                    self.connection_errors += 1
                time.sleep(0.2)
        else:
            status, data = 0, {}
        with self.lock:
            self.results.append((token, body, status, data))
            self.done += 1

    def run(self) -> float:
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            list(pool.map(self.send, self.requests))
        return time.monotonic() - started


class Closer:
    """Closes contacts while the load runs, as their chats end: mostly the bot over the API (an
    open contact, now and then a waiting one, and one in eight a contact it already closed: a
    retry), and one in ten a manager through the service, as the dashboard does (that path locks
    no bot: both must race). Now and then a manager hands an operator's contacts over, so that
    contacts are assigned a second time."""

    def __init__(self, server: harness.Server, tokens: dict[int, str]):
        self.server, self.tokens = server, tokens
        self.answers: Counter = Counter()  # (HTTP status, the answered contact's status)
        self.by_manager = 0
        self.hand_overs = 0
        self.connection_errors = 0
        self.closed: list[int] = []
        self.lock = threading.Lock()

    def run(self, stop: threading.Event, rng: random.Random) -> None:
        from django.db import OperationalError, connection

        from distribution import routing
        from distribution.models import Contact

        try:
            while not stop.is_set():
                roll = rng.random()
                if self.closed and roll < 0.125:
                    pk = rng.choice(self.closed)
                    bot_id = Contact.objects.values_list("bot_id", flat=True).get(pk=pk)
                    self.close_over_the_api(pk, bot_id)
                    continue
                if roll > 0.98:
                    self.hand_over(rng)
                    continue
                status = Contact.Status.WAITING if roll < 0.25 else Contact.Status.OPEN
                candidates = list(Contact.objects.filter(status=status).values_list("pk", "bot_id")[:50])
                if not candidates:
                    stop.wait(0.01)
                    continue
                pk, bot_id = rng.choice(candidates)
                if roll > 0.9:
                    try:
                        routing.close_contact(contact=Contact(pk=pk))
                    except OperationalError:  # SQLite busy beyond its timeout: a manager clicks again
                        continue
                    with self.lock:
                        self.by_manager += 1
                        self.closed.append(pk)
                else:
                    self.close_over_the_api(pk, bot_id)
        finally:
            connection.close()

    def hand_over(self, rng: random.Random) -> None:
        """Hand an operator's open contacts back to the queue, then switch the operator on again."""
        from django.db import OperationalError

        from distribution import routing
        from distribution.models import Operator

        operator = rng.choice(list(Operator.objects.all()))
        try:
            routing.hand_over_contacts(operator=operator)
        except OperationalError:  # SQLite busy beyond its timeout
            return
        with self.lock:
            self.hand_overs += 1
        for _attempt in range(5):
            try:
                routing.set_operator_active(operator=operator, is_active=True)
                return
            except OperationalError:
                time.sleep(0.2)

    def close_over_the_api(self, pk: int, bot_id: int) -> None:
        headers = {"Authorization": f"Bearer {self.tokens[bot_id]}", "Content-Type": "application/json"}
        body = json.dumps({"reason": "the chat ended"}).encode()
        for _attempt in range(5):
            try:
                status, _headers, data = self.server.request(
                    "POST", f"/api/contacts/{pk}/close", body, headers
                )
                break
            except (OSError, http.client.HTTPException):  # a killed worker drops them: closing is idempotent
                with self.lock:
                    self.connection_errors += 1
                time.sleep(0.2)
        else:
            status, data = 0, b"{}"
        try:
            answered = json.loads(data).get("status")
        except ValueError:
            answered = None
        with self.lock:
            self.answers[(status, answered)] += 1
            if status == 200:
                self.closed.append(pk)


class Receiver:
    """The bots' webhook endpoint, http://127.0.0.1:<port>/<bot id>, in a thread of this process.
    It verifies each request as docs/webhooks.md tells receivers to (written again here, so that the
    sender is held to the contract rather than to its own code), answers 204, or 400 with the
    refusal counted, and records every event id it accepted. `delay` keeps each request in flight
    a moment, so that a worker killed mid-way is likely to be killed in the middle of one."""

    def __init__(self, delay: float):
        self.secrets: dict[int, str] = {}
        self.delay = delay
        self.lock = threading.Lock()
        self.received: Counter = Counter()  # event id -> requests accepted
        self.arrivals: list[tuple[int, str]] = []  # (contact id, event id), in order of first arrival
        self.refused: Counter = Counter()  # why -> requests
        self.in_flight = 0
        self.first_at = self.last_at = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                receiver.handle(self)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def url(self, bot_id: int) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/{bot_id}"

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        with self.lock:
            self.in_flight += 1
        try:
            body = request.rfile.read(int(request.headers.get("Content-Length") or 0))
            refusal = self.refusal(request.path, request.headers, body)
            if refusal is None:
                event = json.loads(body)
                with self.lock:
                    self.first_at, self.last_at = self.first_at or time.monotonic(), time.monotonic()
                    if not self.received[event["id"]]:
                        self.arrivals.append((event["data"]["contact"]["id"], event["id"]))
                    self.received[event["id"]] += 1
                time.sleep(self.delay)
            else:
                with self.lock:
                    self.refused[refusal] += 1
            request.send_response(204 if refusal is None else 400)
            request.send_header("Content-Length", "0")
            request.end_headers()
        except OSError:  # the worker was killed while it waited for the answer
            pass
        finally:
            with self.lock:
                self.in_flight -= 1

    def refusal(self, path: str, headers, body: bytes) -> str | None:
        secret = self.secrets.get(int(path.strip("/"))) if path.strip("/").isdigit() else None
        if secret is None:
            return "unknown webhook URL"
        if not valid_signature(
            secret, body, headers.get("Minicrm-Event-Id", ""), headers.get("Minicrm-Signature", "")
        ):
            return "invalid signature"
        try:
            event = json.loads(body)
            contact = event["data"]["contact"]
        except (ValueError, KeyError, TypeError):
            return "body not an event"
        if (event["id"], event["type"]) != (headers.get("Minicrm-Event-Id"), headers.get("Minicrm-Event")):
            return "headers differ from the body"
        if contact["bot"]["id"] != int(path.strip("/")):
            return "another bot's contact"
        if set(contact["lead"]) != {"id", "created"}:
            return "stored lead data in the body"
        return None


def valid_signature(secret: str, body: bytes, event_id: str, header: str, tolerance: int = 300) -> bool:
    """Minicrm-Signature: t=<unix time>,v2=<hex HMAC-SHA256 of "<t>.<Minicrm-Event-Id>.<body>">."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    timestamp, signature = fields.get("t", ""), fields.get("v2", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False
    signed = f"{timestamp}.{event_id}.".encode() + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


class Worker:
    """manage.py worker, which delivers the webhooks (and schedules the idle sweep)."""

    def __init__(self, db: harness.Database):
        self.db = db
        self.process: subprocess.Popen | None = None
        self.kills = 0

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, harness.ROOT / "manage.py", "worker", "--no-startup-delay"],
            env=harness.server_env(self.db),
            cwd=harness.ROOT,
            start_new_session=True,
        )

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=15)
        self.kills += 1

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)


def kill_workers(
    server: harness.Server, worker: Worker, receiver: Receiver, load: Load, at: int, killed: list[int]
) -> None:
    """Half-way: SIGKILL a gunicorn worker, and the delivery worker while a request of it is in
    flight if one comes within seconds; then start the delivery worker again, as its supervisor
    would."""
    harness.wait_until(lambda: load.done >= at, timeout=600, what="half the load")
    pid = random.choice(server.worker_pids())
    os.kill(pid, signal.SIGKILL)
    killed.append(pid)
    with contextlib.suppress(TimeoutError):
        harness.wait_until(lambda: receiver.in_flight > 0, timeout=10, interval=0.005, what="a delivery")
    worker.kill()
    time.sleep(0.5)
    worker.start()


def wait_for_deliveries(timeout: float) -> float:
    """Wait until no delivery is pending; returns the seconds waited (the timeout if some still are)."""
    from distribution.models import WebhookDelivery

    started = time.monotonic()
    with contextlib.suppress(TimeoutError):
        harness.wait_until(
            lambda: not WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING).exists(),
            timeout=timeout,
            interval=0.5,
            what="the webhook deliveries",
        )
    return round(time.monotonic() - started, 1)


def check(results: list, duration: float, killed: list, connection_errors: int) -> dict[str, int]:
    """Every invariant, from the database. Returns the counts; each must be 0 except the totals."""
    from django.db.models import Count, Q

    from distribution.models import BotOperator, Contact, Lead, Operator
    from distribution.tokens import find_bot

    contacts = list(
        Contact.objects.values(
            "pk",
            "bot_id",
            "external_id",
            "operator_id",
            "status",
            "created_at",
            "assigned_at",
            "closed_at",
            "lead_id",
        )
    )
    tokens_to_bot = {token: find_bot(token).pk for token in {token for token, *_ in results}}
    rows_per_key = Counter((c["bot_id"], c["external_id"]) for c in contacts if c["external_id"])
    pk_of_key = {(c["bot_id"], c["external_id"]): c["pk"] for c in contacts if c["external_id"]}
    wrong_rows = sum(
        1
        for token, body, status, data in results
        if status in (200, 201, 202)
        and (
            rows_per_key[(tokens_to_bot[token], body["external_id"])] != 1
            or data.get("id") != pk_of_key.get((tokens_to_bot[token], body["external_id"]))
        )
    )
    # The same lead identity (its external id) must always resolve to one lead.
    leads_of_identity = defaultdict(set)
    for _token, body, status, data in results:
        if status in (200, 201, 202):
            leads_of_identity[body["lead"]["external_id"]].add(data["lead"]["id"])
    capacities = dict(Operator.objects.values_list("pk", "max_open_contacts"))
    events = []
    for c in contacts:
        if c["operator_id"] and c["assigned_at"]:
            events.append((c["assigned_at"], 1, c["operator_id"]))
            if c["closed_at"]:
                events.append((c["closed_at"], -1, c["operator_id"]))
    events.sort(key=lambda event: (event[0], event[1]))
    load, over_capacity = Counter(), 0
    for _moment, change, operator_id in events:
        load[operator_id] += change
        if load[operator_id] > capacities[operator_id]:
            over_capacity += 1
    open_now = Counter(c["operator_id"] for c in contacts if c["status"] == "open")
    links = defaultdict(list)
    for bot_id, operator_id, active in BotOperator.objects.values_list(
        "bot_id", "operator_id", "operator__is_active"
    ):
        links[bot_id].append((operator_id, active))
    stuck_waiting = sum(
        1
        for c in contacts
        if c["status"] == "waiting"
        and any(active and open_now[op] < capacities[op] for op, active in links[c["bot_id"]])
    )
    from distribution.models import DailyAssignments

    kept = Counter(
        {
            (b, o, d): n
            for b, o, d, n in DailyAssignments.objects.values_list("bot", "operator", "day", "contacts")
        }
    )
    from django.utils import timezone

    from distribution.models import ContactEvent

    # Every assignment, on its day, to whom it was made (docs/dashboard.md, the report).
    recount = Counter(
        (bot, operator, timezone.localdate(at))
        for bot, operator, at in ContactEvent.objects.filter(kind=ContactEvent.Kind.ASSIGNED)
        .exclude(operator=None)
        .values_list("contact__bot_id", "operator_id", "at")
    )
    statuses = Counter(status for _token, _body, status, _data in results)
    return {
        "requests": len(results),
        **{f"status {status}": n for status, n in sorted(statuses.items())},
        "gunicorn workers killed": len(killed),
        "connection errors retried": connection_errors,
        "throughput (requests/s)": round(len(results) / duration, 1),
        "INVARIANT 5xx answers": sum(n for status, n in statuses.items() if status >= 500),
        "INVARIANT requests never answered": statuses.get(0, 0) + statuses.get(-1, 0),
        "INVARIANT contacts over capacity (any moment)": over_capacity,
        "INVARIANT operators over capacity now": sum(
            1 for op, n in open_now.items() if op and n > capacities[op]
        ),
        "INVARIANT accepted requests without exactly one row": wrong_rows,
        "INVARIANT duplicate contacts for one external_id": sum(1 for n in rows_per_key.values() if n > 1),
        "INVARIANT lead identities split over several leads": sum(
            1 for ids in leads_of_identity.values() if len(ids) > 1
        ),
        "INVARIANT leads without a contact": Lead.objects.annotate(n=Count("contacts")).filter(n=0).count(),
        "INVARIANT open contacts without operator": Contact.objects.filter(
            status="open", operator=None
        ).count(),
        "INVARIANT waiting contacts while capacity is free": stuck_waiting,
        "INVARIANT report figures differing from the assignments": sum(
            1 for key in set(kept) | set(recount) if kept[key] != recount[key]
        ),
        "INVARIANT contacts in no state": Contact.objects.exclude(
            Q(status__in=["open", "waiting", "closed"])
        ).count(),
    }


def check_closes(closer: Closer) -> dict[str, int]:
    """Every close answered 200 with the contact closed, and every closed contact closed once."""
    from django.db.models import Count

    from distribution.models import Contact, ContactEvent

    closes_of = dict(
        ContactEvent.objects.filter(kind=ContactEvent.Kind.CLOSED)
        .values("contact")
        .annotate(n=Count("pk"))
        .values_list("contact", "n")
    )
    statuses = dict(Contact.objects.values_list("pk", "status"))
    answered = sum(n for (status, _body), n in closer.answers.items() if status)
    return {
        "closes over the API": sum(closer.answers.values()),
        "closes by a manager (service)": closer.by_manager,
        "hand-overs by a manager (service)": closer.hand_overs,
        "contacts closed": sum(1 for status in statuses.values() if status == Contact.Status.CLOSED),
        "close connection errors retried": closer.connection_errors,
        "INVARIANT close answers other than 200 closed": answered - closer.answers[(200, "closed")],
        "INVARIANT closes never answered": sum(
            n for (status, _body), n in closer.answers.items() if not status
        ),
        "INVARIANT closed contacts without exactly one closed event": sum(
            1 for pk, status in statuses.items() if status == Contact.Status.CLOSED and closes_of.get(pk) != 1
        ),
        "INVARIANT contacts not closed with a closed event": sum(
            1 for pk, status in statuses.items() if status != Contact.Status.CLOSED and pk in closes_of
        ),
    }


def expected_deliveries() -> Counter:
    """(contact id, webhook event) -> how many the history calls for (WEBHOOKS.md, Events): every
    bot subscribes to every event from the start."""
    from distribution.models import ContactEvent, Webhook

    Kind = ContactEvent.Kind
    history = list(ContactEvent.objects.values_list("contact_id", "kind", "reason"))
    assigned_on_arrival = {
        contact
        for contact, kind, reason in history
        if kind == Kind.ASSIGNED and reason == ContactEvent.Reason.INTAKE
    }
    expected = Counter()
    for contact, kind, _reason in history:
        if (kind == Kind.CREATED and contact not in assigned_on_arrival) or kind == Kind.HANDED_BACK:
            expected[(contact, Webhook.Event.WAITING)] += 1
        elif kind == Kind.ASSIGNED:
            expected[(contact, Webhook.Event.ASSIGNED)] += 1
        elif kind == Kind.CLOSED:
            expected[(contact, Webhook.Event.CLOSED)] += 1
    return expected


def check_webhooks(receiver: Receiver, worker: Worker, waited: float) -> dict[str, int]:
    """Every change produced its delivery, delivered once; the receiver saw every delivered event
    (twice only after a killed worker), signed, in order per contact, and nothing else."""
    from distribution.models import Webhook, WebhookDelivery

    Status, ASSIGNED = WebhookDelivery.Status, Webhook.Event.ASSIGNED
    deliveries = list(
        WebhookDelivery.objects.order_by("pk").values_list(
            "contact_id", "event", "event_id", "status", "attempts"
        )
    )
    expected = expected_deliveries()
    delivered = Counter(
        (contact, event) for contact, event, _id, status, _n in deliveries if status == Status.DELIVERED
    )
    keys = set(expected) | set(delivered)
    assigned = [key for key in keys if key[1] == ASSIGNED]
    delivered_ids = {
        str(event_id) for _c, _e, event_id, status, _n in deliveries if status == Status.DELIVERED
    }
    order_in_db = defaultdict(list)
    for contact, _event, event_id, status, _n in deliveries:
        if status == Status.DELIVERED:
            order_in_db[contact].append(str(event_id))
    order_received = defaultdict(list)
    for contact, event_id in receiver.arrivals:
        order_received[contact].append(event_id)
    duplicates = sum(1 for n in receiver.received.values() if n > 1)
    return {
        "webhook deliveries": len(deliveries),
        "webhook attempts": sum(n for *_rest, n in deliveries),
        "contacts ever assigned": len(
            {contact for contact, _event in assigned if expected[(contact, ASSIGNED)]}
        ),
        "assignments (assigned events)": sum(expected[key] for key in assigned),
        "contact.assigned delivered": sum(delivered[key] for key in assigned),
        "delivery workers killed": worker.kills,
        "seconds waited for the last deliveries": waited,
        "events received per second (first to last)": round(
            sum(receiver.received.values()) / max(receiver.last_at - receiver.first_at, 0.001), 1
        ),
        "events received twice or more (after a kill)": duplicates,
        "INVARIANT assignments without exactly one delivered contact.assigned": sum(
            1 for key in assigned if delivered[key] != expected[key]
        ),
        "INVARIANT waits and closes without exactly one delivered event": sum(
            1 for key in keys if key[1] != ASSIGNED and delivered[key] != expected[key]
        ),
        "INVARIANT deliveries pending after the wait": sum(
            1 for *_r, status, _n in deliveries if status == Status.PENDING
        ),
        "INVARIANT deliveries failed": sum(1 for *_r, status, _n in deliveries if status == Status.FAILED),
        "INVARIANT delivered events the receiver never saw": len(delivered_ids - set(receiver.received)),
        "INVARIANT events received that no delivery holds": len(
            set(receiver.received) - {str(event_id) for _c, _e, event_id, _s, _n in deliveries}
        ),
        "INVARIANT events received twice without a killed worker": 0 if worker.kills else duplicates,
        "INVARIANT requests the receiver refused (signature, body)": sum(receiver.refused.values()),
        "INVARIANT contacts whose events arrived out of order": sum(
            1 for contact, ids in order_in_db.items() if order_received[contact] != ids
        ),
    }


def sqlite_lock_drill(db: harness.Database, token: str) -> dict[str, int]:
    """Hold SQLite's write lock longer than a short busy timeout: the intake must answer 503 with
    Retry-After, never 500, and work again once the lock is gone."""
    with harness.Server(db, workers=2, env={"SQLITE_BUSY_TIMEOUT": "1"}) as server:
        holder = sqlite3.connect(db.url.removeprefix("sqlite:///"), timeout=5, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            during = [
                server.post_contact(
                    token, {"lead": {"external_id": f"locked-{n}"}, "external_id": f"locked-{n}"}
                )
                for n in range(4)
            ]
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        after = server.post_contact(token, {"lead": {"external_id": "unlocked"}, "external_id": "unlocked"})
    return {
        "lock drill: 503 with Retry-After while locked": sum(
            1 for s, h, _ in during if s == 503 and "Retry-After" in h
        ),
        "INVARIANT lock drill: other answers while locked": sum(
            1 for s, h, _ in during if not (s == 503 and "Retry-After" in h)
        ),
        "INVARIANT lock drill: no answer after unlock": int(after[0] not in (201, 202)),
    }


def postgres_down_drill(db: harness.Database, token: str) -> dict[str, int]:
    """Stop PostgreSQL under a running server: /healthz and the intake answer 503; start it again:
    the service recovers by itself, without a restart."""
    with harness.Server(db, workers=2) as server:
        db.postgres.stop()
        health_down = server.get("/healthz")[0]
        intake_down = server.post_contact(token, {"lead": {"external_id": "down"}, "external_id": "down"})[0]
        db.postgres.start()
        started = time.monotonic()
        harness.wait_until(lambda: server.get("/healthz")[0] == 200, timeout=60, what="recovery")
        recovered_in = time.monotonic() - started
        intake_up = server.post_contact(token, {"lead": {"external_id": "up"}, "external_id": "up"})[0]
    return {
        "db-down drill: seconds to recover": round(recovered_in, 1),
        "INVARIANT db-down drill: /healthz not 503 while down": int(health_down != 503),
        "INVARIANT db-down drill: intake not 503 while down": int(intake_down != 503),
        "INVARIANT db-down drill: intake not working after recovery": int(intake_up not in (201, 202)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--kill-worker",
        action="store_true",
        help="SIGKILL one gunicorn worker and the delivery worker half-way (the latter then restarted)",
    )
    parser.add_argument(
        "--kill-after-close",
        action="store_true",
        help="a gunicorn worker dies once after a close commits, before it drains the queue",
    )
    parser.add_argument("--no-drills", action="store_true", help="skip the lock / database-down drills")
    parser.add_argument("--max-seconds", type=float, default=900, help="bound on the load phase")
    parser.add_argument(
        "--delivery-seconds", type=float, default=180, help="bound on the wait for the last deliveries"
    )
    parser.add_argument(
        "--receiver-delay", type=float, default=0.02, help="seconds the receiver holds each request"
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    # The receiver is on 127.0.0.1: this process (which saves the webhooks) and the worker must allow it.
    os.environ["WEBHOOK_ALLOW_PRIVATE"] = "true"

    with harness.database(args.db) as db, Receiver(args.receiver_delay) as receiver:
        harness.use_database(db)
        bots = build_scene(rng, receiver)
        requests = plan(rng, bots, args.requests)
        fault = db.workdir / "killed-after-close"
        server = harness.Server(db, workers=args.workers)
        if args.kill_after_close:
            server = harness.Server(
                db, workers=args.workers, app="bench.faulty_wsgi", env={"FAULT_MARKER": str(fault)}
            )
        with server, Worker(db) as worker:
            load = Load(server, requests, args.concurrency, args.max_seconds)
            stop, killed = threading.Event(), []
            closer = Closer(server, dict(bots))
            closers = [
                threading.Thread(target=closer.run, args=(stop, random.Random(args.seed + n)))
                for n in range(2)
            ]
            for thread in closers:
                thread.start()
            killer = None
            if args.kill_worker:
                killer = threading.Thread(
                    target=kill_workers, args=(server, worker, receiver, load, args.requests // 2, killed)
                )
                killer.start()
            try:
                duration = load.run()
            finally:
                stop.set()
                for thread in closers:
                    thread.join(timeout=30)
                if killer:
                    killer.join(timeout=60)
            waited = wait_for_deliveries(args.delivery_seconds)
        report = check(load.results, duration, killed, load.connection_errors)
        if args.kill_after_close:
            report["gunicorn workers killed after a close, before its drain"] = int(fault.exists())
        report |= check_closes(closer)
        report |= check_webhooks(receiver, worker, waited)
        if not args.no_drills:
            token = bots[0][1]
            report |= sqlite_lock_drill(db, token) if args.db == "sqlite" else postgres_down_drill(db, token)

    print(
        f"\nmini-CRM load: {args.requests} requests, concurrency {args.concurrency}, {args.workers} gunicorn "
        f"workers, {args.db}{', a gunicorn worker and the delivery worker SIGKILLed' if args.kill_worker else ''}"
    )
    width = max(len(name) for name in report)
    for name, value in report.items():
        print(f"  {name.removeprefix('INVARIANT '):<{width}}  {value}")
    for why, count in receiver.refused.items():
        print(f"  receiver refused: {why}: {count}")
    broken = {name: value for name, value in report.items() if name.startswith("INVARIANT") and value}
    print("\nEvery invariant holds." if not broken else f"\nBROKEN: {broken}")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
