"""Rule 7: a bot's external_id names one contact."""

import pytest

from distribution import routing
from distribution.models import Contact
from distribution.routing import LeadIdentity

ANNA = LeadIdentity(external_id="tg-1", email="anna@example.com")


def test_it_replays_a_known_external_id(bot_with_operators):
    bot, _ = bot_with_operators(weights=[10])
    first = routing.register_contact(bot=bot, identity=ANNA, message="Hi", external_id="msg-1")

    again = routing.register_contact(bot=bot, identity=ANNA, message="Hi", external_id="msg-1")

    assert again.replayed
    assert not first.replayed
    assert again.contact == first.contact
    assert not again.lead_created
    assert Contact.objects.count() == 1


def test_a_replay_does_not_move_the_round_robin(bot_with_operators):
    bot, (_a, b) = bot_with_operators(weights=[10, 10])
    routing.register_contact(bot=bot, identity=ANNA, external_id="msg-1")
    routing.register_contact(bot=bot, identity=ANNA, external_id="msg-1")

    second = routing.register_contact(bot=bot, identity=ANNA, external_id="msg-2")

    assert second.contact.operator == b


def test_a_replay_is_recognised_by_any_identifier_of_the_lead(bot_with_operators):
    bot, _ = bot_with_operators(weights=[10])
    first = routing.register_contact(bot=bot, identity=ANNA, external_id="msg-1")

    again = routing.register_contact(
        bot=bot, identity=LeadIdentity(email="anna@example.com"), external_id="msg-1"
    )

    assert again.replayed
    assert again.contact == first.contact


def test_the_same_key_with_another_lead_conflicts(bot_with_operators):
    bot, _ = bot_with_operators(weights=[10])
    first = routing.register_contact(bot=bot, identity=ANNA, message="Hi", external_id="msg-1")

    with pytest.raises(routing.IdempotencyConflict) as conflict:
        routing.register_contact(
            bot=bot, identity=LeadIdentity(external_id="tg-2"), message="Hi", external_id="msg-1"
        )

    assert conflict.value.contact == first.contact
    assert Contact.objects.count() == 1


def test_the_same_key_with_another_message_conflicts(bot_with_operators):
    bot, _ = bot_with_operators(weights=[10])
    routing.register_contact(bot=bot, identity=ANNA, message="Hi", external_id="msg-1")

    with pytest.raises(routing.IdempotencyConflict):
        routing.register_contact(bot=bot, identity=ANNA, message="Bye", external_id="msg-1")

    assert Contact.objects.get().message == "Hi"


def test_the_same_key_on_another_bot_is_another_contact(bot_with_operators):
    telegram, _ = bot_with_operators(weights=[10])
    whatsapp, _ = bot_with_operators(weights=[10])
    routing.register_contact(bot=telegram, identity=ANNA, external_id="msg-1")

    other = routing.register_contact(bot=whatsapp, identity=ANNA, external_id="msg-1")

    assert not other.replayed
    assert Contact.objects.count() == 2


def test_contacts_without_a_key_are_never_replays(bot_with_operators):
    bot, _ = bot_with_operators(weights=[10])
    routing.register_contact(bot=bot, identity=ANNA, message="Hi")

    assert not routing.register_contact(bot=bot, identity=ANNA, message="Hi").replayed
    assert Contact.objects.count() == 2
