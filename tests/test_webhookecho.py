"""manage.py webhookecho: the development receiver checks signatures and prints events."""

import http.client
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from distribution.signatures import sign

ROOT = Path(__file__).resolve().parent.parent
SECRET = "whsec_echo-test"
EVENT = {
    "id": "5b6f3c2e-8d1a-4c47-9d0b-2f4e8a9c1d33",
    "type": "contact.assigned",
    "created": "2026-11-28T08:30:27.345148+00:00",
    "data": {
        "contact": {
            "id": 702,
            "status": "open",
            "external_id": "msg-8813",
            "message": "Hello",
            "lead": {"id": 151, "created": False},
            "bot": {"id": 31, "name": "Telegram Sales"},
            "operator": {"id": 13, "name": "Chen Wei"},
            "created_at": "2026-11-28T08:30:27.338085+00:00",
            "assigned_at": "2026-11-28T08:30:27.345148+00:00",
        },
        "reason": "intake",
    },
}


class Echo:
    """`manage.py webhookecho` in a child process, its output read line by line."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "webhookecho", "--port", "0", *args],
            cwd=ROOT,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        first = self.line()
        assert "Listening on http://127.0.0.1:" in first, first
        self.port = int(first.split("127.0.0.1:")[1].split("/")[0])

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def line(self) -> str:
        return self.lines.get(timeout=20)

    def post(self, body: bytes, headers: dict[str, str]) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            headers = {"Content-Type": "application/json", **headers}
            connection.request("POST", "/", body=body, headers=headers)
            return connection.getresponse().status
        finally:
            connection.close()

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=10)


@pytest.fixture
def echo():
    started = []

    def start(*args: str) -> Echo:
        started.append(Echo(*args))
        return started[-1]

    yield start
    for running in started:
        if running.process.poll() is None:
            running.process.kill()
            running.process.wait()


def signed(
    body: bytes, *, secret: str = SECRET, at: float | None = None, event_id: str = EVENT["id"]
) -> dict[str, str]:
    timestamp = int(time.time() if at is None else at)
    return {
        "Minicrm-Event-Id": event_id,
        "Minicrm-Signature": sign(secret, body, event_id=event_id, timestamp=timestamp),
    }


BODY = json.dumps(EVENT).encode()


def test_it_answers_204_to_a_signed_event_and_prints_it(echo):
    receiver = echo("--secret", SECRET)

    assert receiver.post(BODY, signed(BODY)) == 204
    line = receiver.line()
    assert line.endswith(
        "204 contact.assigned 5b6f3c2e-8d1a-4c47-9d0b-2f4e8a9c1d33 contact #702 open, operator Chen Wei (#13)"
    )
    assert line[:20].endswith("Z")


def test_it_answers_400_to_a_bad_signature_and_says_why(echo):
    receiver = echo("--secret", SECRET)

    assert receiver.post(BODY, signed(BODY, secret="whsec_other")) == 400
    assert "400, refused: the signature does not match" in receiver.line()
    assert receiver.post(BODY + b" ", signed(BODY)) == 400
    assert "the signature does not match" in receiver.line()
    assert receiver.post(BODY, signed(BODY, at=time.time() - 3600)) == 400
    assert "signed more than 300 s from now" in receiver.line()
    assert receiver.post(BODY, {}) == 400
    assert "no Minicrm-Signature header" in receiver.line()
    assert receiver.post(BODY, {**signed(BODY), "Minicrm-Signature": "t=oops"}) == 400
    assert "the signature does not match" in receiver.line()
    assert receiver.post(BODY, {"Minicrm-Signature": signed(BODY)["Minicrm-Signature"]}) == 400
    assert "no Minicrm-Event-Id header" in receiver.line()


def test_it_answers_400_to_a_delivery_replayed_under_a_new_event_id(echo):
    receiver = echo("--secret", SECRET)
    captured = signed(BODY)

    assert receiver.post(BODY, captured) == 204
    receiver.line()
    replayed = {**captured, "Minicrm-Event-Id": "9c0e7d1a-2b3f-4a5e-8d6c-7f1e2a3b4c5d"}
    assert receiver.post(BODY, replayed) == 400
    assert "400, refused: the signature does not match" in receiver.line()


def test_it_answers_400_to_a_signed_body_that_is_not_an_event(echo):
    receiver = echo("--secret", SECRET)

    assert receiver.post(b"[1, 2]", signed(b"[1, 2]")) == 400
    assert "signed, but not an event" in receiver.line()


def test_it_answers_the_status_it_is_told_to_and_stops_on_ctrl_c(echo):
    receiver = echo("--secret", SECRET, "--status", "503")

    assert receiver.post(BODY, signed(BODY)) == 503
    assert " 503 contact.assigned " in receiver.line()
    assert receiver.stop() == 0
    assert receiver.line().endswith("Stopped.")


def test_it_takes_the_secret_from_the_environment(echo, monkeypatch):
    monkeypatch.setenv("WEBHOOK_SECRET", SECRET)
    receiver = echo()

    assert receiver.post(BODY, signed(BODY)) == 204


def test_it_needs_a_secret(monkeypatch):
    monkeypatch.delenv("WEBHOOK_SECRET", raising=False)

    with pytest.raises(CommandError, match="secret"):
        call_command("webhookecho")
