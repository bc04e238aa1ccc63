"""Rules 8 and 9: an operator takes its new contact, or it passes on when its time is up; who misses
too many in a row is switched away."""

import datetime

import pytest
from django.contrib.auth import get_user_model

from distribution import routing, tasks
from distribution.models import Bot, Contact, ContactEvent, Operator, OperatorEvent

from .test_concurrency import simultaneously

Kind, Reason = ContactEvent.Kind, ContactEvent.Reason
MINUTE = datetime.timedelta(minutes=1)
# Past a 5-minute deadline, with a margin for PostgreSQL's clock, which stamps an assignment a
# moment after the tests' frozen one.
PAST_IT = 5 * MINUTE + datetime.timedelta(seconds=1)


@pytest.fixture
def five_minutes(settings):
    settings.ANSWER_WITHIN = 5 * MINUTE
    settings.AWAY_AFTER_MISSED = 3


def events(contact: Contact) -> list[tuple]:
    return list(contact.events.order_by("at", "pk").values_list("kind", "reason", "operator_id"))


def fresh(contact: Contact) -> Contact:
    return Contact.objects.get(pk=contact.pk)


# Rule 8: taking -----------------------------------------------------------------------------------


def test_it_records_who_took_a_contact_once(bot_with_operators, send):
    bot, (operator,) = bot_with_operators(weights=[10])
    contact = send(bot)
    user = get_user_model().objects.create_user("olga")

    routing.accept_contact(contact=contact, by=user)
    routing.accept_contact(contact=contact, by=user)

    taken = fresh(contact)
    assert taken.accepted_at is not None
    accepted = taken.events.filter(kind=Kind.ACCEPTED)
    assert list(accepted.values_list("reason", "actor", "operator")) == [
        (Reason.OPERATOR, user.pk, operator.pk)
    ]


def test_a_bot_says_its_operator_answered(bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])
    contact = send(bot)

    routing.accept_contact(contact=contact, bot=bot)

    assert list(fresh(contact).events.filter(kind=Kind.ACCEPTED).values_list("reason", "bot")) == [
        (Reason.BOT, bot.pk)
    ]


@pytest.mark.parametrize("closed", [False, True], ids=["waiting", "closed"])
def test_nobody_takes_a_contact_without_an_operator(bot_with_operators, send, closed):
    bot, _ = bot_with_operators(weights=[])
    contact = send(bot)
    if closed:
        routing.close_contact(contact=contact)

    with pytest.raises(routing.ContactNotOpen):
        routing.accept_contact(contact=fresh(contact))

    assert fresh(contact).accepted_at is None


# Rule 9: passing on -------------------------------------------------------------------------------


def test_a_contact_not_taken_in_time_passes_on(five_minutes, clock, bot_with_operators, send):
    bot, (anna, boris) = bot_with_operators(weights=[10, 10])
    contact = send(bot)
    first = contact.operator_id
    assert fresh(contact).answer_by == contact.assigned_at + 5 * MINUTE

    clock.advance(4 * MINUTE)
    assert routing.pass_on_due().passed_on == []
    clock.advance(PAST_IT - 4 * MINUTE)
    done = routing.pass_on_due()

    moved = fresh(contact)
    other = boris.pk if first == anna.pk else anna.pk
    assert [c.pk for c in done.passed_on] == [contact.pk]
    assert moved.operator_id == other
    assert moved.answer_by == clock.now + 5 * MINUTE
    assert events(contact)[-2:] == [(Kind.MISSED, "", first), (Kind.ASSIGNED, Reason.PASSED_ON, other)]


def test_the_place_a_pass_on_frees_drains_the_queue(five_minutes, clock, bot_with_operators, send):
    sales, (anna, boris) = bot_with_operators(weights=[10, 10], capacities=[1, 2])
    support, _ = bot_with_operators(weights=[])
    routing.set_weight(bot=support, operator=anna, weight=10)
    late = send(sales)
    waiting = send(support)  # Anna is full
    assert (late.operator_id, fresh(waiting).status) == (anna.pk, Contact.Status.WAITING)

    clock.advance(PAST_IT)
    done = routing.pass_on_due()

    assert fresh(late).operator_id == boris.pk
    assert [c.pk for c in done.assigned] == [waiting.pk]
    assert fresh(waiting).operator_id == anna.pk


def test_a_contact_nobody_else_can_take_stays_overdue(
    five_minutes, clock, bot_with_operators, send, make_operator
):
    bot, (anna,) = bot_with_operators(weights=[10])
    contact = send(bot)
    clock.advance(6 * MINUTE)

    done = routing.pass_on_due()
    again = routing.pass_on_due()

    stays = fresh(contact)
    assert [c.pk for c in done.overdue] == [contact.pk]
    assert again.overdue == []
    assert (stays.operator_id, stays.status) == (anna.pk, Contact.Status.OPEN)
    assert stays.overdue_since == contact.assigned_at + 5 * MINUTE
    assert [kind for kind, *_ in events(contact)].count(Kind.MISSED) == 1

    # Someone else comes: the next sweep passes it on, without a second miss.
    boris = make_operator(capacity=5)
    routing.set_weight(bot=bot, operator=boris, weight=10)
    routing.pass_on_due()

    assert fresh(contact).operator_id == boris.pk
    assert fresh(contact).overdue_since is None
    assert [kind for kind, *_ in events(contact)].count(Kind.MISSED) == 1


def test_it_never_passes_a_contact_back_to_one_who_missed_it(five_minutes, clock, bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10, 10])
    contact = send(bot)
    clock.advance(PAST_IT)
    routing.pass_on_due()
    clock.advance(PAST_IT)

    routing.pass_on_due()

    stays = fresh(contact)
    assert stays.overdue_since is not None
    assert stays.operator_id != contact.operator_id
    missed = [operator for kind, _, operator in events(contact) if kind == Kind.MISSED]
    assert missed == [contact.operator_id, stays.operator_id]


def test_a_taken_contact_never_passes_on(five_minutes, clock, bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10, 10])
    contact = send(bot)
    routing.accept_contact(contact=contact)
    clock.advance(10 * MINUTE)

    assert routing.pass_on_due().passed_on == []
    assert fresh(contact).operator_id == contact.operator_id


def test_a_bot_s_own_time_wins_and_zero_is_off(five_minutes, clock, bot_with_operators, send):
    quick, _ = bot_with_operators(weights=[10, 10])
    off, _ = bot_with_operators(weights=[10, 10])
    Bot.objects.filter(pk=quick.pk).update(answer_within=MINUTE)
    Bot.objects.filter(pk=off.pk).update(answer_within=datetime.timedelta(0))
    fast, never = send(quick), send(off)

    clock.advance(2 * MINUTE)
    done = routing.pass_on_due()

    assert [c.pk for c in done.passed_on] == [fast.pk]
    assert fresh(never).answer_by is None


def test_without_an_answer_time_nothing_passes_on(clock, bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10, 10])
    contact = send(bot)
    clock.advance(datetime.timedelta(days=1))

    assert routing.pass_on_due().passed_on == []
    assert fresh(contact).answer_by is None


# Switched away for misses -------------------------------------------------------------------------


def test_three_misses_in_a_row_switch_an_operator_away(five_minutes, clock, bot_with_operators, send):
    bot, (anna, boris) = bot_with_operators(weights=[10, 1], capacities=[10, 10])
    kept = send(bot)  # Anna takes this one: it stays with her
    routing.accept_contact(contact=kept)
    untaken = [send(bot) for _ in range(3)]
    assert {contact.operator_id for contact in [kept, *untaken]} == {anna.pk}  # 10 to 1
    clock.advance(PAST_IT)

    routing.pass_on_due()

    anna.refresh_from_db()
    assert not anna.is_active
    assert anna.away_reason == OperatorEvent.Reason.MISSED
    assert anna.events.filter(kind=OperatorEvent.Kind.AWAY, reason=OperatorEvent.Reason.MISSED).count() == 1
    assert fresh(kept).operator_id == anna.pk
    assert all(fresh(contact).operator_id == boris.pk for contact in untaken)


def test_taking_one_in_between_resets_the_count(five_minutes, clock, bot_with_operators, send):
    bot, (anna,) = bot_with_operators(weights=[10], capacities=[10])
    send(bot), send(bot)
    clock.advance(PAST_IT)
    routing.pass_on_due()  # two misses
    routing.accept_contact(contact=send(bot))
    send(bot), send(bot)
    clock.advance(PAST_IT)

    routing.pass_on_due()  # two more

    anna.refresh_from_db()
    assert anna.is_active


def test_nobody_is_switched_away_when_the_setting_is_off(
    five_minutes, settings, clock, bot_with_operators, send
):
    settings.AWAY_AFTER_MISSED = 0
    bot, (anna,) = bot_with_operators(weights=[10], capacities=[10])
    for _ in range(5):
        send(bot)
    clock.advance(PAST_IT)

    routing.pass_on_due()

    anna.refresh_from_db()
    assert anna.is_active


def test_switching_back_on_clears_the_reason(five_minutes, clock, bot_with_operators, send):
    bot, (anna,) = bot_with_operators(weights=[10], capacities=[10])
    for _ in range(3):
        send(bot)
    clock.advance(PAST_IT)
    routing.pass_on_due()

    routing.set_operator_active(operator=Operator.objects.get(pk=anna.pk), is_active=True)

    anna.refresh_from_db()
    assert (anna.is_active, anna.away_reason) == (True, "")


def test_a_hand_over_makes_taken_contacts_new_again(five_minutes, bot_with_operators, send, make_operator):
    bot, (anna,) = bot_with_operators(weights=[10])
    contact = send(bot)
    routing.accept_contact(contact=contact)

    routing.hand_over_contacts(operator=anna)

    back = fresh(contact)
    assert (back.status, back.accepted_at, back.answer_by) == (Contact.Status.WAITING, None, None)


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_pass_each_contact_on_once(five_minutes, bot_with_operators, send, settings):
    # One free place each: a pass-on can fill an operator, so the sweeps contend for room too.
    bot, operators = bot_with_operators(weights=[10, 10, 10], capacities=[3, 3, 3])
    contacts = [send(bot) for _ in range(6)]
    # Every deadline has passed, and none that a pass-on sets (now + 5 minutes) has.
    past = contacts[-1].assigned_at + 5 * MINUTE

    sweeps = simultaneously(2, lambda _: routing.pass_on_due(now=past))

    handled = [contact.pk for sweep in sweeps for contact in sweep.passed_on + sweep.overdue]
    assert sorted(handled) == sorted(contact.pk for contact in contacts)
    passed = {contact.pk for sweep in sweeps for contact in sweep.passed_on}
    assert passed
    for contact in contacts:
        assert [kind for kind, *_ in events(contact)].count(Kind.MISSED) == 1
        assert [reason for _, reason, _ in events(contact)].count(Reason.PASSED_ON) == (contact.pk in passed)
    loads = {
        operator.pk: operator.contacts.filter(status=Contact.Status.OPEN).count() for operator in operators
    }
    assert sum(loads.values()) == 6
    assert all(loads[operator.pk] <= operator.max_open_contacts for operator in operators)


def test_the_worker_s_sweep_passes_a_late_contact_on(five_minutes, clock, bot_with_operators, send):
    bot, (anna, boris) = bot_with_operators(weights=[10, 10])
    contact = send(bot)
    first = fresh(contact).operator_id
    clock.advance(PAST_IT)

    result = tasks.sweep_idle_contacts.enqueue()

    assert (result.return_value["passed on"], result.return_value["overdue"]) == (1, 0)
    late = fresh(contact)
    assert late.operator_id in {anna.pk, boris.pk} - {first}
    assert late.answer_by == clock.now + 5 * MINUTE
