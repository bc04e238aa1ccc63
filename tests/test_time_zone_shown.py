"""A login's time zone is the one its pages show times in: the contacts list, a contact's page,
and the header, which names it and links to where it is chosen."""

import datetime

import pytest

from distribution.models import Contact, ContactEvent, LoginSettings

MOMENT = datetime.datetime(2026, 12, 6, 9, 30, tzinfo=datetime.UTC)


@pytest.fixture
def in_vladivostok(client, manager):
    LoginSettings.objects.create(user=manager, time_zone="Asia/Vladivostok")
    client.force_login(manager)  # the session takes the zone at login
    return client


@pytest.fixture
def created_at_moment(contact):
    Contact.objects.filter(pk=contact.pk).update(created_at=MOMENT)
    ContactEvent.objects.filter(contact=contact).update(at=MOMENT)
    return contact


def test_it_shows_the_contacts_list_in_the_logins_zone(in_vladivostok, created_at_moment):
    html = in_vladivostok.get("/contacts/").content.decode()

    assert 'datetime="2026-12-06T19:30:00+10:00"' in html
    assert "2026-12-06T09:30:00+00:00" not in html


def test_it_shows_a_contacts_page_in_the_logins_zone(in_vladivostok, created_at_moment):
    html = in_vladivostok.get(f"/contacts/{created_at_moment.pk}/").content.decode()

    assert 'datetime="2026-12-06T19:30:00+10:00"' in html


def test_it_shows_the_sites_zone_to_a_login_without_one(manager_client, created_at_moment):
    html = manager_client.get("/contacts/").content.decode()

    assert 'datetime="2026-12-06T09:30:00+00:00"' in html
    assert "Time: UTC (UTC+00:00)" in html


def test_the_header_names_the_logins_zone_and_links_to_its_page(in_vladivostok):
    html = in_vladivostok.get("/contacts/?status=open").content.decode()

    assert 'href="/settings/time-zone?next=/contacts/%3Fstatus%3Dopen"' in html, html
    assert "Time: Asia/Vladivostok (UTC+10:00)</a>" in html


def test_the_login_page_names_the_sites_zone_without_a_link(client, db):
    html = client.get("/login/").content.decode()

    assert 'class="time-zone">Time: UTC (UTC+00:00)</span>' in html
    assert "/settings/time-zone" not in html
