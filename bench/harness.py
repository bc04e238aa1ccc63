"""What the benchmarks share: a throw-away database (SQLite file or a PostgreSQL cluster started
here), the project under gunicorn on 127.0.0.1, and a small HTTP client. Everything started is
stopped on exit, and every wait is bounded."""

import contextlib
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
# One secret for the servers and this process, so that sessions made here are valid there.
SECRET_KEY = secrets.token_urlsafe(50)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, *, timeout: float, interval: float = 0.1, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise TimeoutError(f"gave up waiting {timeout:.0f} s for {what}")


def children(parent: int) -> list[int]:
    """The processes whose parent is `parent`, read from /proc."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            pids.append(int(stat.parent.name))
    return pids


class Postgres:
    """A PostgreSQL cluster of Debian's packages in a temporary folder, on a free port."""

    def __init__(self, workdir: Path):
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        if not bins:
            raise SystemExit("PostgreSQL is not installed (apt-get install postgresql).")
        self.bin = bins[-1]
        self.dir = workdir / "pg"
        self.dir.mkdir()
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/minicrm"
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self._as_postgres([self.bin / "initdb", "-D", self.dir / "data", "-A", "trust", "-U", "postgres"])
        self.start()
        self._as_postgres(
            [self.bin / "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "minicrm"]
        )

    def _as_postgres(self, command: list) -> None:
        command = [str(part) for part in command]
        if os.geteuid() == 0:
            command = ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(f"'{part}'" for part in command)]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)

    def start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.dir} "
            "-c max_connections=200 -c shared_buffers=256MB -c synchronous_commit=off "
            + os.environ.get("BENCH_POSTGRES_OPTIONS", "")  # e.g. pg_stat_statements, this cluster's own
        )
        self._as_postgres(
            [
                self.bin / "pg_ctl",
                "-D",
                self.dir / "data",
                "-l",
                self.dir / "log",
                "-w",
                "-o",
                options,
                "start",
            ]
        )

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError):
            self._as_postgres([self.bin / "pg_ctl", "-D", self.dir / "data", "-m", "fast", "-w", "stop"])

    def pids(self) -> list[int]:
        """The server's processes: the postmaster and its children (backends, writers, autovacuum)."""
        postmaster = int((self.dir / "data" / "postmaster.pid").read_text().split()[0])
        return [postmaster, *children(postmaster)]


@dataclass
class Database:
    kind: str
    url: str
    workdir: Path
    postgres: Postgres | None = None


@contextlib.contextmanager
def database(kind: str):
    """A fresh, migrated database: kind is 'sqlite' or 'postgres'."""
    workdir = Path(tempfile.mkdtemp(prefix="minicrm-bench-"))
    if os.geteuid() == 0:
        workdir.chmod(0o755)
    postgres = None
    try:
        if kind == "postgres":
            postgres = Postgres(workdir)
            url = postgres.url
        else:
            url = f"sqlite:///{workdir / 'db.sqlite3'}"
        db = Database(kind=kind, url=url, workdir=workdir, postgres=postgres)
        subprocess.run(
            [sys.executable, ROOT / "manage.py", "migrate", "--verbosity", "0"],
            env=server_env(db),
            check=True,
            timeout=300,
        )
        yield db
    finally:
        if postgres:
            postgres.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def server_env(db: Database, **extra: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "minicrm.settings",
        "DATABASE_URL": db.url,
        "DEBUG": "false",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "INTAKE_RATE_LIMIT": "0",
        "LOG_LEVEL": "ERROR",
        # gunicorn.conf.py applies here too; a line per benchmark request would bury the report.
        "GUNICORN_ACCESS_LOG": "",
        **extra,
    }


def bot_token(db: Database, name: str) -> str:
    """Create a bot named `name` in the database with `manage.py createbot`; return its token."""
    created = subprocess.run(
        [sys.executable, ROOT / "manage.py", "createbot", name],
        env=server_env(db),
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return created.stdout.split()[-1]


def use_database(db: Database) -> None:
    """Point this process's Django at the benchmark database (call before django.setup())."""
    os.environ.update(server_env(db))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


@dataclass
class Server:
    """The project under gunicorn on 127.0.0.1."""

    db: Database
    workers: int
    env: dict = field(default_factory=dict)
    app: str = "minicrm.wsgi"
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self) -> None:
        subprocess.run(
            [sys.executable, ROOT / "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            env=server_env(self.db),
            check=True,
            timeout=120,
            cwd=ROOT,
        )
        self.process = subprocess.Popen(
            [
                VENV_BIN / "gunicorn",
                self.app,
                "--workers",
                str(self.workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
                "--backlog",
                "2048",
                "--log-level",
                "warning",
            ],
            env=server_env(self.db, **self.env),
            cwd=ROOT,
            start_new_session=True,
        )
        wait_until(
            lambda: self.get("/healthz")[0] == 200 and len(self.worker_pids()) == self.workers,
            timeout=60,
            what="gunicorn",
        )

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)

    def worker_pids(self) -> list[int]:
        """The gunicorn workers: the master's children."""
        return children(self.process.pid)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict | None = None,
        timeout: float = 30,
    ) -> tuple[int, dict, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def get(self, path: str, **kwargs) -> tuple[int, bytes]:
        try:
            status, _headers, body = self.request("GET", path, **kwargs)
        except OSError:
            return 0, b""
        return status, body

    def post_contact(self, token: str, payload: dict, timeout: float = 30) -> tuple[int, dict, dict]:
        status, headers, body = self.request(
            "POST",
            "/api/contacts",
            json.dumps(payload).encode(),
            {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            timeout=timeout,
        )
        try:
            data = json.loads(body)
        except ValueError:
            data = {"raw": body[:200].decode(errors="replace")}
        return status, headers, data
