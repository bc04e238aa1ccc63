"""The overview's queue says how long each contact has waited since it joined the queue: a
contact handed back to it waits from then, not from its creation."""

from datetime import timedelta

from django.utils import timezone

from distribution import routing
from distribution.models import Contact, ContactEvent

from .conftest import htmx


def test_a_handed_back_contact_waits_from_its_return(manager_client, bot_with_operators, send):
    bot, (operator,) = bot_with_operators(weights=[10])
    contact = send(bot)
    Contact.objects.filter(pk=contact.pk).update(created_at=timezone.now() - timedelta(days=3, hours=5))
    routing.hand_over_contacts(operator=operator)
    ContactEvent.objects.filter(contact=contact, kind=ContactEvent.Kind.HANDED_BACK).update(
        at=timezone.now() - timedelta(minutes=10)
    )

    html = manager_client.get("/", **htmx("queue")).content.decode()

    assert f"#{contact.pk}" in html
    assert "10\xa0minutes" in html
    assert "3\xa0days" not in html


def test_a_new_contact_waits_from_its_creation(manager_client, bot_with_operators, send):
    bot, (operator,) = bot_with_operators(weights=[10])
    routing.set_operator_active(operator=operator, is_active=False)
    contact = send(bot)
    Contact.objects.filter(pk=contact.pk).update(created_at=timezone.now() - timedelta(hours=2))

    html = manager_client.get("/", **htmx("queue")).content.decode()

    assert "2\xa0hours" in html
