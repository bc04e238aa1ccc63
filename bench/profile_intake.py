"""Where an intake request spends its CPU: the WSGI application called in this process (no
server, no socket), on a fresh database seeded as bench/perf.py seeds it, with cProfile.

    .venv/bin/python bench/profile_intake.py --db sqlite
    .venv/bin/python bench/profile_intake.py --db postgres --modes new --top 40

It prints the CPU per request of /healthz (the floor: the same middleware, no work) and of the
intake with returning and with new leads (time.process_time over --requests requests, without a
profiler; on PostgreSQL the server's own CPU is not in it); with --top, each one's profile, by own
and by cumulative time.
"""

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import random
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
import perf


def requests(token: str, mode: str, count: int):
    """WSGI environs of intake POSTs, as bench/perf.py's wrk script sends them."""
    rng = random.Random(7)
    stamp = time.time_ns()
    for n in range(count):
        if mode == "healthz":  # the floor: the same middleware and handler, no work
            yield _environ("GET", "/healthz", b"", token)
            continue
        if mode == "new":
            lead = {"external_id": f"new-{stamp}-{n}", "email": f"new{stamp}.{n}@example.com"}
        else:
            lead = {"external_id": f"lead-{rng.randrange(2000)}"}
        body = json.dumps({"lead": lead, "message": "Hello, I want to order"}).encode()
        yield _environ("POST", "/api/contacts", body, token)


def _environ(method: str, path: str, body: bytes, token: str) -> dict:
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": "127.0.0.1",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


def run(application, environs) -> None:
    statuses = {}

    def start_response(status, headers, exc_info=None):
        statuses[status] = statuses.get(status, 0) + 1

    for environ in environs:
        response = application(environ, start_response)
        b"".join(response)
        response.close()
    assert all(status[:3] in {"200", "201", "202"} for status in statuses), statuses


def in_threads(count: int, function, application, environs) -> None:
    """function(application, environs) in `count` threads sharing the environs, as a gunicorn
    worker's threads share its connections."""
    lock = threading.Lock()

    def shared():
        while True:
            with lock:
                environ = next(environs, None)
            if environ is None:
                return
            yield environ

    threads = [threading.Thread(target=function, args=(application, shared())) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def backend_cpu() -> float:
    """The CPU seconds so far of this thread's PostgreSQL backend (0 on SQLite)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    fields = (
        Path(f"/proc/{connection.connection.info.backend_pid}/stat").read_text().rsplit(")", 1)[1].split()
    )
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def print_statements(requests: int) -> None:
    """pg_stat_statements' planning and execution per intake, top-level and nested statements."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT calls, total_plan_time, total_exec_time, toplevel, left(regexp_replace(query, '\\s+', ' ', 'g'), 90)"
            " FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'"
            " ORDER BY total_plan_time + total_exec_time DESC LIMIT 20"
        )
        for calls, plan, execute, toplevel, query in cursor.fetchall():
            print(
                f"  {calls / requests:5.2f} a request, plan {plan * 1000 / requests:6.0f} µs,"
                f" execute {execute * 1000 / requests:6.0f} µs {'' if toplevel else '(nested) '}{query}"
            )


def measure(application, token: str, mode: str, args) -> None:
    from django.db import connection

    run(application, requests(token, mode, 200))  # warm: connection, caches, imports
    statements = 0

    def count(execute, sql, params, many, context):
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    if args.statements:
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            cursor.execute("SELECT pg_stat_statements_reset()")
    server = backend_cpu()
    started = time.process_time()
    with connection.execute_wrapper(count):
        if args.threads == 1:  # in this thread, whose connection the server's CPU and count are of
            run(application, requests(token, mode, args.requests))
        else:
            in_threads(args.threads, run, application, requests(token, mode, args.requests))
    cpu_ms = (time.process_time() - started) * 1000 / args.requests
    server_ms = (backend_cpu() - server) * 1000 / args.requests
    print(
        f"{args.db}, {mode}, {args.contacts} contacts: {cpu_ms:.2f} ms CPU a request,"
        f" server {server_ms:.2f} ms, {statements / args.requests:.2f} statements",
        flush=True,
    )
    if args.statements:
        print_statements(args.requests)
    if args.top:
        profiler = cProfile.Profile()
        profiler.runcall(run, application, requests(token, mode, args.requests))
        stats = pstats.Stats(profiler).strip_dirs()
        if args.dump:
            stats.dump_stats(f"{args.dump}.{mode}")
        stats.sort_stats("tottime").print_stats(args.top)
        stats.sort_stats("cumulative").print_stats(args.top)
        if args.callees:
            stats.print_callees(args.callees)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--modes", default="healthz,returning,new", help="comma-separated: healthz, returning, new"
    )
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=1, help="threads sending at once (not profiled)")
    parser.add_argument("--callees", help="with --top: also what the functions matching this call")
    parser.add_argument("--dump", help="with --top: also write each profile to DUMP.<mode>")
    parser.add_argument(
        "--statements",
        action="store_true",
        help="PostgreSQL: print pg_stat_statements (set BENCH_POSTGRES_OPTIONS='-c shared_preload_libraries="
        "pg_stat_statements -c pg_stat_statements.track=all -c pg_stat_statements.track_planning=on')",
    )
    parser.add_argument("--top", type=int, default=0, help="print a profile's top functions")
    args = parser.parse_args()

    with harness.database(args.db) as db:
        harness.use_database(db)
        rng = random.Random(1)
        token, _ = perf.build_scene(rng)
        perf.fill(args.contacts, rng)
        from minicrm.wsgi import application  # as gunicorn serves it: /api's own middleware

        for mode in args.modes.split(","):
            # As bench/perf.py measures it: assigning, not queueing (see perf.room_to_assign).
            with perf.room_to_assign() if mode != "healthz" else contextlib.nullcontext():
                measure(application, token, mode, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
