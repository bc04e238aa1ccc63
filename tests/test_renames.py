"""A manager renames a bot or an operator on its page; an empty or too long name is a form error."""

import pytest

from distribution.models import Bot, Operator
from distribution.tokens import create_bot

from .conftest import htmx


@pytest.fixture
def bot(db):
    return create_bot(name="Telegram Sales")[0]


def test_it_renames_a_bot_keeping_its_slug(manager_client, bot):
    response = manager_client.post(f"/bots/{bot.pk}/rename", {"name": "Telegram Support"})

    assert response.status_code == 302
    bot.refresh_from_db()
    assert (bot.name, bot.slug) == ("Telegram Support", "telegram-sales")


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
def test_it_refuses_an_empty_or_too_long_bot_name(manager_client, bot, name):
    response = manager_client.post(f"/bots/{bot.pk}/rename", {"name": name}, **htmx("bot-edit"))

    assert response.status_code == 422
    assert 'id="bot-edit"' in response.content.decode()
    assert Bot.objects.get().name == "Telegram Sales"


def test_it_renames_an_operator(manager_client, make_operator):
    operator = make_operator(name="Olga")

    response = manager_client.post(f"/operators/{operator.pk}/rename", {"name": "Olga Ivanova"}, **htmx())

    assert response["HX-Redirect"] == operator.get_absolute_url()
    assert Operator.objects.get().name == "Olga Ivanova"


@pytest.mark.parametrize("name", ["", "x" * 201, "boris "])
def test_it_refuses_an_empty_too_long_or_taken_operator_name(manager_client, make_operator, name):
    operator = make_operator(name="Olga")
    make_operator(name="Boris")

    response = manager_client.post(
        f"/operators/{operator.pk}/rename", {"name": name}, **htmx("operator-edit")
    )

    assert response.status_code == 422
    assert 'id="operator-edit"' in response.content.decode()
    assert Operator.objects.get(pk=operator.pk).name == "Olga"


def test_an_operator_may_not_rename(client, make_operator, operator_login):
    operator = make_operator(name="Olga")
    _me, user = operator_login()
    client.force_login(user)

    assert client.post(f"/operators/{operator.pk}/rename", {"name": "X"}).status_code == 403
