"""A manager archives an operator: switched off for good, its open contacts handed back to the
queue, gone from lists and routing, its history kept; and unarchives it, switched off."""

import pytest

from distribution import routing
from distribution.models import Contact, ContactEvent, Operator

from .conftest import htmx


@pytest.fixture
def scene(bot_with_operators, send):
    bot, (olga, boris) = bot_with_operators(weights=[10, 10])
    olga.name, boris.name = "Olga", "Boris"
    olga.save(), boris.save()
    contacts = [send(bot), send(bot)]
    return bot, olga, boris, contacts


def test_it_asks_first_without_javascript(manager_client, scene):
    _bot, olga, _boris, _contacts = scene

    response = manager_client.get(f"/operators/{olga.pk}/archive")

    assert response.status_code == 200
    assert f'<form method="post" action="/operators/{olga.pk}/archive">' in response.content.decode()
    assert Operator.objects.get(pk=olga.pk).archived_at is None


def test_it_archives_switches_off_and_reassigns_the_open_contacts(manager_client, scene):
    _bot, olga, boris, _contacts = scene
    held = list(Contact.objects.filter(operator=olga))
    assert held

    response = manager_client.post(f"/operators/{olga.pk}/archive", **htmx())

    assert response.status_code == 200
    olga.refresh_from_db()
    assert olga.archived_at is not None
    assert not olga.is_active
    for contact in held:
        contact.refresh_from_db()
        assert contact.operator == boris
        assert contact.events.filter(kind=ContactEvent.Kind.HANDED_BACK, operator=olga).exists()


def test_an_archived_operator_gets_no_contact_and_cannot_be_switched_on(manager_client, scene, send):
    bot, olga, _boris, _contacts = scene
    routing.archive_operator(operator=olga)

    response = manager_client.post(f"/operators/{olga.pk}/switch", {"is_active": "on"})
    routing.set_operator_active(operator=olga, is_active=True)

    assert response.status_code == 302
    assert not Operator.objects.get(pk=olga.pk).is_active
    assert all(send(bot).operator != olga for _ in range(4))


def test_it_leaves_the_lists_and_filters_and_comes_back_switched_off(manager_client, scene):
    bot, olga, _boris, _contacts = scene
    routing.archive_operator(operator=olga)

    assert f"/operators/{olga.pk}/" not in manager_client.get("/operators/").content.decode()
    assert f"/operators/{olga.pk}/" in manager_client.get("/operators/?archived=1").content.decode()
    assert "Olga" not in manager_client.get("/").content.decode()
    assert "Olga" not in manager_client.get(bot.get_absolute_url()).content.decode()
    assert '">Olga</option>' not in manager_client.get("/contacts/").content.decode()
    # Its history still names it, and a link from there still filters by it.
    filtered = manager_client.get(f"/contacts/?operator={olga.pk}")
    assert filtered.status_code == 200
    assert f'<option value="{olga.pk}" selected>Olga</option>' in filtered.content.decode()

    response = manager_client.post(f"/operators/{olga.pk}/unarchive", follow=True)

    assert "Olga is back, switched off: switch it on to give it contacts." in response.content.decode()
    olga.refresh_from_db()
    assert olga.archived_at is None
    assert not olga.is_active
    assert f"/operators/{olga.pk}/" in manager_client.get("/operators/").content.decode()


def test_its_login_sees_it_is_archived_and_cannot_be_available(client, operator_login):
    operator, user = operator_login(name="Olga")
    routing.archive_operator(operator=operator)
    client.force_login(user)

    assert "A manager archived you" in client.get("/me/").content.decode()
    client.post("/me/available")
    assert not Operator.objects.get(pk=operator.pk).is_active


def test_its_shifts_do_not_switch_it_on(scene):
    _bot, olga, _boris, _contacts = scene
    routing.archive_operator(operator=olga)
    always = {"time_zone": "UTC", "week": [[["00:00", "24:00"]]] * 7, "days_off": []}
    Operator.objects.filter(pk=olga.pk).update(shifts=always)

    switched, _assigned = routing.apply_shift_edges()

    assert olga.pk not in [operator.pk for operator in switched]


def test_an_operator_may_not_archive(client, scene, operator_login):
    _bot, olga, _boris, _contacts = scene
    _operator, user = operator_login()
    client.force_login(user)

    assert client.post(f"/operators/{olga.pk}/archive").status_code == 403
    assert client.post(f"/operators/{olga.pk}/unarchive").status_code == 403


def test_a_second_tabs_unarchive_says_it_was_not_archived(manager_client, scene):
    _bot, olga, _boris, _contacts = scene

    response = manager_client.post(f"/operators/{olga.pk}/unarchive", follow=True)

    assert "Olga was not archived." in response.content.decode()
    assert Operator.objects.get(pk=olga.pk).is_active


def test_its_history_still_names_it(manager_client, scene):
    _bot, olga, _boris, contacts = scene
    held = next(contact for contact in contacts if contact.operator_id == olga.pk)
    routing.archive_operator(operator=olga)

    assert "Olga" in manager_client.get("/report/?period=7d").content.decode()
    assert "Olga" in manager_client.get(held.get_absolute_url()).content.decode()
