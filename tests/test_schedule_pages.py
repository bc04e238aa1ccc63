"""A bot's working hours and an operator's shifts, edited on their pages (rule 11): a plain form
POST without JavaScript, the card swapped with htmx, errors kept beside what was typed."""

import datetime

import pytest

from distribution.models import Bot, Contact, Operator

from .conftest import htmx

WEEK = {
    "time_zone": "Europe/Moscow",
    "day0-0-start": "09:00",
    "day0-0-end": "13:00",
    "day0-1-start": "14:00",
    "day0-1-end": "18:00",
    "day5-0-start": "22:00",
    "day5-0-end": "06:00",
    "days_off": "2027-01-01",
}
STORED = {
    "time_zone": "Europe/Moscow",
    "week": [
        [["09:00", "13:00"], ["14:00", "18:00"]],
        [],
        [],
        [],
        [],
        [["22:00", "24:00"]],
        [["00:00", "06:00"]],
    ],
    "days_off": ["2027-01-01"],
}
# Saturday 2027-01-02, 12:00 in Moscow (09:00 in UTC, the pages' zone): closed until 22:00 there.
SATURDAY_NOON = datetime.datetime(2027, 1, 2, 9, tzinfo=datetime.UTC)


@pytest.fixture
def saturday(clock, manager_client, manager):
    """The clock at SATURDAY_NOON, and the manager logged in then (its session is of that time)."""
    clock.now = SATURDAY_NOON
    manager_client.force_login(manager)


def test_it_saves_a_bots_week_from_a_plain_form(manager_client, bot_with_operators, saturday):
    bot, _ = bot_with_operators(weights=[10])

    response = manager_client.post(f"/bots/{bot.pk}/hours", WEEK)

    assert response.status_code == 302
    assert response.url == f"/bots/{bot.pk}/"
    assert Bot.objects.get(pk=bot.pk).hours == STORED
    html = manager_client.get(response.url).content.decode()
    assert f"Working hours of {bot.name} saved." in html
    assert 'name="day5-0-start" type="text"' in html
    assert 'value="22:00"' in html
    assert "2027-01-01" in html
    assert "Closed now, until 19:00." in html


def test_it_saves_a_bots_week_with_htmx_and_refreshes_the_heading(
    manager_client, bot_with_operators, saturday
):
    bot, _ = bot_with_operators(weights=[10])

    response = manager_client.post(f"/bots/{bot.pk}/hours", WEEK, **htmx("hours"))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="hours"')
    assert f"Working hours of {bot.name} saved." in html
    assert '<h1 id="bot-heading" hx-swap-oob="true">' in html
    assert "closed until 19:00" in html
    assert Bot.objects.get(pk=bot.pk).hours == STORED


def test_it_keeps_what_was_typed_beside_the_error_without_javascript(manager_client, bot_with_operators):
    bot, _ = bot_with_operators(weights=[10])
    typed = {**WEEK, "day0-1-start": "12:00"}

    response = manager_client.post(f"/bots/{bot.pk}/hours", typed)

    html = response.content.decode()
    assert response.status_code == 422
    assert "<html" in html
    assert "Monday&#x27;s hours overlap." in html
    assert 'value="12:00" aria-label="Monday, interval 2: from"' in html
    assert 'aria-invalid="true"' in html
    assert Bot.objects.get(pk=bot.pk).hours is None


def test_it_answers_an_error_with_the_card_alone_to_htmx(manager_client, bot_with_operators):
    bot, _ = bot_with_operators(weights=[10])

    response = manager_client.post(f"/bots/{bot.pk}/hours", {**WEEK, "days_off": "tomorrow"}, **htmx("hours"))

    html = response.content.decode()
    assert response.status_code == 422
    assert html.lstrip().startswith('<section id="hours"')
    assert "“tomorrow” is not a date" in html
    assert 'value="22:00"' in html


def test_it_makes_a_bot_always_open_again_and_drains_its_queue(manager_client, bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])
    Bot.objects.filter(pk=bot.pk).update(hours={**STORED, "week": [[]] * 6 + [[["00:00", "00:01"]]]})
    waiting = send(bot)
    assert waiting.status == Contact.Status.WAITING

    response = manager_client.post(f"/bots/{bot.pk}/hours", {"remove": "on"})

    assert response.status_code == 302
    assert Bot.objects.get(pk=bot.pk).hours is None
    assert Contact.objects.get(pk=waiting.pk).status == Contact.Status.OPEN
    html = manager_client.get(response.url).content.decode()
    assert f"{bot.name} is always open now." in html
    assert "1 waiting contact assigned from the queue." in html
    assert "Always open: no working hours." in html


def test_it_refuses_a_get_and_an_operator(client, manager_client, bot_with_operators, operator_login):
    bot, _ = bot_with_operators(weights=[10])
    _operator, user = operator_login()

    assert manager_client.get(f"/bots/{bot.pk}/hours").status_code == 405
    client.force_login(user)
    assert client.post(f"/bots/{bot.pk}/hours", WEEK).status_code == 403
    assert Bot.objects.get(pk=bot.pk).hours is None


def test_it_saves_an_operators_shifts_from_a_plain_form(manager_client, make_operator, saturday):
    operator = make_operator(name="Olga")

    response = manager_client.post(f"/operators/{operator.pk}/shifts", WEEK)

    assert response.status_code == 302
    assert response.url == f"/operators/{operator.pk}/"
    assert Operator.objects.get(pk=operator.pk).shifts == STORED
    html = manager_client.get(response.url).content.decode()
    assert "Shifts of Olga saved: the service applies them shortly." in html
    assert "Off shift now, until 19:00." in html


def test_it_saves_an_operators_shifts_with_htmx(manager_client, make_operator):
    operator = make_operator(name="Olga")

    response = manager_client.post(f"/operators/{operator.pk}/shifts", WEEK, **htmx("shifts"))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="shifts"')
    assert "Shifts of Olga saved" in html
    assert Operator.objects.get(pk=operator.pk).shifts == STORED


def test_it_refuses_bad_shifts_with_the_error_in_the_page(manager_client, make_operator):
    operator = make_operator(name="Olga")

    response = manager_client.post(f"/operators/{operator.pk}/shifts", {**WEEK, "time_zone": "Mars/Olympus"})

    html = response.content.decode()
    assert response.status_code == 422
    assert "<html" in html
    assert "Choose a time zone from the list." in html
    assert Operator.objects.get(pk=operator.pk).shifts is None


def test_it_takes_an_operators_shifts_away(manager_client, make_operator):
    operator = make_operator(name="Olga")
    Operator.objects.filter(pk=operator.pk).update(shifts=STORED)

    response = manager_client.post(f"/operators/{operator.pk}/shifts", {"remove": "on"}, **htmx("shifts"))

    html = response.content.decode()
    assert Operator.objects.get(pk=operator.pk).shifts is None
    assert "Olga has no shifts now: switch them on and away by hand." in html
    assert "No shifts: switched on and away by hand only." in html
