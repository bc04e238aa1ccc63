"""A manager archives a bot: its intake answers 403 and writes nothing, it still reads and closes its
own contacts, its waiting ones are still assigned, and it leaves the lists until unarchived."""

import json

import pytest
from django.db import connection

from distribution import routing
from distribution.models import Bot, Contact
from distribution.tokens import create_bot

from .conftest import htmx


@pytest.fixture
def bot(db):
    return create_bot(name="Telegram Sales")


def _post(client, token, body):
    return client.post(
        "/api/contacts",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_its_intake_answers_403_and_writes_nothing(client, bot):
    bot, token = bot
    routing.archive_bot(bot=bot)

    response = _post(client, token, {"lead": {"external_id": "tg-1"}})

    assert response.status_code == 403
    assert "archived" in response.json()["error"]
    assert not Contact.objects.exists()


def test_it_refuses_with_the_rate_limit_on_too(client, bot, settings):
    settings.INTAKE_RATE_LIMIT = 100
    bot, token = bot
    assert _post(client, token, {"lead": {"external_id": "tg-1"}}).status_code == 202
    routing.archive_bot(bot=bot)

    assert _post(client, token, {"lead": {"external_id": "tg-2"}}).status_code == 403
    assert Contact.objects.count() == 1


def test_it_still_reads_and_closes_its_own_contacts(client, bot, make_operator):
    bot, token = bot
    routing.set_weight(bot=bot, operator=make_operator(), weight=10)
    contact = _post(client, token, {"lead": {"external_id": "tg-1"}}).json()
    routing.archive_bot(bot=bot)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    assert client.get(f"/api/contacts/{contact['id']}", **auth).status_code == 200
    close = client.post(f"/api/contacts/{contact['id']}/close", "{}", content_type="application/json", **auth)
    assert close.status_code == 200
    assert Contact.objects.get().status == Contact.Status.CLOSED


def test_its_waiting_contacts_are_still_assigned(bot, send, make_operator):
    bot, _token = bot
    waiting = send(bot)
    routing.archive_bot(bot=bot)

    routing.set_weight(bot=bot, operator=make_operator(), weight=10)

    waiting.refresh_from_db()
    assert waiting.status == Contact.Status.OPEN


def test_it_asks_first_and_archives(manager_client, bot):
    bot, _token = bot
    assert (
        f'<form method="post" action="/bots/{bot.pk}/archive">'
        in manager_client.get(f"/bots/{bot.pk}/archive").content.decode()
    )

    response = manager_client.post(f"/bots/{bot.pk}/archive", **htmx())

    assert response["HX-Redirect"] == bot.get_absolute_url()
    assert Bot.objects.get().archived_at is not None


def test_it_leaves_the_lists_and_filters_and_comes_back(manager_client, bot):
    bot, _token = bot
    routing.archive_bot(bot=bot)

    assert bot.get_absolute_url() not in manager_client.get("/bots/").content.decode()
    assert bot.get_absolute_url() in manager_client.get("/bots/?archived=1").content.decode()
    assert ">Telegram Sales</option>" not in manager_client.get("/contacts/").content.decode()
    assert ">Telegram Sales</option>" not in manager_client.get("/report/").content.decode()
    page = manager_client.get(bot.get_absolute_url()).content.decode()
    assert "Archived on" in page
    assert "Unarchive" in page

    response = manager_client.post(f"/bots/{bot.pk}/unarchive", follow=True)

    assert "Telegram Sales is back: it takes contacts again." in response.content.decode()
    assert Bot.objects.get().archived_at is None
    assert bot.get_absolute_url() in manager_client.get("/bots/").content.decode()


def test_a_second_tabs_unarchive_says_it_was_not_archived(manager_client, bot):
    bot, _token = bot

    response = manager_client.post(f"/bots/{bot.pk}/unarchive", follow=True)

    assert "Telegram Sales was not archived." in response.content.decode()
    assert Bot.objects.get().archived_at is None


def test_an_operator_may_not_archive_a_bot(client, bot, operator_login):
    bot, _token = bot
    _operator, user = operator_login()
    client.force_login(user)

    assert client.post(f"/bots/{bot.pk}/archive").status_code == 403


def test_with_the_rate_limit_on_the_archive_check_costs_no_query(
    client, bot, make_operator, settings, django_assert_num_queries
):
    """The rate limit reads the bot's row anyway: the check rides on it (with the limit off, as in
    tests/test_intake.py, it is one query of its own)."""
    settings.INTAKE_RATE_LIMIT = 1000
    bot, token = bot
    for number in range(3):
        _post(client, token, {"lead": {"external_id": f"tg-{number}"}})

    # As tests/test_intake.py counts them with the limit off, less its archive check, plus the
    # rate limit's (the bot's row, which tells the archive too, and the window's count and update).
    with django_assert_num_queries(9 if connection.vendor == "postgresql" else 12):
        assert (
            _post(client, token, {"lead": {"external_id": "tg-1"}, "external_id": "m-1"}).status_code == 202
        )
