"""Where the dashboard pages spend their CPU, in one process: the scene bench/perf.py seeds (30 bots,
50 operators, 10,000 contacts by default) in a throw-away database, each page requested through
Django's test client as the benchmark's manager, with DEBUG off (cached templates, as in production).

    .venv/bin/python bench/profile_pages.py                       # SQLite, 10,000 contacts
    .venv/bin/python bench/profile_pages.py --db postgres --top 25
    .venv/bin/python bench/profile_pages.py --pages operators,leads --requests 100
    .venv/bin/python bench/profile_pages.py --dump /tmp/before    # and later --dump /tmp/after; diff -r
    .venv/bin/python bench/profile_pages.py --pages report --unfolded   # the report without the fold

For each page it prints the CPU ms a request (process time, the median of five rounds, without the
profiler), the calls a request makes to the costly helpers (URL reversals,
translations, template variable lookups, includes, SQL statements), then cProfile's heaviest functions by their own
time. --dump writes each page's HTML with its per-request tokens (CSRF, CSP nonce) blanked, so
that a template change can be checked to leave the pages' HTML the same.
"""

import argparse
import cProfile
import pstats
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
import perf

PAGES = {
    "overview": "/",
    "operators": "/operators/",
    "contacts": "/contacts/",
    "report": "/report/?period=30d",
    "leads": "/leads/",
}
# Functions whose calls a request counts: what template rendering repeats per row.
COUNTED = {
    "reverse": ("django/urls/base.py", "reverse"),
    "gettext": ("django/utils/translation/__init__.py", "gettext"),
    "variable lookups": ("django/template/base.py", "_resolve_lookup"),
    "template nodes": ("django/template/base.py", "render_annotated"),
    "includes": ("django/template/loader_tags.py", "render"),
    "SQL executes": ("django/db/backends/utils.py", "_execute"),
}
TOKENS = [
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"'), 'name="csrfmiddlewaretoken" value=""'),
    (re.compile(r'"x-csrftoken": "[^"]+"'), '"x-csrftoken": ""'),
    (re.compile(r'nonce="[^"]+"'), 'nonce=""'),
]


def cpu_ms(client, path: str, requests: int) -> float:
    rounds = []
    for _ in range(5):
        started = time.process_time()
        for _ in range(requests):
            client.get(path)
        rounds.append((time.process_time() - started) * 1000 / requests)
    return statistics.median(rounds)


def calls_per_request(stats: pstats.Stats, requests: int) -> dict[str, float]:
    counted = dict.fromkeys(COUNTED, 0)
    for (filename, _, function), (_, calls, *_) in stats.stats.items():
        for name, (suffix, wanted) in COUNTED.items():
            if function == wanted and filename.endswith(suffix):
                counted[name] += calls
    return {name: calls / requests for name, calls in counted.items()}


def profile(client, name: str, path: str, *, requests: int, top: int, dump: Path | None) -> None:
    for _ in range(3):  # templates compiled, caches warm
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    if dump:
        html = response.content.decode()
        for pattern, blank in TOKENS:
            html = pattern.sub(blank, html)
        (dump / f"{name}.html").write_text(html)
    cpu = cpu_ms(client, path, requests)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(path)
    profiler.disable()
    stats = pstats.Stats(profiler)
    counted = calls_per_request(stats, requests)
    print(f"\n=== {name} {path}: {cpu:.1f} ms CPU a request, {len(response.content):,} bytes")
    print("   a request: " + ", ".join(f"{count:.0f} {what}" for what, count in counted.items()))
    stats.sort_stats("tottime").print_stats(top)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--size", type=int, default=10_000, help="contacts (default 10,000)")
    parser.add_argument("--pages", default=",".join(PAGES), help="comma-separated: " + ", ".join(PAGES))
    parser.add_argument("--requests", type=int, default=40, help="requests a page per round")
    parser.add_argument("--top", type=int, default=15, help="functions shown per page")
    parser.add_argument("--dump", type=Path, help="a folder to write each page's HTML into")
    parser.add_argument(
        "--unfolded",
        action="store_true",
        help="forget the response times' sums: the report walks every event of its period, as without a worker",
    )
    args = parser.parse_args()
    if args.dump:
        args.dump.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)  # bench/perf.py's seed: the same scene
    with harness.database(args.db) as db:
        harness.use_database(db)
        from django.core.management import call_command
        from django.test import Client

        call_command("collectstatic", "--noinput", verbosity=0)
        _, cookie = perf.build_scene(rng)
        perf.fill(args.size, rng)
        if args.unfolded:
            from distribution.models import ResponseFold

            ResponseFold.objects.all().delete()
        client = Client(HTTP_HOST="127.0.0.1")
        client.cookies.load(cookie)
        for name in args.pages.split(","):
            profile(client, name, PAGES[name], requests=args.requests, top=args.top, dump=args.dump)
    return 0


if __name__ == "__main__":
    sys.exit(main())
