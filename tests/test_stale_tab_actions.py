# ruff: noqa: RUF001 - the Russian pages are read with Cyrillic letters that look like Latin ones.
"""A second tab, left open, acts on what another tab (or someone else) already did: every message
says what really happened, never that it did what it did not."""

import pytest

from distribution import routing, webhooks
from distribution.models import BotOperator, Contact, ContactEvent, Webhook

from .conftest import htmx


@pytest.fixture
def scene(bot_with_operators, operator_login):
    """One bot with operator "Olga Kim" (with a login) and one more operator."""
    bot, (other,) = bot_with_operators(weights=[10])
    operator, user = operator_login(name="Olga Kim")
    BotOperator.objects.create(bot=bot, operator=operator, weight=1000)
    return bot, operator, user, other


def test_it_says_who_closed_a_contact_that_a_manager_closes_again(manager_client, scene, send):
    bot, _operator, user, _other = scene
    contact = send(bot)
    routing.close_contact(contact=contact, by=user, reason=ContactEvent.Reason.OPERATOR, note="Paid")

    response = manager_client.post(f"/contacts/{contact.pk}/close", {"note": "Mine"}, follow=True)

    html = response.content.decode()
    assert f"Contact #{contact.pk} was already closed by its operator Olga Kim at " in html
    assert f"Contact #{contact.pk} closed." not in html
    contact.refresh_from_db()
    assert contact.resolution == "Paid"
    assert contact.events.filter(kind=ContactEvent.Kind.CLOSED).count() == 1


def test_it_says_who_closed_a_contact_closed_while_the_manager_clicked(
    manager_client, scene, send, monkeypatch
):
    from distribution.views import contacts

    bot, _operator, _user, _other = scene
    contact = send(bot)
    original = contacts.get_object_or_404

    def read_then_close(*args, **kwargs):
        read = original(*args, **kwargs)
        routing.close_contact(contact=Contact.objects.get(pk=contact.pk), bot=bot, reason="bot")
        return read

    monkeypatch.setattr(contacts, "get_object_or_404", read_then_close)

    response = manager_client.post(f"/contacts/{contact.pk}/close", **htmx())

    html = response.content.decode()
    assert f"was already closed by the bot {bot.name} at " in html
    assert f"Contact #{contact.pk} closed." not in html


def test_it_tells_an_operator_that_a_manager_closed_its_contact(client, scene, send, manager):
    bot, _operator, user, _other = scene
    contact = send(bot)
    routing.close_contact(contact=contact, by=manager)
    client.force_login(user)

    response = client.post(f"/me/contacts/{contact.pk}/close", **htmx())

    assert f"Contact #{contact.pk} was already closed by manager at " in response.content.decode()


def test_it_does_not_report_a_repeated_hand_over_as_done(manager_client, scene, send):
    bot, operator, _user, _other = scene
    send(bot)
    routing.hand_over_contacts(operator=operator)

    response = manager_client.post(f"/operators/{operator.pk}/hand-over", **htmx())

    html = response.content.decode()
    assert "Olga Kim was already switched off and has no open contacts: nothing was handed over." in html
    assert "0 open contacts" not in html


def test_it_says_an_operator_without_contacts_was_switched_off(manager_client, scene):
    operator = scene[1]

    response = manager_client.post(f"/operators/{operator.pk}/hand-over", **htmx())

    assert "Olga Kim switched off; they had no open contacts." in response.content.decode()


def test_it_says_an_operator_was_already_switched_off(manager_client, scene):
    operator = scene[1]
    routing.set_operator_active(operator=operator, is_active=False)

    response = manager_client.post(f"/operators/{operator.pk}/switch", **htmx())

    assert "Olga Kim was already switched off." in response.content.decode()


def test_it_says_an_operator_was_already_switched_on(manager_client, scene):
    operator = scene[1]

    response = manager_client.post(f"/operators/{operator.pk}/switch", {"is_active": "on"}, **htmx())

    assert "Olga Kim was already switched on." in response.content.decode()


def test_it_tells_an_operator_it_was_already_away(client, scene):
    operator, user = scene[1], scene[2]
    routing.set_operator_active(operator=operator, is_active=False)
    client.force_login(user)

    response = client.post("/me/away", **htmx("my-status"))

    assert "You were already away" in response.content.decode()


def test_it_tells_an_operator_it_was_already_available(client, scene):
    client.force_login(scene[2])

    response = client.post("/me/available", **htmx("my-status"))

    assert "You were already available" in response.content.decode()


def test_it_says_a_webhook_was_already_switched_off(manager_client, scene):
    bot = scene[0]
    webhook_url = "https://hooks.example.com/minicrm"
    webhooks.save_webhook(bot=bot, url=webhook_url, events=[Webhook.Event.CLOSED])
    webhooks.set_webhook_active(webhook=bot.webhook, is_active=False)

    response = manager_client.post(f"/bots/{bot.pk}/webhook/switch", **htmx())

    assert f"Webhook of {bot.name} was already switched off." in response.content.decode()


def test_it_says_a_lead_was_not_marked_as_a_duplicate(manager_client, scene, send):
    lead = send(scene[0]).lead

    response = manager_client.post(f"/leads/{lead.pk}/not-duplicate", follow=True)

    assert f"Lead #{lead.pk} was not marked as a possible duplicate." in response.content.decode()


def test_it_tells_an_operator_whose_close_came_second_who_closed_it(
    client, scene, send, manager, monkeypatch
):
    from distribution.views import workspace

    bot, _operator, user, _other = scene
    contact = send(bot)
    original = workspace.get_object_or_404

    def read_then_close(*args, **kwargs):
        read = original(*args, **kwargs)
        routing.close_contact(contact=Contact.objects.get(pk=contact.pk), by=manager, note="Spam")
        return read

    monkeypatch.setattr(workspace, "get_object_or_404", read_then_close)
    client.force_login(user)

    response = client.post(f"/me/contacts/{contact.pk}/close", {"note": "Mine"}, **htmx())

    assert f"Contact #{contact.pk} was already closed by manager at " in response.content.decode()
    contact.refresh_from_db()
    assert contact.resolution == "Spam"


def test_it_says_who_closed_it_in_russian(manager_client, scene, send):
    bot, _operator, user, _other = scene
    contact = send(bot)
    routing.close_contact(contact=contact, by=user, reason=ContactEvent.Reason.OPERATOR)

    response = manager_client.post(f"/contacts/{contact.pk}/close", HTTP_ACCEPT_LANGUAGE="ru", follow=True)

    assert f"Контакт #{contact.pk} уже закрыт его оператором Olga Kim, " in response.content.decode()
