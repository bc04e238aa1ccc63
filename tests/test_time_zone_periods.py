"""A period's days are the login's: "today" starts at its midnight on the contacts list; the
report's "today" is the login's date, counted in the site's days as its daily figures are."""

import datetime
import re
from unittest import mock

import pytest

from distribution.models import Contact, DailyCloses, LoginSettings

# 16:00 in UTC, the site's zone in the tests, is already 02:00 on 7 December in Vladivostok.
NOW = datetime.datetime(2026, 12, 6, 16, tzinfo=datetime.UTC)


@pytest.fixture
def at_now():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


@pytest.fixture
def in_vladivostok(client, manager):
    LoginSettings.objects.create(user=manager, time_zone="Asia/Vladivostok")
    client.force_login(manager)
    return client


@pytest.fixture
def at_one_pm(contact):
    """The contact, created at 13:00 UTC: today in UTC, yesterday in Vladivostok."""
    Contact.objects.filter(pk=contact.pk).update(created_at=NOW - datetime.timedelta(hours=3))
    return contact


def listed(response) -> set[int]:
    return {int(pk) for pk in re.findall(r'<tr id="contact-(\d+)"', response.content.decode())}


def test_it_starts_today_at_the_logins_midnight(in_vladivostok, at_one_pm, at_now):
    response = in_vladivostok.get("/contacts/?period=today")

    assert listed(response) == set()
    assert 'name="start" value="2026-12-07"' in response.content.decode()


def test_it_starts_today_at_the_sites_midnight_without_a_zone(manager_client, at_one_pm, at_now):
    response = manager_client.get("/contacts/?period=today")

    assert listed(response) == {at_one_pm.pk}
    assert 'name="start" value="2026-12-06"' in response.content.decode()


def test_it_bounds_a_custom_day_by_the_logins_midnights(in_vladivostok, at_one_pm, at_now):
    response = in_vladivostok.get("/contacts/?period=custom&start=2026-12-06&end=2026-12-06")

    assert listed(response) == {at_one_pm.pk}  # 23:00 on 6 December in Vladivostok


def test_the_reports_today_is_the_logins_date_in_the_sites_days(in_vladivostok, bot_and_token, at_now):
    bot, _token = bot_and_token
    DailyCloses.objects.create(bot=bot, day=datetime.date(2026, 12, 6), reason="operator", contacts=3)
    DailyCloses.objects.create(bot=bot, day=datetime.date(2026, 12, 7), reason="operator", contacts=5)

    response = in_vladivostok.get("/report/?period=today")

    assert response.context["period"].first_day == datetime.date(2026, 12, 7)
    assert [count for _reason, count in response.context["closes"]] == [5]
