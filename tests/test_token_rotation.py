"""A rotated token stops working at once, although the intake remembers the tokens it has seen
(tokens.remembered_bot): the token is checked on the bot's row where the intake reads it anyway."""

import http.client
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.db.models import Sum

from bench import harness
from distribution.models import Bot, Contact, IntakeWindow
from distribution.tokens import create_bot, rotate_token

from .conftest import under_gunicorn

URL = "/api/contacts"


@pytest.fixture
def post(client):
    def post_contact(token: str, body: object) -> object:
        data = body if isinstance(body, str) else json.dumps(body)
        return client.post(
            URL, data=data, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )

    return post_contact


def test_it_refuses_a_rotated_token_that_it_remembers(post, bot_and_token):
    bot, old = bot_and_token
    assert post(old, {"lead": {"external_id": "tg-1"}}).status_code == 202

    new = rotate_token(bot=bot)

    assert post(old, {"lead": {"external_id": "tg-2"}}).status_code == 401
    assert post(new, {"lead": {"external_id": "tg-3"}}).status_code == 202
    assert set(Contact.objects.values_list("lead__external_id", flat=True)) == {"tg-1", "tg-3"}


def test_it_refuses_a_rotated_token_on_a_replay(post, bot_and_token):
    bot, old = bot_and_token
    body = {"lead": {"external_id": "tg-1"}, "external_id": "m-1"}
    assert post(old, body).status_code == 202

    rotate_token(bot=bot)

    assert post(old, body).status_code == 401


@pytest.mark.parametrize("body", ["{not json", {"lead": {}}])
def test_it_refuses_a_rotated_token_whatever_it_sent(post, bot_and_token, body):
    bot, old = bot_and_token
    assert post(old, {"lead": {"external_id": "tg-1"}}).status_code == 202

    rotate_token(bot=bot)

    assert post(old, body).status_code == 401


# The rate limit checks the remembered token before it counts the request -----------------------


@pytest.mark.django_db(transaction=True)
def test_it_refuses_the_token_of_a_bot_deleted_since_it_was_remembered(post, settings):
    settings.INTAKE_RATE_LIMIT = 100
    bot, token = create_bot(name="Short-lived")
    assert post(token, {"lead": {}}).status_code == 400

    Bot.objects.filter(pk=bot.pk).delete()

    assert [post(token, {"lead": {"external_id": "tg-1"}}).status_code for _ in range(2)] == [401, 401]
    assert not IntakeWindow.objects.exists()


def test_it_refuses_a_rotated_token_that_it_remembers_whatever_the_rate_limit(post, bot_and_token, settings):
    settings.INTAKE_RATE_LIMIT = 2
    bot, old = bot_and_token
    assert post(old, {"lead": {"external_id": "tg-1"}}).status_code == 202
    new = rotate_token(bot=bot)
    assert post(new, {"lead": {"external_id": "tg-2"}}).status_code == 202

    answers = [post(old, {"lead": {"external_id": "tg-3"}}) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [401, 401, 401]
    assert not any(answer.has_header("Retry-After") for answer in answers)
    assert IntakeWindow.objects.aggregate(total=Sum("requests"))["total"] == 2


# Two gunicorn workers ----------------------------------------------------------------------------


def _worker_of(server: harness.Server, connection: http.client.HTTPConnection) -> int | None:
    """The worker that holds this kept-alive connection: the one with the server's end of it."""
    local_port = connection.sock.getsockname()[1]
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[2].split(":")[1], 16) == local_port:
            inode = fields[9]
    for pid in server.worker_pids():
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if fd.readlink().name == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    return None


def _post(connection: http.client.HTTPConnection, token: str, lead: str) -> int:
    body = json.dumps({"lead": {"external_id": lead}})
    connection.request(
        "POST",
        URL,
        body=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    response = connection.getresponse()
    response.read()
    return response.status


def _manage(db: harness.Database, *args: str) -> str:
    return subprocess.run(
        [sys.executable, harness.ROOT / "manage.py", *args],
        env=harness.server_env(db),
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout


@under_gunicorn
def test_a_token_rotated_by_one_process_stops_working_in_every_worker():
    with harness.database("sqlite") as db, harness.Server(db, workers=2) as server:
        old = _manage(db, "createbot", "Rotated").split()[-1]
        # One kept-alive connection held by each worker; both remember the token.
        held: dict[int, http.client.HTTPConnection] = {}
        spare = []
        for number in range(60):
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            assert _post(connection, old, f"tg-{number}") == 202
            worker = _worker_of(server, connection)
            (spare if worker in held or worker is None else []).append(connection)
            if worker is not None and worker not in held:
                held[worker] = connection
            if len(held) == 2:
                break
        assert len(held) == 2, "the connections all went to one worker"
        for connection in held.values():
            assert _post(connection, old, "tg-again") == 202

        new = _manage(
            db,
            "shell",
            "-c",
            "from distribution.models import Bot; from distribution.tokens import rotate_token; "
            "print(rotate_token(bot=Bot.objects.get()))",
        ).split()[-1]

        for worker, connection in held.items():
            assert _worker_of(server, connection) == worker
            assert _post(connection, old, "tg-refused") == 401
            assert _post(connection, new, f"tg-new-{worker}") == 202
        for connection in [*held.values(), *spare]:
            connection.close()
