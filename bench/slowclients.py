"""The slow-client drill: clients that open a connection and never finish their request must not
keep anyone else from being served.

    .venv/bin/python bench/slowclients.py            # what CI runs
    GUNICORN_CMD_ARGS="--worker-class sync" .venv/bin/python bench/slowclients.py --proxy-sockets 0

It starts the web service the way compose.yaml does (the same command, so gunicorn.conf.py
applies) on a throw-away SQLite database with one bot, on 127.0.0.1. Then two phases, each
holding its slow sockets for --hold seconds while /healthz and POST /api/contacts are polled:

1. no proxy: a handful of slow sockets straight at gunicorn;
2. behind the proxy: Debian's nginx runs the shipped deploy/nginx.conf (only the upstream
   address, the listen address and file paths replaced) and 200 slow sockets go to it.

The slow sockets take turns among these kinds (--kinds picks some):

- headers: request headers that never end, a byte more every couple of seconds;
- body: a bot's complete headers and a body that never ends, a byte more every couple of seconds;
- refused-body: headers without a token and 8 of a 100-byte body, then nothing (issue 18's case);
- closing: a whole request asking for `Connection: close`; the socket is kept open, unread;
- idle: a connection that sends nothing.

A socket the server answers or closes is kept open, unread, as a client that never closes its
side would, and another is opened in its place, so the pressure lasts the whole phase. The drill exits 1 unless every poll was
answered, as expected, within --max-latency seconds. Everything it starts is stopped.
"""

import argparse
import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

# compose.yaml runs exactly these (tests/test_deployment.py holds them equal).
WEB_COMMAND = ["sh", "-c", "python manage.py migrate --noinput && exec gunicorn minicrm.wsgi"]
PROXY_COMMAND = ["nginx", "-g", "daemon off;"]
NGINX_CONFIG = harness.ROOT / "deploy" / "nginx.conf"
NGINX_BINARY = "/usr/sbin/nginx"

POLL_TIMEOUT = 10
TRICKLE_EVERY = 2.0
KINDS = ("headers", "body", "refused-body", "closing", "idle")
# The kinds that send a byte more at each turn.
TRICKLING = {"headers", "body"}


def nginx_config_for_drill(upstream: str, listen: str, workdir: Path) -> str:
    """The shipped config with only addresses and file paths replaced; each replacement must
    match exactly once, so a config that changes shape fails here instead of being half-tested."""
    text = NGINX_CONFIG.read_text()
    replacements = [
        (r"server web:8000;", f"server {upstream};"),
        (r"listen 80;", f"listen {listen};"),
        (r"pid \S+;", f"pid {workdir / 'nginx.pid'};"),
        (r"error_log [^\s;]+", f"error_log {workdir / 'error.log'}"),
        (r"access_log [^\s;]+", f"access_log {workdir / 'access.log'}"),
        (r"client_body_temp_path \S+;", f"client_body_temp_path {workdir / 'client_temp'};"),
        (r"proxy_temp_path \S+;", f"proxy_temp_path {workdir / 'proxy_temp'};"),
    ]
    for pattern, replacement in replacements:
        text, count = re.subn(pattern, replacement, text)
        if count != 1:
            raise SystemExit(f"deploy/nginx.conf: expected one match of {pattern!r}, found {count}")
    return text


class Process:
    """A server started in its own session, stopped (group and all) on exit."""

    def __init__(self, command: list, **popen):
        self.process = subprocess.Popen(command, start_new_session=True, **popen)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=25)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)


def timed_request(port: int, method: str, path: str, body: bytes = b"", headers: dict | None = None):
    """(status, seconds) of one request on a new connection; status 0 when it failed."""
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=POLL_TIMEOUT)
    try:
        connection.request(method, path, body=body or None, headers=headers or {})
        response = connection.getresponse()
        response.read()
        status = response.status
    except OSError:
        status = 0
    finally:
        connection.close()
    return status, time.monotonic() - started


class SlowSockets:
    """`count` slow connections to `port` of the given kinds, kept up for the whole phase."""

    def __init__(self, port: int, count: int, token: str, kinds: tuple[str, ...] = KINDS):
        self.port, self.count, self.token, self.kinds = port, count, token, kinds
        self.sockets: list[tuple[socket.socket, str] | None] = [None] * count
        # Sockets the server answered or closed, kept open until the phase ends.
        self.answered: list[socket.socket] = []
        self.opened = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run)

    def _open(self, kind: str) -> tuple[socket.socket, str] | None:
        sock = socket.socket()
        sock.settimeout(2)
        try:
            sock.connect(("127.0.0.1", self.port))
            if kind == "headers":
                sock.sendall(b"POST /api/contacts HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            elif kind == "body":
                sock.sendall(
                    b"POST /api/contacts HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    b"Content-Type: application/json\r\nContent-Length: 10000\r\n"
                    + f"Authorization: Bearer {self.token}\r\n\r\n".encode()
                    + b'{"lead": '
                )
            elif kind == "refused-body":
                sock.sendall(
                    b"POST /api/contacts HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"lead": '
                )
            elif kind == "closing":
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        except OSError:
            sock.close()
            return None
        sock.setblocking(False)
        self.opened += 1
        return sock, kind

    def _trickle(self, entry) -> bool:
        """Send one more byte; False once the server has answered or closed the connection."""
        sock, kind = entry
        try:
            sock.recv(4096)
            return False  # an answer (a 408, say) or the end of the connection
        except BlockingIOError:
            pass  # nothing to read: the server still waits for the rest of the request
        except OSError:
            return False
        if kind not in TRICKLING:
            return True
        try:
            sock.send(b"X" if kind == "headers" else b" ")
        except OSError:
            return False
        return True

    def _run(self) -> None:
        while not self.stop.is_set():
            for index, entry in enumerate(self.sockets):
                if self.stop.is_set():
                    break
                if entry is not None and not self._trickle(entry):
                    self.answered.append(entry[0])
                    entry = None
                if entry is None:
                    entry = self._open(self.kinds[index % len(self.kinds)])
                self.sockets[index] = entry
            self.stop.wait(TRICKLE_EVERY)

    def __enter__(self):
        self.thread.start()
        harness.wait_until(lambda: self.opened >= self.count, timeout=60, what=f"{self.count} slow sockets")
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=60)
        for entry in self.sockets:
            if entry is not None:
                entry[0].close()
        for sock in self.answered:
            sock.close()

    def held(self) -> int:
        return sum(entry is not None for entry in self.sockets)


def poll(port: int, token: str, seconds: float, label: str) -> list[tuple[str, int, float]]:
    """Alternate GET /healthz and a new contact until `seconds` have passed."""
    results = []
    deadline = time.monotonic() + seconds
    number = 0
    while time.monotonic() < deadline:
        results.append(("/healthz", *timed_request(port, "GET", "/healthz")))
        number += 1
        body = json.dumps(
            {"lead": {"external_id": f"{label}-lead-{number}"}, "external_id": f"{label}-{number}"}
        ).encode()
        status, seconds_taken = timed_request(
            port,
            "POST",
            "/api/contacts",
            body,
            {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        results.append(("/api/contacts", status, seconds_taken))
        time.sleep(0.2)
    return results


def phase(name: str, port: int, sockets: int, token: str, args: argparse.Namespace) -> bool:
    max_latency = args.max_latency
    with SlowSockets(port, sockets, token, args.kinds) as slow:
        results = poll(port, token, args.hold, name.replace(" ", "-"))
        held = slow.held()
        opened = slow.opened
    expected = {"/healthz": {200}, "/api/contacts": {201, 202}}
    late = [(what, status, took) for what, status, took in results if took > max_latency]
    wrong = [(what, status, took) for what, status, took in results if status not in expected[what]]
    worst = max(took for _what, _status, took in results)
    print(
        f"  {name}: {sockets} slow sockets ({', '.join(args.kinds)}; {opened} opened in all, "
        f"{held} open at the end), "
        f"{len(results)} polls, max latency {worst:.3f} s, {len(late)} over {max_latency} s, "
        f"{len(wrong)} unexpected"
    )
    for what, status, took in (late + wrong)[:10]:
        print(f"    {what}: status {status or 'none'} after {took:.2f} s")
    return not late and not wrong


def body_limit_answers_json(port: int) -> bool:
    """nginx itself refuses an intake body over the limit, with the intake's JSON error."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=POLL_TIMEOUT)
    try:
        connection.request(
            "POST", "/api/contacts", body=b" " * 70_000, headers={"Content-Type": "application/json"}
        )
        response = connection.getresponse()
        status, kind, body = response.status, response.getheader("Content-Type"), response.read()
    finally:
        connection.close()
    ok = status == 413 and kind == "application/json" and "error" in json.loads(body)
    print(f"  behind nginx: a 70 kB body gets {status} {kind} {body.decode().strip()}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--direct-sockets", type=int, default=6, help="slow sockets straight at gunicorn")
    parser.add_argument("--proxy-sockets", type=int, default=200, help="slow sockets at nginx (0: skip)")
    parser.add_argument("--hold", type=float, default=30, help="seconds each phase holds its sockets")
    parser.add_argument("--max-latency", type=float, default=1.0)
    parser.add_argument(
        "--kinds",
        type=lambda value: tuple(value.split(",")),
        default=KINDS,
        help=f"slow sockets' kinds, in turn (default: {','.join(KINDS)})",
    )
    args = parser.parse_args()
    if unknown := set(args.kinds) - set(KINDS):
        parser.error(f"unknown kinds: {', '.join(sorted(unknown))}")

    with harness.database("sqlite") as db:
        harness.use_database(db)
        from distribution.tokens import create_bot

        _bot, token = create_bot(name="Drill")
        web_port = harness.free_port()
        env = harness.server_env(
            db,
            GUNICORN_BIND=f"127.0.0.1:{web_port}",
            TRUST_X_FORWARDED_PROTO="true",
            PATH=f"{harness.VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        )
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            env=env,
            cwd=harness.ROOT,
            check=True,
            timeout=120,
        )
        passed = True
        with Process(WEB_COMMAND, env=env, cwd=harness.ROOT):
            harness.wait_until(
                lambda: timed_request(web_port, "GET", "/healthz")[0] == 200, timeout=90, what="gunicorn"
            )
            print("mini-CRM slow-client drill")
            if args.direct_sockets:
                passed &= phase("no proxy", web_port, args.direct_sockets, token, args)
            if args.proxy_sockets:
                passed &= proxy_phase(web_port, token, args)
    print("Every poll answered in time." if passed else "FAILED: some polls were late or wrong.")
    return 0 if passed else 1


@contextlib.contextmanager
def nginx(upstream: str, *, ready: tuple[str, int] = ("/healthz", 200), access_log: bool = True):
    """Run the shipped nginx (nginx_config_for_drill) in front of `upstream` until `ready`'s path
    answers its status; yield nginx's port and its folder."""
    if not Path(NGINX_BINARY).exists():
        raise SystemExit("nginx is not installed (apt-get install nginx).")
    workdir = Path(tempfile.mkdtemp(prefix="minicrm-nginx-"))
    # nginx's workers drop root's rights and must still reach their temporary files here.
    workdir.chmod(0o755)
    try:
        port = harness.free_port()
        text = nginx_config_for_drill(upstream, f"127.0.0.1:{port}", workdir)
        if not access_log:
            text = text.replace(f"access_log {workdir / 'access.log'}", "access_log off")
        config = workdir / "nginx.conf"
        config.write_text(text)
        command = [NGINX_BINARY, *PROXY_COMMAND[1:], "-p", str(workdir), "-c", str(config)]
        with Process(command, stderr=subprocess.STDOUT):
            path, status = ready
            harness.wait_until(
                lambda: timed_request(port, "GET", path)[0] == status, timeout=30, what="nginx"
            )
            yield port, workdir
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def proxy_phase(web_port: int, token: str, args) -> bool:
    with nginx(f"127.0.0.1:{web_port}") as (port, workdir):
        passed = body_limit_answers_json(port)
        passed &= phase("behind nginx", port, args.proxy_sockets, token, args)
        if not passed:
            print((workdir / "error.log").read_text()[-3000:])
    return passed


if __name__ == "__main__":
    sys.exit(main())
