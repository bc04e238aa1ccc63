"""A manager transfers an open contact to an operator with room, or reopens a closed one: to its
operator when it has room, else to the queue (issue 19)."""

import pytest

from distribution import routing
from distribution.models import Contact, ContactEvent, DailyAssignments

Kind, Reason = ContactEvent.Kind, ContactEvent.Reason


def fresh(contact: Contact) -> Contact:
    return Contact.objects.get(pk=contact.pk)


def test_it_transfers_a_contact_and_the_freed_place_drains(bot_with_operators, send, manager):
    sales, (anna, boris) = bot_with_operators(weights=[10, 1], capacities=[1, 1])
    support, _ = bot_with_operators(weights=[])
    routing.set_weight(bot=support, operator=anna, weight=10)
    contact = send(sales)
    routing.accept_contact(contact=contact)
    waiting = send(support)  # Anna is full
    assert (contact.operator_id, fresh(waiting).status) == (anna.pk, Contact.Status.WAITING)

    assigned = routing.transfer_contact(contact=contact, to=boris, by=manager, note="Speaks Spanish")

    moved = fresh(contact)
    assert (moved.operator_id, moved.accepted_at) == (boris.pk, None)
    event = moved.events.filter(kind=Kind.ASSIGNED).last()
    assert (event.reason, event.actor, event.note, event.operator) == (
        Reason.TRANSFER,
        manager,
        "Speaks Spanish",
        boris,
    )
    assert DailyAssignments.objects.get(bot=sales, operator=boris).contacts == 1
    assert [c.pk for c in assigned] == [waiting.pk]
    assert fresh(waiting).operator_id == anna.pk


@pytest.mark.parametrize("why", ["full", "off", "same", "closed"])
def test_it_refuses_a_transfer_it_cannot_make(bot_with_operators, send, why):
    bot, (anna, boris) = bot_with_operators(weights=[10, 1], capacities=[1, 1])
    contact = send(bot)
    if why == "full":
        send(bot)  # Boris's one place
    elif why == "off":
        routing.set_operator_active(operator=boris, is_active=False)
    elif why == "closed":
        routing.close_contact(contact=contact)
    target = anna if why == "same" else boris

    with pytest.raises(routing.ActionRefused):
        routing.transfer_contact(contact=fresh(contact), to=target)

    assert fresh(contact).operator_id == anna.pk


def test_it_reopens_a_contact_to_its_operator(bot_with_operators, send, manager):
    bot, (anna,) = bot_with_operators(weights=[10])
    contact = send(bot)
    routing.accept_contact(contact=contact)
    routing.close_contact(contact=contact, note="Sold")

    reopened = routing.reopen_contact(contact=fresh(contact), by=manager)

    assert (reopened.status, reopened.operator_id, reopened.closed_at) == (Contact.Status.OPEN, anna.pk, None)
    assert (reopened.resolution, reopened.accepted_at) == ("", None)
    assert reopened.events.last().reason == Reason.REOPENED


def test_it_reopens_to_the_queue_when_its_operator_is_full(bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10], capacities=[1])
    contact = send(bot)
    routing.close_contact(contact=contact)
    send(bot)  # the freed place is taken

    reopened = routing.reopen_contact(contact=fresh(contact))

    assert (reopened.status, reopened.operator_id) == (Contact.Status.WAITING, None)
    assert reopened.events.last().kind == Kind.HANDED_BACK


def test_only_a_closed_contact_is_reopened(bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])
    contact = send(bot)

    with pytest.raises(routing.ActionRefused):
        routing.reopen_contact(contact=contact)
