"""A webhook receiver for development that checks each signature as a bot should."""

import json
import os
import sys
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer

from django.core.management.base import BaseCommand, CommandError

from distribution import signatures

# Events are a few KB; anything much larger is not one of ours.
MAX_BODY_BYTES = 1024 * 1024
TOLERANCE = 300


def refusal(secret: str, body: bytes, header: str | None, event_id: str | None) -> str:
    """Return why the request is not a valid event from mini-CRM, or "" when it is one."""
    if not header:
        return "no Minicrm-Signature header"
    if not event_id:
        return "no Minicrm-Event-Id header"
    if signatures.verify(secret, body, header, event_id=event_id, tolerance=TOLERANCE):
        return ""
    if signatures.verify(secret, body, header, event_id=event_id, tolerance=sys.maxsize):
        return f"signed more than {TOLERANCE} s from now: a replay, or one of the clocks is wrong"
    return "the signature does not match: another secret, or the body or event id was changed on the way"


def describe(event: dict) -> str:
    contact = event["data"]["contact"]
    operator = contact["operator"]
    taken_by = f"operator {operator['name']} (#{operator['id']})" if operator else "no operator"
    return f"{event['type']} {event['id']} contact #{contact['id']} {contact['status']}, {taken_by}"


class EchoServer(HTTPServer):
    command: "Command"


class Handler(BaseHTTPRequestHandler):
    server: EchoServer
    server_version = "mini-CRM-webhookecho"
    # One request at a time: a client that stalls must not hold the port for ever.
    timeout = 10

    def do_POST(self) -> None:
        command = self.server.command
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY_BYTES:
            command.report(f"400, refused: no Content-Length or over {MAX_BODY_BYTES} bytes", error=True)
            self.answer(400)
            return
        body = self.rfile.read(length)
        why = refusal(
            command.secret, body, self.headers.get("Minicrm-Signature"), self.headers.get("Minicrm-Event-Id")
        )
        if why:
            command.report(f"400, refused: {why}", error=True)
            self.answer(400)
            return
        try:
            line = describe(json.loads(body))
        except (ValueError, TypeError, KeyError) as error:
            command.report(f"400, refused: signed, but not an event ({error!r})", error=True)
            self.answer(400)
            return
        command.report(f"{command.status} {line}")
        self.answer(command.status)

    def answer(self, status: int) -> None:
        self.send_response(status)
        # A 204 has no body and must not say it has one (RFC 9110, 8.6).
        if status != 204:
            self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args) -> None:
        # do_POST prints one line per event.
        pass


class Command(BaseCommand):
    help = (
        "Receive webhooks on 127.0.0.1 for development: check each signature with the webhook's "
        "secret and print the event. Stop with Ctrl-C."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=8001, help="0: any free port (default: %(default)s)")
        parser.add_argument(
            "--secret",
            default=os.environ.get("WEBHOOK_SECRET", ""),
            help="the webhook's secret (default: WEBHOOK_SECRET from the environment)",
        )
        parser.add_argument(
            "--status",
            type=int,
            default=204,
            help="the answer to a valid event, e.g. 500 to watch the retries (default: %(default)s)",
        )

    def handle(self, *args, port: int, secret: str, status: int, **options) -> None:
        if not secret:
            raise CommandError("Give the webhook's secret: --secret whsec_... or WEBHOOK_SECRET.")
        if not 200 <= status <= 599:
            raise CommandError("--status must be an HTTP status, 200 to 599.")
        self.secret, self.status = secret, status
        try:
            server = EchoServer(("127.0.0.1", port), Handler)
        except OSError as error:
            raise CommandError(f"Cannot listen on 127.0.0.1:{port}: {error}") from error
        server.command = self
        self.report(f"Listening on http://127.0.0.1:{server.server_port}/ (Ctrl-C stops)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            self.report("Stopped.")
        finally:
            server.server_close()

    def report(self, message: str, *, error: bool = False) -> None:
        line = f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ} {message}"
        self.stdout.write(self.style.ERROR(line) if error else line)
        self.stdout.flush()
