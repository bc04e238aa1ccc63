"""Idle contacts close by themselves: AUTO_CLOSE_AFTER, a bot's own time, WAITING_EXPIRES_AFTER."""

import datetime
from collections import Counter

import pytest

from distribution import routing, tasks
from distribution.models import Contact, ContactEvent

from .conftest import htmx
from .test_concurrency import simultaneously

Kind, Reason = ContactEvent.Kind, ContactEvent.Reason
HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def auto_close(settings):
    settings.AUTO_CLOSE_AFTER = 24 * HOUR
    settings.WAITING_EXPIRES_AFTER = None


def closes(contact: Contact) -> list[tuple]:
    return list(contact.events.filter(kind=Kind.CLOSED).values_list("reason", "actor_id"))


def test_it_closes_contacts_idle_since_their_assignment(auto_close, clock, bot_with_operators, send):
    bot, (_operator,) = bot_with_operators(weights=[10])
    contact = send(bot)
    clock.advance(23 * HOUR)
    younger = send(bot)

    assert routing.sweep_idle_contacts().closed == []
    clock.advance(HOUR + datetime.timedelta(seconds=1))
    sweep = routing.sweep_idle_contacts()

    assert [closed.pk for closed in sweep.closed] == [contact.pk]
    contact.refresh_from_db()
    assert contact.status == Contact.Status.CLOSED
    assert contact.closed_at == clock.now
    assert closes(contact) == [(Reason.AUTO, None)]
    assert Contact.objects.get(pk=younger.pk).status == Contact.Status.OPEN


def test_it_closes_nothing_when_auto_close_is_off(settings, clock, bot_with_operators, send):
    settings.AUTO_CLOSE_AFTER = None
    bot, _ = bot_with_operators(weights=[10])
    contact = send(bot)
    clock.advance(1000 * HOUR)

    assert routing.sweep_idle_contacts().closed == []
    assert Contact.objects.get(pk=contact.pk).status == Contact.Status.OPEN


def test_a_bots_own_time_wins_over_the_default(auto_close, clock, bot_with_operators, send):
    quick, _ = bot_with_operators(weights=[10])
    patient, _ = bot_with_operators(weights=[10])
    routing.set_bot_auto_close(bot=quick, after=HOUR)
    routing.set_bot_auto_close(bot=patient, after=48 * HOUR)
    quick_contact, patient_contact, default_contact = (
        send(quick),
        send(patient),
        send(bot_with_operators(weights=[10])[0]),
    )

    clock.advance(2 * HOUR)
    assert [c.pk for c in routing.sweep_idle_contacts().closed] == [quick_contact.pk]
    clock.advance(23 * HOUR)
    assert [c.pk for c in routing.sweep_idle_contacts().closed] == [default_contact.pk]
    clock.advance(24 * HOUR)
    assert [c.pk for c in routing.sweep_idle_contacts().closed] == [patient_contact.pk]


def test_a_bots_own_time_applies_with_the_default_off(settings, clock, bot_with_operators, send):
    settings.AUTO_CLOSE_AFTER = None
    bot, _ = bot_with_operators(weights=[10])
    routing.set_bot_auto_close(bot=bot, after=90 * datetime.timedelta(minutes=1))
    contact = send(bot)
    clock.advance(2 * HOUR)

    assert [c.pk for c in routing.sweep_idle_contacts().closed] == [contact.pk]


def test_the_queue_drains_after_an_auto_close(auto_close, clock, bot_with_operators, send):
    bot, (operator,) = bot_with_operators(weights=[10], capacities=[1])
    idle = send(bot)
    waiting = send(bot)
    clock.advance(25 * HOUR)

    sweep = routing.sweep_idle_contacts()

    assert [c.pk for c in sweep.closed] == [idle.pk]
    assert [c.pk for c in sweep.assigned] == [waiting.pk]
    waiting.refresh_from_db()
    assert (waiting.status, waiting.operator, waiting.assigned_at) == (
        Contact.Status.OPEN,
        operator,
        clock.now,
    )
    # Its own idle time starts at this assignment, not at its arrival.
    assert routing.sweep_idle_contacts().closed == []


def test_it_expires_contacts_waiting_too_long(settings, clock, bot_with_operators, send):
    settings.AUTO_CLOSE_AFTER = None
    settings.WAITING_EXPIRES_AFTER = 2 * HOUR
    bot, _ = bot_with_operators(weights=[])
    old = send(bot)
    clock.advance(HOUR)
    recent = send(bot)
    clock.advance(HOUR + datetime.timedelta(seconds=1))

    sweep = routing.sweep_idle_contacts()

    assert [c.pk for c in sweep.expired] == [old.pk]
    old.refresh_from_db()
    assert (old.status, old.operator, old.closed_at) == (Contact.Status.CLOSED, None, clock.now)
    assert closes(old) == [(Reason.EXPIRED, None)]
    assert Contact.objects.get(pk=recent.pk).status == Contact.Status.WAITING


def test_it_skips_a_contact_that_changed_after_the_sweep_read_it(bot_with_operators, send):
    bot, (_first, _second) = bot_with_operators(weights=[10, 10])
    contact = send(bot)
    seen = Contact.objects.get(pk=contact.pk)
    routing.hand_over_contacts(operator=Contact.objects.get(pk=contact.pk).operator)  # now with the other

    with pytest.raises(routing.ContactChanged):
        routing.close_contact(contact=seen, reason=Reason.AUTO, only_if_unchanged=True)

    assert Contact.objects.get(pk=contact.pk).status == Contact.Status.OPEN
    assert closes(contact) == []


def test_the_task_runs_the_sweep(auto_close, clock, bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10], capacities=[1])
    send(bot)
    send(bot)
    clock.advance(25 * HOUR)

    result = tasks.sweep_idle_contacts.enqueue()

    assert result.return_value == {
        "shift changes": 0,
        "passed on": 0,
        "overdue": 0,
        "switched away": 0,
        "closed": 1,
        "expired": 0,
        "assigned": 1,
    }


def test_the_report_counts_closes_by_reason(manager_client, auto_close, bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])
    for reason in [Reason.AUTO, Reason.AUTO, Reason.MANAGER]:
        routing.close_contact(contact=send(bot), reason=reason)

    html = manager_client.get("/report/?period=today", **htmx("report")).content.decode()

    assert "<h2>Closed contacts by reason</h2>" in html
    assert '<th scope="row">Automatically: open too long after assignment</th><td class="num">2</td>' in html
    assert '<th scope="row">By a manager</th><td class="num">1</td>' in html


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_racing_close_each_contact_once(settings, clock, bot_with_operators, send):
    """Two workers sweeping at the same moment, each on its own connection."""
    settings.AUTO_CLOSE_AFTER = HOUR
    settings.WAITING_EXPIRES_AFTER = HOUR
    bot, _operators = bot_with_operators(weights=[10, 10], capacities=[10, 10])
    unstaffed, _ = bot_with_operators(weights=[])
    for _ in range(20):
        send(bot)
    for _ in range(10):  # they wait: no operator can ever take them, so the drains leave them
        send(unstaffed)
    clock.advance(2 * HOUR)

    sweeps = simultaneously(2, lambda _: routing.sweep_idle_contacts())

    closed_by = Counter(c.pk for sweep in sweeps for c in sweep.closed + sweep.expired)
    assert len(closed_by) == 30
    assert set(closed_by.values()) == {1}
    assert not Contact.objects.exclude(status=Contact.Status.CLOSED).exists()
    events = Counter(ContactEvent.objects.filter(kind=Kind.CLOSED).values_list("contact_id", flat=True))
    assert len(events) == 30
    assert set(events.values()) == {1}
    reasons = Counter(ContactEvent.objects.filter(kind=Kind.CLOSED).values_list("reason", flat=True))
    assert reasons == {Reason.AUTO: 20, Reason.EXPIRED: 10}
    # Shown with -s: how the 30 closes split between the two sweeps.
    print("closes per sweep:", [len(sweep.closed) + len(sweep.expired) for sweep in sweeps])
