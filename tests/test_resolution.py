"""The resolution note of a close is stored on the contact, in the close's transaction."""

import pytest

from distribution import routing
from distribution.models import Contact, ContactEvent


def test_it_keeps_the_note_on_the_contact(bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])
    contact = send(bot)

    routing.close_contact(contact=contact, reason=ContactEvent.Reason.OPERATOR, note="Refund sent")

    assert contact.resolution == "Refund sent"
    contact.refresh_from_db()
    assert contact.resolution == "Refund sent"
    assert contact.events.get(kind=ContactEvent.Kind.CLOSED).note == "Refund sent"


def test_it_keeps_the_first_note_when_closed_again(bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])
    contact = send(bot)
    routing.close_contact(contact=contact, note="Refund sent")

    routing.close_contact(contact=Contact.objects.get(pk=contact.pk), note="Something else")

    contact.refresh_from_db()
    assert contact.resolution == "Refund sent"


def test_it_refuses_a_note_longer_than_the_field(bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])
    contact = send(bot)

    with pytest.raises(ValueError, match="at most 500 characters"):
        routing.close_contact(contact=contact, note="x" * 501)

    contact.refresh_from_db()
    assert contact.status == Contact.Status.OPEN
    assert not contact.events.filter(kind=ContactEvent.Kind.CLOSED).exists()
