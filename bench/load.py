"""The reliability harness: the real server under load and faults, then every invariant checked
from the database.

    .venv/bin/python bench/load.py --requests 5000 --concurrency 64 --workers 4 --db postgres --kill-worker

It starts gunicorn on 127.0.0.1 over a database it creates (SQLite, or a PostgreSQL cluster it
starts), builds a scene of bots sharing small operators, and fires intake requests (new and
returning leads, exact retries of earlier requests, a few conflicting ones) while a thread closes
open contacts through the routing service. Optionally it SIGKILLs a gunicorn worker in the middle,
and then runs the fault drills: SQLite held locked beyond the busy timeout (503, never 500), and
PostgreSQL stopped and started again (503, then recovery by itself). It exits 1 if any invariant
is broken. Nothing it starts outlives it; --max-seconds bounds the load phase.
"""

import argparse
import random
import sqlite3
import sys
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

BOTS, OPERATORS = 6, 8


def build_scene(rng: random.Random) -> list[tuple[int, str]]:
    """Bots sharing small operators; returns (bot id, token) pairs."""
    from distribution import routing
    from distribution.models import Operator
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
            except OSError:  # a killed worker drops its connections: the bot sends it again
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


def close_while_loading(stop: threading.Event, closed: list[int], rng: random.Random) -> None:
    """Close open contacts through the service, as operators answer them, while the load runs."""
    from django.db import OperationalError, connection

    from distribution import routing
    from distribution.models import Contact

    try:
        while not stop.is_set():
            ids = list(Contact.objects.filter(status=Contact.Status.OPEN).values_list("pk", flat=True)[:50])
            if ids:
                try:
                    routing.close_contact(contact=Contact(pk=rng.choice(ids)))
                    closed.append(1)
                except OperationalError:
                    pass
            stop.wait(0.01)
    finally:
        connection.close()


def kill_a_worker(server: harness.Server, load: Load, at: int, killed: list[int]) -> None:
    harness.wait_until(lambda: load.done >= at, timeout=600, what="half the load")
    pid = random.choice(server.worker_pids())
    import os
    import signal

    os.kill(pid, signal.SIGKILL)
    killed.append(pid)


def check(
    results: list, duration: float, closes: int, killed: list, connection_errors: int
) -> dict[str, int]:
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
    recount = Counter()
    from django.utils import timezone

    for c in contacts:
        if c["operator_id"]:
            recount[(c["bot_id"], c["operator_id"], timezone.localdate(c["created_at"]))] += 1
    statuses = Counter(status for _token, _body, status, _data in results)
    return {
        "requests": len(results),
        **{f"status {status}": n for status, n in sorted(statuses.items())},
        "closes during the load": closes,
        "workers killed": len(killed),
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
        "INVARIANT report figures differing from the contacts": sum(
            1 for key in set(kept) | set(recount) if kept[key] != recount[key]
        ),
        "INVARIANT contacts in no state": Contact.objects.exclude(
            Q(status__in=["open", "waiting", "closed"])
        ).count(),
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
    parser.add_argument("--kill-worker", action="store_true", help="SIGKILL one gunicorn worker half-way")
    parser.add_argument("--no-drills", action="store_true", help="skip the lock / database-down drills")
    parser.add_argument("--max-seconds", type=float, default=900, help="bound on the load phase")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    with harness.database(args.db) as db:
        harness.use_database(db)
        bots = build_scene(rng)
        requests = plan(rng, bots, args.requests)
        with harness.Server(db, workers=args.workers) as server:
            load = Load(server, requests, args.concurrency, args.max_seconds)
            stop, closed, killed = threading.Event(), [], []
            closer = threading.Thread(
                target=close_while_loading, args=(stop, closed, random.Random(args.seed))
            )
            closer.start()
            killer = None
            if args.kill_worker:
                killer = threading.Thread(
                    target=kill_a_worker, args=(server, load, args.requests // 2, killed)
                )
                killer.start()
            try:
                duration = load.run()
            finally:
                stop.set()
                closer.join(timeout=30)
                if killer:
                    killer.join(timeout=30)
        report = check(load.results, duration, len(closed), killed, load.connection_errors)
        if not args.no_drills:
            token = bots[0][1]
            report |= sqlite_lock_drill(db, token) if args.db == "sqlite" else postgres_down_drill(db, token)

    print(
        f"\nmini-CRM load: {args.requests} requests, concurrency {args.concurrency}, {args.workers} gunicorn "
        f"workers, {args.db}{', one worker SIGKILLed' if args.kill_worker else ''}"
    )
    width = max(len(name) for name in report)
    for name, value in report.items():
        print(f"  {name.removeprefix('INVARIANT '):<{width}}  {value}")
    broken = {name: value for name, value in report.items() if name.startswith("INVARIANT") and value}
    print("\nEvery invariant holds." if not broken else f"\nBROKEN: {broken}")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
