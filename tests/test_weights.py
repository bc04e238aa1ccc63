"""Rule 4: smooth weighted round robin, state kept per BotOperator row."""

from collections import Counter

from distribution.models import BotOperator


def test_it_gives_exact_shares_over_a_full_round(bot_with_operators, send):
    bot, (small, medium, large) = bot_with_operators(weights=[10, 30, 60])

    picks = Counter(send(bot).operator for _ in range(100))

    assert picks == {small: 10, medium: 30, large: 60}


def test_it_gives_one_in_four_in_every_window_of_four(bot_with_operators, send):
    bot, (light, _heavy) = bot_with_operators(weights=[10, 30])

    sequence = [send(bot).operator for _ in range(40)]

    for start in range(len(sequence) - 3):
        assert sequence[start : start + 4].count(light) == 1


def test_it_spreads_instead_of_bursting(bot_with_operators, send):
    bot, (a, b) = bot_with_operators(weights=[1, 1])

    sequence = [send(bot).operator for _ in range(6)]

    assert sequence == [a, b, a, b, a, b]


def test_it_breaks_ties_by_lowest_operator_id(bot_with_operators, send):
    bot, (first, _second) = bot_with_operators(weights=[20, 20])

    assert send(bot).operator == first


def test_it_keeps_the_state_on_the_bot_operator_rows(bot_with_operators, send):
    bot, (light, heavy) = bot_with_operators(weights=[10, 30])

    send(bot)

    # heavy: 0 + 30 - 40; light: 0 + 10
    assert dict(BotOperator.objects.values_list("operator_id", "current_weight")) == {
        light.pk: 10,
        heavy.pk: -10,
    }


def test_it_routes_each_bot_by_its_own_weights(bot_with_operators, send):
    sales, (alice, bob) = bot_with_operators(weights=[10, 30])
    support, (carol,) = bot_with_operators(weights=[10])
    BotOperator.objects.create(bot=support, operator=alice, weight=30)

    support_picks = Counter(send(support).operator for _ in range(8))
    sales_picks = Counter(send(sales).operator for _ in range(8))

    assert support_picks == {carol: 2, alice: 6}
    assert sales_picks == {alice: 2, bob: 6}
