"""The performance benchmark: requests per second and latency of the intake and the dashboard,
as ratios to /healthz (what Django and gunicorn give on this machine), at 10,000, 100,000 and
1,000,000 contacts, on SQLite and PostgreSQL, with 2 and 4 gunicorn workers.

    .venv/bin/python bench/perf.py                      # everything (about 25 minutes here)
    .venv/bin/python bench/perf.py --dbs sqlite --sizes 10000 --duration 3   # a quick look
    .venv/bin/python bench/perf.py --sizes 10000 --workers 2 --threads 4 --endpoints healthz,intake-new
    .venv/bin/python bench/perf.py --proxy ...   # wrk at the shipped nginx in front, as compose runs it

wrk (Debian's package, installed if missing) drives the server on 127.0.0.1. For each database
and size it prints, per endpoint: requests/s, the ratio to /healthz, the gunicorn workers' CPU time
per request answered (their utime + stime from /proc/<pid>/stat, read before and after the wrk
run) and on PostgreSQL the database server's, read the same way, the SQL statements one request
makes, p50 / p95 / p99 latency and the server's own time (Server-Timing) of one request at a
time; then each gunicorn worker's peak memory, the goals of
issues 5, 12, 19 and 22 with their verdicts, the summary table of docs/performance.md (the fewest
workers, every database and size as a column), and what the report's response times cost the
worker.
"""

import argparse
import contextlib
import datetime
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

BOTS, OPERATORS, CAPACITY = 30, 50, 20
ANSWER_WITHIN = datetime.timedelta(minutes=5)
INTAKE_CAPACITY = 1_000_000  # during the intake's runs: see room_to_assign
WARM_UP_SECONDS = 2
ENDPOINTS = ["healthz", "intake-new", "intake-returning", "overview", "operators", "contacts", "report"]
WRK_SCRIPT = """
local counter = 0
local thread_id = 0
local threads = {}
function setup(thread)
  thread_id = thread_id + 1
  thread:set("id", thread_id)
  table.insert(threads, thread)
end
function init(args)
  mode, token, pool = args[1], args[2], tonumber(args[3])
  math.randomseed(id * 7919)
end
function request()
  if mode == "page" then
    return wrk.format("GET", nil, {Cookie = token})
  elseif mode == "get" then
    return wrk.format("GET")
  end
  counter = counter + 1
  local lead
  if mode == "new" then
    lead = string.format('{"external_id": "new-%d-%d-%d", "email": "new%d.%d.%d@example.com"}', id, counter, os.time(), id, counter, os.time())
  else
    lead = string.format('{"external_id": "lead-%d"}', math.random(0, pool - 1))
  end
  local body = string.format('{"lead": %s, "message": "Hello, I want to order"}', lead)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", Authorization = "Bearer " .. token}, body)
end
function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout + summary.errors.status
  io.write(string.format('RESULT {"requests": %d, "seconds": %f, "p50": %f, "p95": %f, "p99": %f, "errors": %d, "non2xx": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, errors, summary.errors.status))
end
"""


def ensure_wrk() -> str:
    if not shutil.which("wrk"):
        if os.geteuid() != 0:
            raise SystemExit("wrk is needed: apt-get install wrk")
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL)
    return shutil.which("wrk")


def build_scene(rng: random.Random) -> tuple[str, str]:
    """30 bots, 50 operators (each bot with 5 to 10 of them); returns a bot token and the
    manager's session cookie."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore

    from distribution.models import BotOperator, Operator
    from distribution.permissions import MANAGERS
    from distribution.tokens import create_bot

    operators = Operator.objects.bulk_create(
        Operator(name=f"Operator {n:02d}", max_open_contacts=CAPACITY) for n in range(OPERATORS)
    )
    token = ""
    for n in range(BOTS):
        bot, bot_token = create_bot(name=f"Bot {n:02d}")
        token = token or bot_token
        if n % 3:  # two bots in three give their operators 5 minutes to take a contact (rule 9)
            bot.answer_within = ANSWER_WITHIN
            bot.save(update_fields=["answer_within"])
        BotOperator.objects.bulk_create(
            BotOperator(bot=bot, operator=operator, weight=rng.choice([10, 20, 30]))
            for operator in rng.sample(operators, rng.randint(5, 10))
        )
    manager = get_user_model().objects.create_user("manager", password="bench-only", is_staff=True)
    manager.groups.add(Group.objects.get(name=MANAGERS))
    session = SessionStore()
    session["_auth_user_id"] = str(manager.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = manager.get_session_auth_hash()
    session.create()
    return token, f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def fill(up_to: int, rng: random.Random) -> float:
    """Add contacts until there are `up_to`: leads writing through several bots (one lead per five
    contacts), spread over the last 90 days, nearly all closed, each with its history (see life()),
    the newest open up to 60 % of each operator's capacity, a few waiting. Bulk inserts, in chunks,
    bypassing the service; then the report's figures are summed again, as after any bulk load.
    Return the seconds that the response times' sum took (0 when nothing was added)."""
    from django.db import connection
    from django.utils import timezone

    from distribution import response_times, routing
    from distribution.models import Bot, BotOperator, Contact, ContactEvent, Lead

    have = Contact.objects.count()
    if have >= up_to:
        return 0.0
    leads_needed = up_to // 5 - Lead.objects.count()
    for start in range(0, leads_needed, 20_000):
        first = Lead.objects.count()
        Lead.objects.bulk_create(
            Lead(
                name=f"Lead {n}", external_id=f"lead-{n}", email=f"lead{n}@example.com", phone=f"+7999{n:07d}"
            )
            for n in range(first, first + min(20_000, leads_needed - start))
        )
    lead_ids = list(Lead.objects.values_list("pk", flat=True))
    within = dict(Bot.objects.values_list("pk", "answer_within"))
    bots = list(within)
    team = {bot: [] for bot in bots}
    for bot_id, operator_id in BotOperator.objects.values_list("bot_id", "operator_id"):
        team[bot_id].append(operator_id)
    # Spread over the last 90 days, before the last hour (where the open and waiting ones are).
    now = timezone.now()
    count = up_to - have
    for chunk_start in range(0, count, 20_000):
        contacts, histories = [], []
        for _ in range(chunk_start, min(count, chunk_start + 20_000)):
            bot = rng.choice(bots)
            created = (
                now - datetime.timedelta(hours=1) - datetime.timedelta(seconds=rng.uniform(0, 90 * 86400))
            )
            history = life(rng, created=created, team=team[bot], within=within[bot], now=now)
            last_assigned = [event for event in history if event[0] == ContactEvent.Kind.ASSIGNED][-1]
            taken = [event[1] for event in history if event[0] == ContactEvent.Kind.ACCEPTED]
            contacts.append(
                Contact(
                    lead_id=rng.choice(lead_ids),
                    bot_id=bot,
                    operator_id=last_assigned[3],
                    status=Contact.Status.CLOSED,
                    message="Hello, I want to order",
                    created_at=created,
                    assigned_at=last_assigned[1],
                    accepted_at=taken[0] if taken else None,
                    answer_by=last_assigned[1] + within[bot] if within[bot] else None,
                    closed_at=history[-1][1],
                )
            )
            histories.append(history)
        Contact.objects.bulk_create(contacts)
        ContactEvent.objects.bulk_create(
            (
                ContactEvent(contact_id=contact.pk, kind=kind, at=at, reason=reason, operator_id=operator_id)
                for contact, history in zip(contacts, histories, strict=True)
                for kind, at, reason, operator_id in history
            ),
            batch_size=5000,
        )
    if have == 0:  # the newest contacts: some open, a few waiting
        for _ in range(OPERATORS * CAPACITY * 6 // 10 + 40):
            routing.register_contact(
                bot=Bot(pk=rng.choice(bots)),
                identity=routing.LeadIdentity(external_id=f"lead-{rng.choice(range(len(lead_ids)))}"),
            )
    routing.rebuild_daily_counts()  # the bulk load went around the service
    started = time.monotonic()
    response_times.rebuild(until=timezone.now())  # nothing is being written
    summed = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return summed


def life(
    rng: random.Random, *, created: datetime.datetime, team: list[int], within, now: datetime.datetime
) -> list[tuple]:
    """A closed contact's events as (kind, at, reason, operator id): nine in ten assigned on arrival
    (one in ten of those back to the lead's operator), the others after a wait in the queue; 93 %
    taken, in 50 s at the median; past the bot's deadline, seven in ten missed and passed on, the
    others taken late; closed by its operator, its bot or the idle sweep, 15 minutes after the take
    at the median."""
    from distribution.models import ContactEvent

    Kind, Reason = ContactEvent.Kind, ContactEvent.Reason

    def seconds(median: float, spread: float) -> datetime.timedelta:
        return datetime.timedelta(seconds=rng.lognormvariate(math.log(median), spread))

    operator = rng.choice(team)
    history = [(Kind.CREATED, created, "", None)]
    if rng.random() < 0.1:
        assigned, reason = created + seconds(300, 1), Reason.QUEUE
    else:
        assigned, reason = created, Reason.RETURNED if rng.random() < 0.1 else Reason.INTAKE
    history.append((Kind.ASSIGNED, assigned, reason, operator))
    if rng.random() < 0.93:
        take = seconds(50, 1)
        if within and take > within:
            history.append((Kind.MISSED, assigned + within, "", operator))
            if len(team) > 1 and rng.random() < 0.7:
                operator = rng.choice([other for other in team if other != operator])
                assigned, take = assigned + within, seconds(40, 0.8)
                history.append((Kind.ASSIGNED, assigned, Reason.PASSED_ON, operator))
        history.append((Kind.ACCEPTED, assigned + take, rng.choice([Reason.OPERATOR, Reason.BOT]), operator))
        closed = assigned + take + seconds(900, 1.2)
    else:
        closed = assigned + seconds(900, 1.2)
        if within and closed > assigned + within:
            history.append((Kind.MISSED, assigned + within, "", operator))  # overdue until closed
    reason = rng.choices([Reason.OPERATOR, Reason.BOT, Reason.AUTO], weights=[7, 2, 1])[0]
    history.append((Kind.CLOSED, max(min(closed, now), history[-1][1]), reason, operator))
    return history


@contextlib.contextmanager
def room_to_assign():
    """The intake measured as it assigns, not as it queues: the scene's 50 operators take 1,000
    open contacts, which one run of the intake fills in seconds, after which every request would
    take the shorter path of rule 5. For an intake's run every capacity is raised; afterwards the
    contacts it opened are closed and the capacities set back, so each run and each page starts
    from the same loads. Bulk updates, around the service, between runs."""
    from django.db import connection
    from django.utils import timezone

    from distribution.models import Contact, Operator

    open_before = set(Contact.objects.filter(status=Contact.Status.OPEN).values_list("pk", flat=True))
    Operator.objects.update(max_open_contacts=INTAKE_CAPACITY)
    try:
        yield
    finally:
        opened = Contact.objects.filter(status=Contact.Status.OPEN).exclude(pk__in=open_before)
        opened.update(status=Contact.Status.CLOSED, closed_at=timezone.now())
        Operator.objects.update(max_open_contacts=CAPACITY)
        if connection.vendor == "postgresql":
            # The closed contacts' entries stay in the (operator, status) index until a vacuum, and
            # every load count of the next run steps over them: autovacuum waits for 20 % of the
            # table to change, which one run never reaches beyond about 10k contacts.
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM {Contact._meta.db_table}")


def query_counts(session_cookie: str, token: str) -> dict[str, int]:
    """SQL queries of one request to each endpoint, counted in this process with Django's client."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies.load(session_cookie)
    counts = {}
    fresh = f"count-me-{time.time_ns()}"
    body = {"lead": {"external_id": fresh, "email": f"{fresh}@example.com"}, "message": "Hi"}
    returning = {"lead": {"external_id": "lead-1"}, "message": "Hi"}
    for name in ENDPOINTS:
        with CaptureQueriesContext(connection) as captured:
            if name.startswith("intake"):
                client.post(
                    "/api/contacts",
                    json.dumps(body if name == "intake-new" else returning),
                    content_type="application/json",
                    HTTP_AUTHORIZATION=f"Bearer {token}",
                )
            else:
                client.get(PATHS[name])
        counts[name] = len(captured)
    return counts


PATHS = {
    "healthz": "/healthz",
    "overview": "/",
    "operators": "/operators/",
    "contacts": "/contacts/",
    "report": "/report/?period=30d",
    "intake-new": "/api/contacts",
    "intake-returning": "/api/contacts",
}


@contextlib.contextmanager
def behind_nginx(server: harness.Server):
    """Yield the port of the shipped nginx in front of `server`, as bench/slowclients.py runs it."""
    import slowclients

    # Without its access log: writing it would cost as much CPU as the requests measured.
    with slowclients.nginx(f"127.0.0.1:{server.port}", access_log=False) as (port, _workdir):
        yield port


def wrk(
    server: harness.Server,
    name: str,
    token: str,
    cookie: str,
    pool: int,
    duration: float,
    connections: int,
    port: int | None = None,
) -> dict:
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(WRK_SCRIPT)
    mode, secret = {
        "intake-new": ("new", token),
        "intake-returning": ("returning", token),
        "healthz": ("get", ""),
    }.get(name, ("page", cookie))
    command = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        f"http://127.0.0.1:{port or server.port}{PATHS[name]}",
        "--",
        mode,
        secret or "-",
        str(pool),
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    script.unlink()
    line = next((line for line in run.stdout.splitlines() if line.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {run.stdout[-500:]} {run.stderr[-500:]}")
    result = json.loads(line.removeprefix("RESULT "))
    result["rps"] = result["requests"] / result["seconds"]
    return result


def server_time(server: harness.Server, name: str, token: str, cookie: str, samples: int = 15) -> float:
    """Median Server-Timing of requests sent one at a time."""
    times = []
    for n in range(samples):
        if name.startswith("intake"):
            body = json.dumps(
                {
                    "lead": {
                        "external_id": f"timing-{time.time_ns()}-{n}" if name == "intake-new" else "lead-1"
                    }
                }
            )
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            status, response_headers, _ = server.request("POST", "/api/contacts", body.encode(), headers)
            if status not in (201, 202):
                raise RuntimeError(f"the intake answered {status}")
        else:
            status, response_headers, _ = server.request("GET", PATHS[name], headers={"Cookie": cookie})
            if status != 200:
                raise RuntimeError(f"{PATHS[name]} answered {status}, not 200")
        times.append(float(response_headers["Server-Timing"].split("dur=")[1]))
    return statistics.median(times)


def round_trip_floor() -> dict[str, float]:
    """What the database alone costs this process: one SELECT 1 (what /healthz does) against a
    transaction of ten statements (what the intake needs at the least), each timed in a loop."""
    from django.db import connection, transaction

    def timed(function, repeat: int = 500) -> float:
        started = time.perf_counter()
        for _ in range(repeat):
            function()
        return (time.perf_counter() - started) / repeat * 1000

    def one():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")

    def ten_in_a_transaction():
        with transaction.atomic(), connection.cursor() as cursor:
            for _ in range(9):
                cursor.execute("SELECT 1")

    return {"select_ms": timed(one), "transaction_of_ten_ms": timed(ten_in_a_transaction)}


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU time of each process so far, from /proc/<pid>/stat."""
    ticks = os.sysconf("SC_CLK_TCK")
    spent = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it has just exited
        # Fields 14 and 15 of proc(5), counted from the state, which is field 3.
        spent[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return spent


def cpu_ms_per_request(before: dict[int, float], after: dict[int, float], requests: int) -> float:
    """The workers' CPU time between two readings, per request answered; a worker that started
    in between counts from zero, one that died in between is lost (wrk reports its errors)."""
    spent = sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())
    return spent / max(requests, 1) * 1000


def peak_memory_mib(pids: list[int]) -> list[float]:
    peaks = []
    for pid in pids:
        status = Path(f"/proc/{pid}/status").read_text()
        kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
        peaks.append(round(kib / 1024, 1))
    return peaks


def run_one_database(args) -> list[dict]:
    rng = random.Random(7)
    rows = []
    with harness.database(args.db) as db:
        harness.use_database(db)
        from django.core.management import call_command

        # The pages that query_counts renders here name their static files from the manifest.
        call_command("collectstatic", "--noinput", verbosity=0)
        token, cookie = build_scene(rng)
        floor = round_trip_floor()
        print(f"FLOOR {json.dumps({'db': args.db, **floor})}", file=sys.stderr)
        for size in args.sizes:
            started = time.monotonic()
            summed = fill(size, rng)
            print(
                f"[{args.db}] {size:,} contacts loaded in {time.monotonic() - started:.0f} s", file=sys.stderr
            )
            fold = {"db": args.db, "size": size, "rebuild_s": summed, "sweep_ms": fold_as_the_worker_does()}
            print(f"FOLD {json.dumps(fold)}", file=sys.stderr)
            pool = size // 5
            queries = query_counts(cookie, token)
            for workers in args.workers:
                with (
                    harness.Server(db, workers=workers) as server,
                    behind_nginx(server) if args.proxy else contextlib.nullcontext() as port,
                ):
                    # Each gunicorn thread opens its connection on its first request: untimed, or
                    # the first endpoint measured (/healthz, the ceiling) would pay for all of them.
                    wrk(server, "healthz", token, cookie, pool, WARM_UP_SECONDS, args.connections, port)
                    for name in [name for name in ENDPOINTS if name in args.endpoints.split(",")]:
                        if name == "report":
                            fold_as_the_worker_does()  # the intake's runs wrote events since
                        with room_to_assign() if name in INTAKES else contextlib.nullcontext():
                            before = cpu_seconds(server.worker_pids())
                            server_before = cpu_seconds(db.postgres.pids()) if db.postgres else {}
                            result = wrk(
                                server, name, token, cookie, pool, args.duration, args.connections, port
                            )
                            after = cpu_seconds(server.worker_pids())
                            server_after = cpu_seconds(db.postgres.pids()) if db.postgres else {}
                            server_ms = server_time(server, name, token, cookie)
                        result.update(
                            db=args.db,
                            size=size,
                            workers=workers,
                            endpoint=name,
                            cpu_ms=cpu_ms_per_request(before, after, result["requests"]),
                            db_cpu_ms=cpu_ms_per_request(server_before, server_after, result["requests"]),
                            queries=queries[name],
                            server_ms=server_ms,
                        )
                        rows.append(result)
                        print(
                            f"[{args.db}] {size:,} {workers}w {name}: {result['rps']:.0f} rps, "
                            f"{result['cpu_ms']:.2f} ms CPU a request",
                            file=sys.stderr,
                        )
                    memory = peak_memory_mib(server.worker_pids())
                    for row in rows:
                        if (row["size"], row["workers"]) == (size, workers):
                            row["worker_peak_mib"] = max(memory)
    return rows


def fold_as_the_worker_does() -> float:
    """Fold the events into the report's response times, as the worker's sweep does every minute
    (up to now: nothing is being written); return the milliseconds it took: a sweep's cost."""
    from django.utils import timezone

    from distribution import response_times

    started = time.monotonic()
    response_times.fold(until=timezone.now())
    return (time.monotonic() - started) * 1000


INTAKES = ("intake-new", "intake-returning")
PAGES = ("overview", "operators", "contacts", "report")
# Issue 12's goals: the intake's CPU per request, its rate against /healthz, and its p50 at the
# largest size against the smallest.
# Issue 22's per database; PostgreSQL's CPU counts the database server's too.
INTAKE_CPU_MS = {"sqlite": 2.0, "postgres": 3.0}
INTAKE_RATIO = {"sqlite": 0.5, "postgres": 0.4}
P50_GROWTH = 1.1
# Issue 5's: the dashboard's heaviest pages, in server time at the largest size.
PAGE_SERVER_MS = 150
# Issue 19's: the report, since it shows the response times too.
REPORT_SERVER_MS = 300


def verdict(met: bool) -> str:
    return "ok" if met else "MISSED"


def goals(rows: list[dict], ceiling: dict) -> list[tuple[str, bool]]:
    """Each goal, said with its figure, and whether it is met."""
    said = []
    for db, workers in sorted({(r["db"], r["workers"]) for r in rows}):
        mine = [r for r in rows if (r["db"], r["workers"]) == (db, workers)]
        sizes = sorted({r["size"] for r in mine})
        for name in INTAKES:
            of_it = [r for r in mine if r["endpoint"] == name]
            if not of_it:  # not measured (--endpoints)
                continue
            worst = min(r["rps"] / ceiling[(db, r["size"], workers)] for r in of_it)
            ratio = INTAKE_RATIO[db]
            said.append((f"{db} {workers}w {name} ≥ {ratio} × healthz: {worst:.2f}", worst >= ratio))
            cpu = max(r["cpu_ms"] + r["db_cpu_ms"] for r in of_it)
            counted = " with the database server's" if db == "postgres" else ""
            said.append(
                (
                    f"{db} {workers}w {name} CPU{counted} ≤ {INTAKE_CPU_MS[db]} ms a request: {cpu:.2f} ms",
                    cpu <= INTAKE_CPU_MS[db],
                )
            )
            if len(sizes) > 1:
                small = next(r for r in of_it if r["size"] == sizes[0])
                large = next(r for r in of_it if r["size"] == sizes[-1])
                growth = large["p50"] / small["p50"]
                said.append(
                    (
                        f"{db} {workers}w {name} p50 at {sizes[-1]:,} / at {sizes[0]:,} ≤ {P50_GROWTH}: {growth:.2f} "
                        f"(server time {large['server_ms'] / small['server_ms']:.2f})",
                        growth <= P50_GROWTH,
                    )
                )
        for name, limit in (("overview", PAGE_SERVER_MS), ("report", REPORT_SERVER_MS)):
            large = next((r for r in mine if r["endpoint"] == name and r["size"] == sizes[-1]), None)
            if large is None:
                continue
            said.append(
                (
                    f"{db} {workers}w {name} server time at {sizes[-1]:,} < {limit} ms: {large['server_ms']:.1f} ms",
                    large["server_ms"] < limit,
                )
            )
    return said


def report(rows: list[dict]) -> None:
    ceiling = {(r["db"], r["size"], r["workers"]): r["rps"] for r in rows if r["endpoint"] == "healthz"}
    print(
        "\n| db | contacts | workers | endpoint | req/s | × healthz | CPU ms/req | db CPU ms/req | SQL/req "
        "| p50 ms | p95 ms | p99 ms | server ms | errors |"
    )
    print("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        ratio = r["rps"] / ceiling[(r["db"], r["size"], r["workers"])]
        print(
            f"| {r['db']} | {r['size']:,} | {r['workers']} | {r['endpoint']} | {r['rps']:.0f} | {ratio:.2f} | "
            f"{r['cpu_ms']:.2f} | {r['db_cpu_ms']:.2f} | {r['queries']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | "
            f"{r['server_ms']:.1f} | {r['errors']} |"
        )
    print("\nWorker peak memory (MiB, the largest worker):")
    for (db, size, workers), _ in sorted(ceiling.items()):
        peak = next(
            r["worker_peak_mib"] for r in rows if (r["db"], r["size"], r["workers"]) == (db, size, workers)
        )
        print(f"  {db} {size:,} contacts, {workers} workers: {peak}")
    said = goals(rows, ceiling)
    print(f"\nGoals ({sum(met for _, met in said)} of {len(said)} met):")
    for text, met in said:
        print(f"  {text} {verdict(met)}")
    if {r["endpoint"] for r in rows} != set(ENDPOINTS):
        return  # the summary needs every endpoint
    workers = min(r["workers"] for r in rows)
    print(f"\nFor docs/performance.md ({workers} gunicorn workers):\n")
    print(readme_table([r for r in rows if r["workers"] == workers], ceiling))


DB_NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def short_size(size: int) -> str:
    return f"{size // 1_000_000}M" if size % 1_000_000 == 0 else f"{size // 1000}k"


def readme_table(rows: list[dict], ceiling: dict) -> str:
    """The summary table: a column for each database and size, a line for each figure."""
    columns = sorted({(r["db"], r["size"]) for r in rows}, key=lambda c: (c[0] != "sqlite", c[0], c[1]))
    cell = {(r["db"], r["size"], r["endpoint"]): r for r in rows}

    def line(title: str, show) -> str:
        return f"| {title} | " + " | ".join(show(lambda name, c=c: cell[(*c, name)]) for c in columns) + " |"

    def rate(name):
        return lambda get: f"{get(name)['rps']:,.0f} ({get(name)['rps'] / get('healthz')['rps']:.2f})"

    def latency(name):
        return lambda get: f"{get(name)['p50']:.0f} / {get(name)['p95']:.0f} / {get(name)['p99']:.0f}"

    def span(values) -> str:
        low, high = min(values), max(values)
        return f"{low}" if low == high else f"{low}–{high}"

    lines = [
        "| | " + " | ".join(f"{DB_NAMES.get(db, db)} {short_size(size)}" for db, size in columns) + " |",
        "|---|" + "---:|" * len(columns),
        line(
            "`/healthz` req/s, CPU ms a request",
            lambda get: f"{get('healthz')['rps']:,.0f}, {get('healthz')['cpu_ms']:.2f}",
        ),
        line("intake, new leads: req/s (× healthz)", rate("intake-new")),
        line("intake, new leads: p50 / p95 / p99 ms", latency("intake-new")),
        line("intake, returning leads: req/s (× healthz)", rate("intake-returning")),
        line("intake, returning leads: p50 / p95 / p99 ms", latency("intake-returning")),
        line(
            "intake CPU ms a request: new / returning",
            lambda get: f"{get('intake-new')['cpu_ms']:.2f} / {get('intake-returning')['cpu_ms']:.2f}",
        ),
        line(
            "the database server's CPU ms an intake: new / returning",
            lambda get: (
                f"{get('intake-new')['db_cpu_ms']:.2f} / {get('intake-returning')['db_cpu_ms']:.2f}"
                if get("intake-new")["db"] == "postgres"
                else "(in the workers')"
            ),
        ),
        line(
            "intake server time ms: new / returning",
            lambda get: f"{get('intake-new')['server_ms']:.1f} / {get('intake-returning')['server_ms']:.1f}",
        ),
        line(
            "SQL statements: intake new / returning / pages",
            lambda get: (
                f"{get('intake-new')['queries']} / {get('intake-returning')['queries']} / "
                + span([get(name)["queries"] for name in PAGES])
            ),
        ),
        *(
            line(
                f"{'report (30 days)' if name == 'report' else name}: req/s, server ms",
                lambda get, name=name: f"{get(name)['rps']:,.0f}, {get(name)['server_ms']:.1f}",
            )
            for name in PAGES
        ),
        line("peak memory of a worker, MiB", lambda get: f"{get('healthz')['worker_peak_mib']:.0f}"),
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dbs", default="sqlite,postgres")
    parser.add_argument("--db", help=argparse.SUPPRESS)  # one database, in a child process
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--workers", default="2,4")
    parser.add_argument("--duration", type=float, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, help="gunicorn threads a worker (else gunicorn.conf.py's)")
    parser.add_argument("--endpoints", default=",".join(ENDPOINTS), help="healthz and which of the others")
    parser.add_argument("--proxy", action="store_true", help="drive the shipped nginx in front of gunicorn")
    args = parser.parse_args()
    if args.threads:
        os.environ["GUNICORN_THREADS"] = str(args.threads)  # read by gunicorn.conf.py
    args.sizes = [int(size) for size in args.sizes.split(",")]
    args.workers = [int(workers) for workers in args.workers.split(",")]
    if args.db:
        print("ROWS " + json.dumps(run_one_database(args), default=str))
        return 0
    ensure_wrk()
    rows, floors, folds = [], [], []
    for db in args.dbs.split(","):
        # Each database in its own process: Django is set up once per process, for one database.
        child = subprocess.run(
            [
                sys.executable,
                __file__,
                "--db",
                db,
                "--sizes",
                ",".join(map(str, args.sizes)),
                "--workers",
                ",".join(map(str, args.workers)),
                "--duration",
                str(args.duration),
                "--connections",
                str(args.connections),
                "--endpoints",
                args.endpoints,
                *(["--proxy"] if args.proxy else []),
            ],
            capture_output=True,
            text=True,
            timeout=7200,
        )
        sys.stderr.write(child.stderr[-4000:])
        floors += [json.loads(line[6:]) for line in child.stderr.splitlines() if line.startswith("FLOOR ")]
        folds += [json.loads(line[5:]) for line in child.stderr.splitlines() if line.startswith("FOLD ")]
        rows += json.loads(next(line for line in child.stdout.splitlines() if line.startswith("ROWS "))[5:])
    print(
        f"\nmini-CRM performance: {os.cpu_count()} cores, wrk -t2 -c{args.connections} -d{args.duration}s per endpoint"
    )
    report(rows)
    print("\nThe database's own time, in one process: one SELECT 1 (what /healthz asks) and a transaction")
    print("of ten statements (about what an assignment asks), to set beside the CPU a request above:")
    for floor in floors:
        print(f"  {floor['db']}: {floor['select_ms']:.3f} ms and {floor['transaction_of_ten_ms']:.3f} ms")
    print("\nThe response times' fold: summing every event again after the bulk load, and a sweep's")
    print("fold (today summed again), in one process:")
    for fold in folds:
        print(f"  {fold['db']} {fold['size']:,}: {fold['rebuild_s']:.1f} s and {fold['sweep_ms']:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
