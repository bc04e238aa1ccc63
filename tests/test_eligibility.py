"""Rules 2 and 3: who may get a contact, and what skipping an operator does to its state."""

from collections import Counter

from distribution import routing
from distribution.models import BotOperator, Contact


def test_it_skips_a_switched_off_operator(bot_with_operators, send):
    bot, (off, on) = bot_with_operators(weights=[30, 10])
    routing.set_operator_active(operator=off, is_active=False)

    assert {send(bot).operator for _ in range(5)} == {on}


def test_it_skips_a_full_operator(bot_with_operators, send):
    bot, (small, big) = bot_with_operators(weights=[30, 10], capacities=[2, 100])

    picks = Counter(send(bot).operator for _ in range(10))

    assert picks == {small: 2, big: 8}
    assert small.contacts.filter(status=Contact.Status.OPEN).count() == 2


def test_it_counts_only_open_contacts_as_load(bot_with_operators, send):
    bot, (operator,) = bot_with_operators(weights=[10], capacities=[1])
    routing.close_contact(contact=send(bot))

    assert send(bot).operator == operator


def test_a_skipped_operator_keeps_its_state(bot_with_operators, send):
    bot, (paused, other) = bot_with_operators(weights=[10, 30])
    send(bot)  # paused: +10, other: 30 - 40 = -10
    routing.set_operator_active(operator=paused, is_active=False)

    for _ in range(5):
        send(bot)

    link = BotOperator.objects.get(operator=paused)
    assert link.current_weight == 10
    # Alone, the other operator's weight is added and subtracted: it stays where it was.
    assert BotOperator.objects.get(operator=other).current_weight == -10


def test_a_returning_operator_gets_no_burst(bot_with_operators, send):
    bot, (returning, steady) = bot_with_operators(weights=[10, 10])
    routing.set_operator_active(operator=returning, is_active=False)
    for _ in range(20):
        send(bot)
    routing.set_operator_active(operator=returning, is_active=True)

    sequence = [send(bot).operator for _ in range(6)]

    assert Counter(sequence) == {returning: 3, steady: 3}
    assert all(sequence[i] != sequence[i + 1] for i in range(5))


def test_shares_re_spread_among_the_eligible(bot_with_operators, send):
    bot, (a, b, c) = bot_with_operators(weights=[10, 10, 20])
    routing.set_operator_active(operator=c, is_active=False)

    picks = Counter(send(bot).operator for _ in range(10))

    assert picks == {a: 5, b: 5}


def test_an_unlinked_operator_gets_nothing(bot_with_operators, make_operator, send):
    bot, (linked,) = bot_with_operators(weights=[10])
    make_operator()

    assert {send(bot).operator for _ in range(3)} == {linked}


def test_a_removed_operator_gets_nothing(bot_with_operators, send):
    bot, (removed, kept) = bot_with_operators(weights=[50, 10])
    routing.remove_operator(bot=bot, operator=removed)

    assert {send(bot).operator for _ in range(3)} == {kept}


def test_a_lowered_capacity_keeps_the_open_contacts(bot_with_operators, send):
    bot, (operator,) = bot_with_operators(weights=[10], capacities=[3])
    for _ in range(3):
        send(bot)

    routing.set_operator_capacity(operator=operator, max_open_contacts=1)

    assert operator.contacts.filter(status=Contact.Status.OPEN).count() == 3
    assert send(bot).status == Contact.Status.WAITING
