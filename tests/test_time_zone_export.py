"""The contacts file has its times in the login's zone, which its headers name."""

import datetime

from distribution.models import Contact, LoginSettings

from .test_contacts_export import rows_of


def test_it_exports_the_times_in_the_logins_zone(client, manager, contact):
    LoginSettings.objects.create(user=manager, time_zone="Asia/Vladivostok")
    client.force_login(manager)
    Contact.objects.filter(pk=contact.pk).update(
        created_at=datetime.datetime(2026, 12, 6, 9, 30, tzinfo=datetime.UTC)
    )

    header, row = rows_of(client.get("/contacts/export.csv"))

    assert header[9:13] == [
        "Created (Asia/Vladivostok)",
        "Assigned (Asia/Vladivostok)",
        "Taken (Asia/Vladivostok)",
        "Closed (Asia/Vladivostok)",
    ]
    assert row[9] == "2026-12-06 19:30:00"


def test_it_names_the_sites_zone_for_a_login_without_one(manager_client, contact):
    header, _row = rows_of(manager_client.get("/contacts/export.csv"))

    assert header[9] == "Created (UTC)"
