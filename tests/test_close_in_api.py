"""A closed contact, read by its bot or sent in `contact.closed`, carries its close's note
(`resolution`) and who or what closed it (`closed_by`)."""

import pytest

from distribution import routing, webhooks
from distribution.models import Contact, ContactEvent, Webhook, WebhookDelivery


@pytest.fixture
def read(client, bot_and_token):
    _bot, token = bot_and_token

    def get(contact: Contact) -> dict:
        response = client.get(f"/api/contacts/{contact.pk}", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 200
        return response.json()

    return get


def test_it_answers_nulls_for_an_open_contact(read, contact):
    body = read(contact)

    assert (body["resolution"], body["closed_by"]) == (None, None)


def test_it_answers_the_note_and_the_operator_who_closed_it(read, contact, operator):
    routing.close_contact(contact=contact, reason=ContactEvent.Reason.OPERATOR, note="Sold two")

    body = read(contact)

    assert body["resolution"] == "Sold two"
    assert body["closed_by"] == {"reason": "operator", "operator": {"id": operator.pk, "name": "Olga"}}


def test_it_answers_a_managers_close_without_naming_the_manager(read, contact, manager):
    routing.close_contact(contact=contact, by=manager, note="Spam")

    assert read(contact)["closed_by"] == {"reason": "manager", "operator": None}


def test_it_answers_an_automatic_close(read, contact):
    routing.close_contact(contact=contact, reason=ContactEvent.Reason.AUTO)

    body = read(contact)

    assert (body["resolution"], body["closed_by"]) == ("", {"reason": "auto", "operator": None})


def test_the_bots_close_answers_the_bot_as_its_closer(client, bot_and_token, contact):
    _bot, token = bot_and_token

    response = client.post(
        f"/api/contacts/{contact.pk}/close",
        {"reason": "Answered by the bot"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    body = response.json()
    assert body["resolution"] == "Answered by the bot"
    assert body["closed_by"] == {"reason": "bot", "operator": None}


def test_a_second_close_by_the_bot_answers_who_closed_it_first(client, bot_and_token, contact, operator):
    _bot, token = bot_and_token
    routing.close_contact(contact=contact, reason=ContactEvent.Reason.OPERATOR, note="Done")

    response = client.post(
        f"/api/contacts/{contact.pk}/close", b"", content_type="", HTTP_AUTHORIZATION=f"Bearer {token}"
    )

    body = response.json()
    assert body["resolution"] == "Done"
    assert body["closed_by"] == {"reason": "operator", "operator": {"id": operator.pk, "name": "Olga"}}


def test_the_closed_webhook_carries_the_note_and_who_closed_it(bot_and_token, contact, operator):
    bot, _token = bot_and_token
    webhooks.save_webhook(bot=bot, url="https://hooks.example.com/minicrm", events=[Webhook.Event.CLOSED])

    routing.close_contact(contact=contact, reason=ContactEvent.Reason.OPERATOR, note="Invoice sent")

    delivery = WebhookDelivery.objects.get(event=Webhook.Event.CLOSED)
    sent = delivery.payload["data"]["contact"]
    assert sent["resolution"] == "Invoice sent"
    assert sent["closed_by"] == {"reason": "operator", "operator": {"id": operator.pk, "name": "Olga"}}


def test_a_bots_close_that_comes_second_answers_who_closed_it_first(
    client, bot_and_token, contact, operator, monkeypatch
):
    from distribution.views import intake

    _bot, token = bot_and_token
    original, calls = intake._own_contact, []

    def read_then_close(*args, **kwargs):
        read = original(*args, **kwargs)
        if not calls:
            routing.close_contact(
                contact=Contact.objects.get(pk=contact.pk), reason=ContactEvent.Reason.OPERATOR, note="First"
            )
        calls.append(read)
        return read

    monkeypatch.setattr(intake, "_own_contact", read_then_close)

    response = client.post(
        f"/api/contacts/{contact.pk}/close", b"", content_type="", HTTP_AUTHORIZATION=f"Bearer {token}"
    )

    body = response.json()
    assert (body["status"], body["resolution"]) == ("closed", "First")
    assert body["closed_by"] == {"reason": "operator", "operator": {"id": operator.pk, "name": "Olga"}}
    assert contact.events.filter(kind=ContactEvent.Kind.CLOSED).count() == 1
