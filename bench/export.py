"""The contacts export at 10,000, 100,000 and 1,000,000 contacts: how long the whole file takes,
how soon its first bytes come, and how much memory the gunicorn worker that streams it gains.

    .venv/bin/python bench/export.py --db sqlite          # about 10 minutes here
    .venv/bin/python bench/export.py --db postgres --sizes 10000,100000

bench/perf.py's loader fills the database up to 100,000 contacts, and copies of those make the
million (copy_up_to); the file is downloaded from the project under gunicorn
(1 worker) on 127.0.0.1, as a manager, and read to its end. The worker's peak memory (VmHWM) is
read after a contacts page and again after the export: the difference is what the file cost.
"""

import argparse
import http.client
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
import perf

PATH = "/contacts/export.csv"


def download(server: harness.Server, path: str, cookie: str) -> tuple[float, float, int, int]:
    """Seconds to the first byte and to the last, the bytes and the lines of the file."""
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=600)
    connection.request("GET", path, headers={"Cookie": cookie})
    response = connection.getresponse()
    assert response.status == 200, response.status
    first = response.read(1)
    first_byte = time.monotonic() - started
    size, lines = len(first), first.count(b"\n")
    while chunk := response.read(1 << 16):
        size += len(chunk)
        lines += chunk.count(b"\n")
    connection.close()
    return first_byte, time.monotonic() - started, size, lines


def copy_up_to(size: int) -> None:
    """Copy the loaded contacts, each copy 90 days earlier, until there are `size`: without their
    history, which the export does not read, so that a million take a minute, not half an hour."""
    from django.db import connection, models

    from distribution.models import Contact

    table = Contact._meta.db_table
    fields = [f for f in Contact._meta.concrete_fields if f.column not in ("id", "external_id")]
    earlier = "{} - INTERVAL '90 days'" if connection.vendor == "postgresql" else "datetime({}, '-90 days')"
    columns = [f.column for f in fields]
    shifted = [earlier.format(f.column) if isinstance(f, models.DateTimeField) else f.column for f in fields]
    while (have := Contact.objects.count()) < size:
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"SELECT {', '.join(shifted)} FROM {table} ORDER BY id LIMIT %s",
                [size - have],
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as perf.fill does: the planner knows the copies


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument(
        "--copy-above", type=int, default=100_000, help="load this many, then copy them (copy_up_to)"
    )
    args = parser.parse_args()
    rng = random.Random(7)
    print(f"The contacts export on {args.db}, 1 gunicorn worker:")
    print(f"{'contacts':>10} {'rows':>10} {'MiB':>7} {'first byte':>11} {'whole file':>11} "
          f"{'µs a row':>9} {'worker before':>14} {'after':>8}")  # fmt: skip
    with harness.database(args.db) as db:
        harness.use_database(db)
        _token, cookie = perf.build_scene(rng)
        for size in map(int, args.sizes.split(",")):
            started = time.monotonic()
            if size > args.copy_above:
                perf.fill(args.copy_above, rng)
                copy_up_to(size)
            else:
                perf.fill(size, rng)
            print(f"  ({size:,} contacts loaded in {time.monotonic() - started:.0f} s)", file=sys.stderr)
            with harness.Server(db, workers=1) as server:
                (pid,) = server.worker_pids()
                server.get("/contacts/", headers={"Cookie": cookie})  # the page: what the worker holds anyway
                before = perf.peak_memory_mib([pid])[0]
                first_byte, whole, size_bytes, lines = download(server, PATH, cookie)
                after = perf.peak_memory_mib([pid])[0]
            rows = lines - 1  # the headers' line
            print(
                f"{size:>10,} {rows:>10,} {size_bytes / 2**20:>7.1f} {first_byte * 1000:>9.0f} ms "
                f"{whole:>9.1f} s {whole / rows * 1e6:>9.1f} {before:>10.1f} MiB {after:>4.1f} MiB",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
