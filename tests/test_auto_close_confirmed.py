"""A new auto-close time that would close open contacts at once is saved only once confirmed."""

import datetime

from distribution import routing
from distribution.models import Bot

from .conftest import htmx

MINUTE = datetime.timedelta(minutes=1)


def scene(bot_with_operators, send, clock, *, old: int = 3):
    """A bot with `old` contacts assigned ten minutes ago and one just now."""
    bot, _ = bot_with_operators(weights=[10])
    contacts = [send(bot) for _ in range(old)]
    clock.advance(10 * MINUTE)
    send(bot)
    return bot, contacts


def test_it_asks_before_saving_a_time_that_closes_contacts(manager_client, bot_with_operators, send, clock):
    bot, contacts = scene(bot_with_operators, send, clock)

    response = manager_client.post(
        f"/bots/{bot.pk}/auto-close", {"auto_close_after": "2m"}, **htmx("auto-close")
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="auto-close"')
    assert "This closes 3 open contacts now, assigned more than 2m ago: #" in html
    assert all(f"#{contact.pk} {contact.lead}" in html for contact in contacts)
    assert '<input type="hidden" name="confirmed" value="2m">' in html
    assert "Save and close them" in html
    assert Bot.objects.get(pk=bot.pk).auto_close_after is None


def test_it_saves_once_confirmed(manager_client, bot_with_operators, send, clock):
    bot, _ = scene(bot_with_operators, send, clock)

    response = manager_client.post(
        f"/bots/{bot.pk}/auto-close", {"auto_close_after": "2m", "confirmed": "2m"}, **htmx("auto-close")
    )

    assert response.status_code == 200
    assert "Save and close them" not in response.content.decode()
    assert Bot.objects.get(pk=bot.pk).auto_close_after == 2 * MINUTE
    assert len(routing.sweep_idle_contacts().closed) == 3


def test_it_asks_again_for_another_time_than_the_one_confirmed(
    manager_client, bot_with_operators, send, clock
):
    bot, _ = scene(bot_with_operators, send, clock)

    response = manager_client.post(
        f"/bots/{bot.pk}/auto-close", {"auto_close_after": "1m", "confirmed": "5m"}, **htmx("auto-close")
    )

    assert "This closes 3 open contacts now, assigned more than 1m ago" in response.content.decode()
    assert Bot.objects.get(pk=bot.pk).auto_close_after is None


def test_it_asks_on_a_page_without_javascript(manager_client, bot_with_operators, send, clock):
    bot, _ = scene(bot_with_operators, send, clock, old=1)

    response = manager_client.post(f"/bots/{bot.pk}/auto-close", {"auto_close_after": "2m"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Auto-close of " in html
    assert "This closes 1 open contact now, assigned more than 2m ago: #" in html
    assert f'action="/bots/{bot.pk}/auto-close"' in html
    assert '<input type="hidden" name="auto_close_after" value="2m">' in html
    assert '<input type="hidden" name="confirmed" value="2m">' in html
    assert Bot.objects.get(pk=bot.pk).auto_close_after is None

    confirmed = manager_client.post(
        f"/bots/{bot.pk}/auto-close", {"auto_close_after": "2m", "confirmed": "2m"}
    )

    assert confirmed.status_code == 302
    assert Bot.objects.get(pk=bot.pk).auto_close_after == 2 * MINUTE


def test_it_says_nothing_more_when_the_time_closes_none(manager_client, bot_with_operators, send, clock):
    bot, _ = scene(bot_with_operators, send, clock)

    response = manager_client.post(
        f"/bots/{bot.pk}/auto-close", {"auto_close_after": "20m"}, **htmx("auto-close")
    )

    assert "This closes" not in response.content.decode()
    assert Bot.objects.get(pk=bot.pk).auto_close_after == 20 * MINUTE


def test_it_counts_the_default_for_an_empty_time(manager_client, bot_with_operators, send, clock, settings):
    settings.AUTO_CLOSE_AFTER = 5 * MINUTE
    bot, _ = scene(bot_with_operators, send, clock, old=2)
    routing.set_bot_auto_close(bot=bot, after=datetime.timedelta(hours=1))

    response = manager_client.post(
        f"/bots/{bot.pk}/auto-close", {"auto_close_after": ""}, **htmx("auto-close")
    )

    assert "This closes 2 open contacts now, assigned more than 5m ago" in response.content.decode()
    assert Bot.objects.get(pk=bot.pk).auto_close_after == datetime.timedelta(hours=1)


def test_it_names_the_first_five(
    manager_client, bot_with_operators, send, clock, django_assert_max_num_queries
):
    bot, contacts = scene(bot_with_operators, send, clock, old=7)

    with django_assert_max_num_queries(12):
        response = manager_client.post(
            f"/bots/{bot.pk}/auto-close", {"auto_close_after": "2m"}, **htmx("auto-close")
        )

    html = response.content.decode()
    assert "This closes 7 open contacts now" in html
    assert f"#{contacts[4].pk} {contacts[4].lead}, …." in html
    assert f"#{contacts[5].pk} " not in html
