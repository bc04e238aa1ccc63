"""Rule 5: nobody eligible -> waiting; the queue drains oldest first whenever capacity appears."""

import pytest

from distribution import routing
from distribution.models import Contact, Operator


@pytest.fixture
def full_bot(bot_with_operators, send):
    """A bot whose one operator (capacity 1) is busy, with three contacts waiting."""
    bot, (operator,) = bot_with_operators(weights=[10], capacities=[1])
    busy = send(bot)
    waiting = [send(bot) for _ in range(3)]
    return bot, operator, busy, waiting


def test_it_queues_when_everyone_is_full(full_bot):
    _bot, _operator, busy, waiting = full_bot

    assert busy.status == Contact.Status.OPEN
    assert [c.status for c in waiting] == [Contact.Status.WAITING] * 3
    assert all(c.operator is None and c.assigned_at is None for c in waiting)


def test_it_queues_when_the_bot_has_no_operator(bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[])

    assert send(bot).status == Contact.Status.WAITING


def test_it_queues_when_everyone_is_switched_off(bot_with_operators, send):
    bot, operators = bot_with_operators(weights=[10, 10])
    for operator in operators:
        routing.set_operator_active(operator=operator, is_active=False)

    assert send(bot).status == Contact.Status.WAITING


def test_closing_assigns_the_oldest_waiting(full_bot):
    _bot, operator, busy, (oldest, second, _third) = full_bot

    assigned = routing.close_contact(contact=busy)

    assert assigned == [oldest]
    oldest.refresh_from_db()
    assert (oldest.status, oldest.operator, oldest.assigned_at is not None) == ("open", operator, True)
    second.refresh_from_db()
    assert second.status == Contact.Status.WAITING
    busy.refresh_from_db()
    assert busy.status == Contact.Status.CLOSED
    assert busy.closed_at is not None


def test_switching_on_assigns_the_oldest_waiting(bot_with_operators, send):
    bot, (operator,) = bot_with_operators(weights=[10], capacities=[2])
    routing.set_operator_active(operator=operator, is_active=False)
    first, second, third = (send(bot) for _ in range(3))

    assigned = routing.set_operator_active(operator=operator, is_active=True)

    assert assigned == [first, second]
    third.refresh_from_db()
    assert third.status == Contact.Status.WAITING


def test_raising_a_capacity_assigns_the_oldest_waiting(full_bot):
    _bot, operator, _busy, (oldest, second, _third) = full_bot

    assigned = routing.set_operator_capacity(operator=operator, max_open_contacts=3)

    assert assigned == [oldest, second]
    operator.refresh_from_db()
    assert operator.max_open_contacts == 3


def test_adding_a_weight_assigns_the_oldest_waiting(full_bot, make_operator):
    bot, _operator, _busy, (oldest, _second, _third) = full_bot
    newcomer = make_operator(capacity=1)

    assigned = routing.set_weight(bot=bot, operator=newcomer, weight=10)

    assert assigned == [oldest]
    oldest.refresh_from_db()
    assert oldest.operator == newcomer


def test_raising_a_weight_drains_the_queue(bot_with_operators, send):
    bot, (operator,) = bot_with_operators(weights=[10], capacities=[1])
    busy = send(bot)
    waiting = send(bot)
    # The slot frees behind the service's back (as if the drain had failed): only the weight
    # change can pick the waiting contact up now.
    Contact.objects.filter(pk=busy.pk).update(status=Contact.Status.CLOSED)

    assigned = routing.set_weight(bot=bot, operator=operator, weight=20)

    assert assigned == [waiting]


def test_lowering_a_weight_does_not_drain(bot_with_operators, send):
    bot, (operator,) = bot_with_operators(weights=[10], capacities=[1])
    busy = send(bot)
    send(bot)
    Contact.objects.filter(pk=busy.pk).update(status=Contact.Status.CLOSED)

    assert routing.set_weight(bot=bot, operator=operator, weight=5) == []


def test_it_drains_oldest_first_across_bots(bot_with_operators, send):
    first_bot, (shared,) = bot_with_operators(weights=[10], capacities=[1])
    second_bot, _ = bot_with_operators(weights=[])
    routing.set_weight(bot=second_bot, operator=shared, weight=10)
    busy = send(first_bot)
    older = send(second_bot)
    newer = send(first_bot)

    assert routing.close_contact(contact=busy) == [older]
    newer.refresh_from_db()
    assert newer.status == Contact.Status.WAITING


def test_it_keeps_draining_past_a_bot_nobody_can_take(bot_with_operators, send):
    only_leaving, (leaving,) = bot_with_operators(weights=[10])
    shared, (_staying,) = bot_with_operators(weights=[10])
    routing.set_weight(bot=shared, operator=leaving, weight=100)
    stuck = send(only_leaving)
    movable = send(shared)
    assert (stuck.operator, movable.operator) == (leaving, leaving)

    assigned = routing.hand_over_contacts(operator=leaving)

    assert assigned == [movable]
    stuck.refresh_from_db()
    assert stuck.status == Contact.Status.WAITING


def test_closing_a_waiting_contact_takes_it_out_of_the_queue(full_bot):
    _bot, _operator, busy, (oldest, second, _third) = full_bot
    routing.close_contact(contact=oldest)

    assert routing.close_contact(contact=busy) == [second]


def test_closing_twice_changes_nothing(full_bot):
    _bot, _operator, busy, (_oldest, _second, _third) = full_bot
    routing.close_contact(contact=busy)
    busy.refresh_from_db()
    closed_at = busy.closed_at

    assert routing.close_contact(contact=busy) == []
    busy.refresh_from_db()
    assert busy.closed_at == closed_at


def test_handing_over_requeues_and_reroutes(bot_with_operators, send):
    bot, (leaving, _staying) = bot_with_operators(weights=[10, 10], capacities=[5, 2])
    mine = [c for c in (send(bot) for _ in range(4)) if c.operator == leaving]

    assigned = routing.hand_over_contacts(operator=leaving)

    leaving.refresh_from_db()
    assert not leaving.is_active
    assert leaving.contacts.filter(status=Contact.Status.OPEN).count() == 0
    # The other operator is full: everything handed over waits.
    assert assigned == []
    assert {c.status for c in Contact.objects.filter(pk__in=[c.pk for c in mine])} == {"waiting"}


def test_handing_over_gives_the_contacts_to_others_oldest_first(bot_with_operators, send):
    bot, (leaving, staying) = bot_with_operators(weights=[10, 10], capacities=[5, 5])
    first, second, third = (send(bot) for _ in range(3))
    assert [first.operator, second.operator, third.operator] == [leaving, staying, leaving]

    assigned = routing.hand_over_contacts(operator=leaving)

    assert assigned == [first, third]
    assert staying.contacts.filter(status=Contact.Status.OPEN).count() == 3


def test_a_drain_also_uses_room_that_an_earlier_drain_missed(bot_with_operators, send):
    """If a drain never ran after capacity appeared (a worker killed between commit and drain),
    the next one, for whatever reason, still uses that room."""
    bot, (_first, second) = bot_with_operators(weights=[10, 10], capacities=[1, 1])
    busy = send(bot)
    send(bot)
    waiting = [send(bot) for _ in range(3)]
    Operator.objects.filter(pk=second.pk).update(max_open_contacts=5)  # no drain followed

    assigned = routing.close_contact(contact=busy)

    assert set(assigned) == set(waiting)
    assert not Contact.objects.filter(status=Contact.Status.WAITING).exists()
