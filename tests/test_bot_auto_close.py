"""A bot's own time after which its idle contacts close, set on the bot's page."""

import datetime

from distribution.models import Bot

from .conftest import htmx


def test_it_sets_a_bots_own_time(manager_client, bot_with_operators):
    bot, _ = bot_with_operators(weights=[10])

    response = manager_client.post(
        f"/bots/{bot.pk}/auto-close", {"auto_close_after": "90m"}, **htmx("auto-close")
    )

    assert response.status_code == 200
    assert Bot.objects.get(pk=bot.pk).auto_close_after == datetime.timedelta(minutes=90)
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="auto-close"')
    assert 'value="1h30m"' in html


def test_an_empty_time_follows_the_default_again(manager_client, bot_with_operators, settings):
    settings.AUTO_CLOSE_AFTER = datetime.timedelta(hours=24)
    bot, _ = bot_with_operators(weights=[10])
    Bot.objects.filter(pk=bot.pk).update(auto_close_after=datetime.timedelta(hours=1))

    response = manager_client.post(
        f"/bots/{bot.pk}/auto-close", {"auto_close_after": ""}, **htmx("auto-close")
    )

    assert Bot.objects.get(pk=bot.pk).auto_close_after is None
    assert "The default is 1d (<code>AUTO_CLOSE_AFTER</code>)" in response.content.decode()


def test_a_bad_time_is_a_form_error_in_place(manager_client, bot_with_operators):
    bot, _ = bot_with_operators(weights=[10])

    response = manager_client.post(
        f"/bots/{bot.pk}/auto-close", {"auto_close_after": "tomorrow"}, **htmx("auto-close")
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert "Write a time like 90m, 24h or 2d" in html
    assert 'value="tomorrow"' in html
    assert Bot.objects.get(pk=bot.pk).auto_close_after is None


def test_a_bad_time_without_javascript_comes_back_as_a_message(manager_client, bot_with_operators):
    bot, _ = bot_with_operators(weights=[10])

    response = manager_client.post(f"/bots/{bot.pk}/auto-close", {"auto_close_after": "400d"}, follow=True)

    assert "Write a time like 90m, 24h or 2d (at most 365d)" in response.content.decode()
    assert Bot.objects.get(pk=bot.pk).auto_close_after is None


def test_the_bot_page_shows_the_current_time(manager_client, bot_with_operators):
    bot, _ = bot_with_operators(weights=[10])
    Bot.objects.filter(pk=bot.pk).update(auto_close_after=datetime.timedelta(days=2))

    html = manager_client.get(f"/bots/{bot.pk}/").content.decode()

    assert 'name="auto_close_after" type="text" size="8" value="2d"' in html
    assert "By default they never are" in html
