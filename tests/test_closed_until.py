# ruff: noqa: RUF001  (Russian text: its Cyrillic letters that look Latin are meant)
"""The lists, the overview and the workspace say until when a bot is closed by its hours and an
operator is off shift (rule 11): the time today, "tomorrow", or the weekday and date."""

import datetime

import pytest
from django.utils import translation

from distribution import routing
from distribution.models import Bot, BotOperator, Operator

# Monday 2027-01-04, 10:00 in UTC, the pages' zone.
MONDAY_TEN = datetime.datetime(2027, 1, 4, 10, tzinfo=datetime.UTC)


def hours(week: dict[int, tuple[str, str]], zone: str = "UTC") -> dict:
    return {"time_zone": zone, "week": [[list(week[day])] if day in week else [] for day in range(7)]}


@pytest.fixture
def monday(clock, manager_client, manager):
    """The clock at MONDAY_TEN, and the manager logged in then (its session is of that time)."""
    clock.now = MONDAY_TEN
    manager_client.force_login(manager)


@pytest.fixture
def bots(monday, bot_with_operators):
    """Bots open now, closed until 14:00, until tomorrow, until Wednesday, and always open."""
    made = {}
    for name, week in [
        ("Open", {0: ("09:00", "18:00")}),
        ("Afternoon", {0: ("14:00", "18:00")}),
        ("Tuesday", {1: ("09:00", "18:00")}),
        ("Wednesday", {2: ("09:00", "18:00")}),
        ("Always", None),
    ]:
        bot, _ = bot_with_operators(weights=[10])
        Bot.objects.filter(pk=bot.pk).update(name=name, hours=week and hours(week))
        made[name] = bot
    return made


def test_it_says_until_when_each_bot_is_closed_in_the_list(manager_client, bots):
    html = manager_client.get("/bots/").content.decode()

    assert "closed until 14:00" in html
    assert "closed until tomorrow, 09:00" in html
    assert "closed until Wed 2027-01-06, 09:00" in html
    assert html.count("closed until") == 3


def test_it_says_it_in_russian(manager_client, bots):
    with translation.override("ru"):
        html = manager_client.get("/bots/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()

    assert "закрыт до 14:00" in html
    assert "закрыт до завтра, 09:00" in html
    assert "закрыт до Ср 06.01.2027, 09:00" in html


def test_it_says_it_on_the_bots_page_with_its_hours(manager_client, bots):
    html = manager_client.get(f"/bots/{bots['Afternoon'].pk}/").content.decode()

    assert "closed until 14:00" in html
    assert "Closed now, until 14:00." in html
    assert "Open now, until 18:00." in manager_client.get(f"/bots/{bots['Open'].pk}/").content.decode()
    assert (
        "Always open: no working hours." in manager_client.get(f"/bots/{bots['Always'].pk}/").content.decode()
    )


def test_it_shows_the_hours_in_the_pages_zone(manager_client, monday, bot_with_operators):
    bot, _ = bot_with_operators(weights=[10])
    Bot.objects.filter(pk=bot.pk).update(hours=hours({0: ("17:00", "21:00")}, zone="Europe/Moscow"))

    assert "closed until 14:00" in manager_client.get("/bots/").content.decode()


def test_it_marks_the_waiting_contacts_of_a_closed_bot_in_the_overview(manager_client, bots, send):
    send(bots["Afternoon"])
    send(bots["Always"])

    html = manager_client.get("/").content.decode()

    assert "closed until 14:00" in html
    assert html.count("closed until") == 1


@pytest.fixture
def operators(monday, make_operator):
    """Operators on shift now, off shift until 14:00, until Friday, and without shifts."""
    made = {}
    for name, week in [
        ("On", {0: ("08:00", "16:00")}),
        ("Later", {0: ("14:00", "22:00")}),
        ("Friday", {4: ("08:00", "16:00")}),
        ("Free", None),
    ]:
        made[name] = make_operator(name=name)
        Operator.objects.filter(pk=made[name].pk).update(shifts=week and hours(week))
    return made


def test_it_says_until_when_each_operator_is_off_shift(manager_client, operators):
    for url in ["/operators/", "/"]:
        html = manager_client.get(url).content.decode()

        assert "off shift until 14:00" in html, url
        assert "off shift until Fri 2027-01-08, 08:00" in html, url
        assert html.count("off shift until") == 2, url


def test_it_says_it_on_the_operators_page(manager_client, operators):
    html = manager_client.get(f"/operators/{operators['Later'].pk}/").content.decode()

    assert "off shift until 14:00" in html
    assert "Off shift now, until 14:00." in html
    on = manager_client.get(f"/operators/{operators['On'].pk}/").content.decode()
    assert "On shift now, until 16:00." in on


def test_it_tells_the_operator_its_shift_at_work(client, monday, operator_login, bot_with_operators):
    operator, user = operator_login(name="Olga")
    bot, _ = bot_with_operators(weights=[10])
    BotOperator.objects.create(bot=bot, operator=operator, weight=10)
    client.force_login(user)

    assert 'id="my-shift"' not in client.get("/me/").content.decode()
    Operator.objects.filter(pk=operator.pk).update(shifts=hours({0: ("08:00", "16:00")}))
    assert "On shift now, until 16:00." in client.get("/me/").content.decode()
    Operator.objects.filter(pk=operator.pk).update(shifts=hours({1: ("08:00", "16:00")}))
    routing.apply_shift_edges()
    html = client.get("/me/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="my-contacts").content.decode()
    assert "Off shift now, until tomorrow, 08:00." in html
