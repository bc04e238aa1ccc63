"""Rule 10: a lead who writes again within a bot's return_within goes back to its operator, outside
the round robin; otherwise rules 3 to 5 as ever. On both databases (SQLite's path and the
PostgreSQL function)."""

import datetime

import pytest

from distribution import routing
from distribution.models import Bot, BotOperator, Contact, ContactEvent, Operator

DAY = datetime.timedelta(days=1)
ANNA = routing.LeadIdentity(external_id="tg-anna")


@pytest.fixture
def returning(bot_with_operators):
    """A bot that returns leads within 30 days, with two operators of equal weight."""
    bot, operators = bot_with_operators(weights=[10, 10], capacities=[5, 5])
    Bot.objects.filter(pk=bot.pk).update(return_within=30 * DAY)
    return bot, operators


def round_robin(bot) -> dict[int, int]:
    return dict(BotOperator.objects.filter(bot=bot).values_list("operator_id", "current_weight"))


def test_a_returning_lead_goes_back_to_its_operator(returning, send):
    bot, _ = returning
    first = send(bot, lead=ANNA)
    state = round_robin(bot)

    again = send(bot, lead=ANNA)

    assert again.operator_id == first.operator_id
    assert round_robin(bot) == state  # no step of the round robin
    assert again.events.get(kind=ContactEvent.Kind.ASSIGNED).reason == ContactEvent.Reason.RETURNED


def test_without_return_within_the_round_robin_decides(bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10, 10], capacities=[5, 5])
    first = send(bot, lead=ANNA)

    again = send(bot, lead=ANNA)

    assert again.operator_id != first.operator_id


def test_an_operator_who_is_full_or_away_does_not_take_it_back(returning, send):
    bot, operators = returning
    first = send(bot, lead=ANNA)
    holder = next(operator for operator in operators if operator.pk == first.operator_id)
    routing.set_operator_active(operator=holder, is_active=False)

    again = send(bot, lead=ANNA)

    assert again.operator_id != holder.pk
    assert again.events.get(kind=ContactEvent.Kind.ASSIGNED).reason == ContactEvent.Reason.INTAKE


def test_a_contact_older_than_the_window_does_not_count(returning, send):
    bot, _ = returning
    first = send(bot, lead=ANNA)
    Contact.objects.filter(pk=first.pk).update(assigned_at=first.assigned_at - 31 * DAY)

    again = send(bot, lead=ANNA)

    assert again.operator_id != first.operator_id


def test_the_latest_contact_of_any_bot_names_the_operator(returning, bot_with_operators, send):
    bot, (_, second_operator) = returning
    other, _ = bot_with_operators(weights=[])
    routing.set_weight(bot=other, operator=second_operator, weight=10)
    send(other, lead=ANNA)  # to the second operator, through the other bot

    again = send(bot, lead=ANNA)

    assert again.operator_id == second_operator.pk


@pytest.fixture
def waiting_returner(returning, send):
    """Anna's first contact went to `holder`; both operators were then switched off, and her second
    contact waits."""
    bot, operators = returning
    first = send(bot, lead=ANNA)
    for operator in operators:
        routing.set_operator_active(operator=operator, is_active=False)
    waiting = send(bot, lead=ANNA)
    assert waiting.status == Contact.Status.WAITING
    holder = next(operator for operator in operators if operator.pk == first.operator_id)
    other = next(operator for operator in operators if operator.pk != first.operator_id)
    return bot, holder, other, waiting


def test_the_queue_gives_a_returning_lead_back_to_its_operator(waiting_returner):
    bot, holder, _, waiting = waiting_returner
    Operator.objects.update(is_active=True)  # both back, without a drain yet

    routing.drain_queue(bot_ids=[bot.pk])

    taken = Contact.objects.get(pk=waiting.pk)
    assert taken.operator_id == holder.pk
    assert taken.events.get(kind=ContactEvent.Kind.ASSIGNED).reason == ContactEvent.Reason.RETURNED


def test_the_queue_gives_it_to_another_while_its_operator_is_away(waiting_returner):
    _, _, other, waiting = waiting_returner

    routing.set_operator_active(operator=other, is_active=True)

    taken = Contact.objects.get(pk=waiting.pk)
    assert taken.operator_id == other.pk
    assert taken.events.get(kind=ContactEvent.Kind.ASSIGNED).reason == ContactEvent.Reason.QUEUE
