"""A bot tells that its contact's operator answered (rule 8): POST /api/contacts/<id>/accept or
/api/contacts/accept?external_id=; and the webhooks tell a bot when a contact is taken or passed on."""

import datetime

from distribution import routing
from distribution.models import ContactEvent, Webhook, WebhookDelivery

from .test_bot_api import api  # noqa: F401  (a fixture)
from .test_webhooks_outbox import hook


def test_it_takes_the_bot_s_own_contact_once(api, contact):  # noqa: F811
    first = api("post", f"/api/contacts/{contact.pk}/accept")
    again = api("post", "/api/contacts/accept?external_id=msg-1", {})

    assert first.status_code == again.status_code == 200
    assert first.json()["accepted_at"] is not None
    assert again.json() == first.json()
    (event,) = contact.events.filter(kind=ContactEvent.Kind.ACCEPTED)
    assert (event.reason, event.bot_id) == (ContactEvent.Reason.BOT, contact.bot_id)


def test_another_bot_s_contact_is_not_found(api, strangers_contact):  # noqa: F811
    response = api("post", f"/api/contacts/{strangers_contact.pk}/accept")

    assert response.status_code == 404
    assert not strangers_contact.events.filter(kind=ContactEvent.Kind.ACCEPTED).exists()


def test_a_waiting_contact_cannot_be_taken(api, bot_and_token):  # noqa: F811
    bot, _ = bot_and_token
    waiting = routing.register_contact(bot=bot, identity=routing.LeadIdentity(external_id="tg-2")).contact

    response = api("post", f"/api/contacts/{waiting.pk}/accept")

    assert response.status_code == 409
    assert response.json() == {"error": "This contact waits in the queue: no operator has it to take."}


def test_a_closed_contact_cannot_be_taken(api, contact):  # noqa: F811
    routing.close_contact(contact=contact)

    response = api("post", f"/api/contacts/{contact.pk}/accept")

    assert response.status_code == 409
    assert response.json() == {"error": "This contact is closed."}


def test_it_refuses_a_body_with_fields(api, contact):  # noqa: F811
    response = api("post", f"/api/contacts/{contact.pk}/accept", {"operator": 1})

    assert response.status_code == 400
    assert response.json()["fields"] == {"operator": "Unknown field."}


def test_a_taken_contact_tells_its_webhook(bot_and_token, contact):
    bot, _ = bot_and_token
    hook(bot)

    routing.accept_contact(contact=contact, bot=bot)

    delivery = WebhookDelivery.objects.get(event=Webhook.Event.ACCEPTED)
    assert delivery.payload["data"]["reason"] == ContactEvent.Reason.BOT
    assert delivery.payload["data"]["contact"]["accepted_at"] is not None


def test_a_contact_passed_on_tells_its_webhook_who_has_it_now(settings, bot_with_operators, send):
    settings.ANSWER_WITHIN = datetime.timedelta(minutes=5)
    bot, (anna, boris) = bot_with_operators(weights=[10, 10])
    hook(bot)
    contact = send(bot)

    routing.pass_on_due(now=contact.assigned_at + datetime.timedelta(minutes=5))

    delivery = WebhookDelivery.objects.get(event=Webhook.Event.PASSED_ON)
    other = boris if contact.operator_id == anna.pk else anna
    assert delivery.payload["data"]["contact"]["operator"] == {"id": other.pk, "name": other.name}
    assert delivery.payload["data"]["reason"] == ContactEvent.Reason.PASSED_ON
