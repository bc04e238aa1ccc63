"""The daily figures count the site's days, whatever zone the login that closed or assigned is in."""

import datetime
from unittest import mock

from distribution.models import DailyAssignments, DailyCloses, LoginSettings

from .conftest import htmx

# 16:00 in UTC, the site's zone in the tests: 02:00 on 7 December in Vladivostok.
NOW = datetime.datetime(2026, 12, 6, 16, tzinfo=datetime.UTC)


def test_it_counts_a_close_from_a_page_on_the_sites_day(client, manager, contact):
    LoginSettings.objects.create(user=manager, time_zone="Asia/Vladivostok")
    client.force_login(manager)

    with mock.patch("django.utils.timezone.now", return_value=NOW):
        response = client.post(f"/contacts/{contact.pk}/close", {"note": "Done"}, **htmx("contact-actions"))

    assert response.status_code == 200
    assert list(DailyCloses.objects.values_list("day", flat=True)) == [datetime.date(2026, 12, 6)]


def test_it_counts_a_reopening_from_a_page_on_the_sites_day(client, manager, contact, operator):
    LoginSettings.objects.create(user=manager, time_zone="Asia/Vladivostok")
    client.force_login(manager)
    client.post(f"/contacts/{contact.pk}/close", {"note": "Done"}, **htmx("contact-actions"))
    DailyAssignments.objects.all().delete()

    with mock.patch("django.utils.timezone.now", return_value=NOW):
        client.post(f"/contacts/{contact.pk}/reopen", {"operator": operator.pk}, **htmx("contact-actions"))

    assert list(DailyAssignments.objects.values_list("day", flat=True)) == [datetime.date(2026, 12, 6)]
