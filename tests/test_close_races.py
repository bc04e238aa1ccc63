"""The bots' close (POST /api/contacts/<id>/close) racing the intake, the queue's drain, a
manager's close and a hand-over, with real threads on their own connections, on SQLite and
PostgreSQL: no slot lost, no contact closed twice, the report's figures still true."""

import json
import threading
from collections import Counter

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from distribution import routing
from distribution.models import Contact, ContactEvent, DailyAssignments, Operator
from distribution.routing import choice, statements
from distribution.tokens import rotate_token

from .test_concurrency import simultaneously, simultaneously_each

pytestmark = pytest.mark.django_db(transaction=True)

CLOSED = ContactEvent.Kind.CLOSED


def bot_close(token: str, contact: Contact) -> tuple[int, str]:
    """The bot closes a contact over the API: (HTTP status, the answered contact's status)."""
    response = Client().post(
        f"/api/contacts/{contact.pk}/close",
        json.dumps({"reason": "the chat ended"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    return response.status_code, response.json().get("status")


def bot_sends(token: str, external_id: str) -> int:
    response = Client().post(
        "/api/contacts",
        json.dumps({"lead": {"external_id": external_id}}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    return response.status_code


def queue(bot, count: int, prefix: str) -> list[Contact]:
    return [
        routing.register_contact(bot=bot, identity=routing.LeadIdentity(external_id=f"{prefix}-{n}")).contact
        for n in range(count)
    ]


def logged_in(user) -> Client:
    """A client of its own for one thread, logged in before the race starts."""
    client = Client()
    client.force_login(user)
    return client


def open_count(operator: Operator) -> int:
    return operator.contacts.filter(status=Contact.Status.OPEN).count()


def assert_closed_once(contacts: list[Contact]) -> None:
    """Each contact is closed, by exactly one closed event, and nothing happened to it after."""
    for contact in contacts:
        contact.refresh_from_db()
        kinds = list(contact.events.order_by("at", "pk").values_list("kind", flat=True))
        assert contact.status == Contact.Status.CLOSED, contact.pk
        assert kinds.count(CLOSED) == 1, (contact.pk, kinds)
        assert kinds[-1] == CLOSED, (contact.pk, kinds)


def assert_history_matches_status() -> None:
    """Only closed contacts have a closed event, and an open one's last assignment is its own."""
    for contact in Contact.objects.all():
        closes = contact.events.filter(kind=CLOSED).count()
        assert closes == (1 if contact.status == Contact.Status.CLOSED else 0), contact.pk


def assert_report_figures_true() -> None:
    """The report's daily figures count exactly the assignments made to each operator."""
    kept = Counter(
        {
            (bot, operator, day): n
            for bot, operator, day, n in DailyAssignments.objects.values_list(
                "bot", "operator", "day", "contacts"
            )
            if n
        }
    )
    recount = Counter(
        (bot, operator, timezone.localdate(at))
        for bot, operator, at in ContactEvent.objects.filter(kind=ContactEvent.Kind.ASSIGNED)
        .exclude(operator=None)
        .values_list("contact__bot_id", "operator_id", "at")
    )
    assert kept == recount


def test_it_loses_no_slot_when_bots_close_while_contacts_arrive(bot_with_operators):
    bot, (olga, pavel) = bot_with_operators(weights=[10, 10], capacities=[2, 3])
    token = rotate_token(bot=bot)  # the fixture does not keep the token it made
    open_now = queue(bot, 5, "open")
    queue(bot, 3, "waiting")

    def task(number):
        if number < 10:  # each open contact closed twice at once
            return bot_close(token, open_now[number % 5])
        return bot_sends(token, f"new-{number}")

    answers = simultaneously(22, task)

    assert answers[:10] == [(200, "closed")] * 10
    assert set(answers[10:]) <= {201, 202}
    # Five slots freed, sixteen contacts wanting one: every slot is taken again.
    assert (open_count(olga), open_count(pavel)) == (2, 3)
    assert Contact.objects.filter(status=Contact.Status.WAITING).count() == 3 + 12 - 5
    assert_closed_once(open_now)
    assert_history_matches_status()
    assert_report_figures_true()


def test_it_loses_no_slot_when_bots_close_while_the_queue_drains(bot_with_operators, manager):
    """Two bots share an operator; their bots close its open contacts and the oldest waiting ones
    (those the drains reach for first) while a manager raises its capacity."""
    first, (anna,) = bot_with_operators(weights=[10], capacities=[4])
    second, _ = bot_with_operators(weights=[])
    routing.set_weight(bot=second, operator=anna, weight=10)
    open_now = queue(first, 2, "first-open") + queue(second, 2, "second-open")
    waiting = {bot.pk: queue(bot, 6, f"{bot.pk}-waiting") for bot in (first, second)}
    closing = []
    for bot in (first, second):
        token = rotate_token(bot=bot)
        closing += [
            (token, contact) for contact in [*open_now, *waiting[bot.pk][:2]] if contact.bot_id == bot.pk
        ]
    client = logged_in(manager)

    def task(number):
        if number < 2 * len(closing):  # each contact closed twice at once
            return bot_close(*closing[number % len(closing)])
        return client.post(f"/operators/{anna.pk}/capacity", {"max_open_contacts": 6}).status_code

    answers = simultaneously(2 * len(closing) + 1, task)

    assert answers[:-1] == [(200, "closed")] * 2 * len(closing)
    assert answers[-1] == 302
    # Eight contacts still want the six slots.
    assert open_count(anna) == 6
    assert Contact.objects.filter(status=Contact.Status.WAITING).count() == 2
    assert_closed_once([contact for _token, contact in closing])
    assert_closed_once(open_now)
    assert_history_matches_status()
    assert_report_figures_true()


def test_it_closes_once_when_a_manager_and_the_bot_close_together(bot_and_token, make_operator, manager):
    bot, token = bot_and_token
    olga = make_operator(capacity=4)
    routing.set_weight(bot=bot, operator=olga, weight=10)
    contacts = queue(bot, 4, "open") + queue(bot, 8, "waiting")
    closing = contacts[:6]  # the four open ones and the two oldest waiting
    clients = [logged_in(manager) for _ in closing]

    def task(number):
        contact = closing[number // 2]
        if number % 2:
            return clients[number // 2].post(f"/contacts/{contact.pk}/close").status_code
        return bot_close(token, contact)

    answers = simultaneously(2 * len(closing), task)

    assert answers[0::2] == [(200, "closed")] * len(closing)
    assert answers[1::2] == [302] * len(closing)
    assert_closed_once(closing)
    closers = ContactEvent.objects.filter(contact__in=closing, kind=CLOSED)
    for event in closers:
        # Recorded as whoever came first, never as a mix of both.
        assert (event.reason, event.bot_id, event.actor_id) in {
            (ContactEvent.Reason.BOT, bot.pk, None),
            (ContactEvent.Reason.MANAGER, None, manager.pk),
        }
    # Four slots freed, six waiting: every slot taken again.
    assert open_count(olga) == 4
    assert Contact.objects.filter(status=Contact.Status.WAITING).count() == 2
    assert_history_matches_status()
    assert_report_figures_true()


def test_it_closes_during_a_hand_over_without_losing_a_contact(bot_with_operators, make_operator, manager):
    """A manager hands Anna's contacts back to the queue while the bot closes some of them and one
    of Boris's: the others go to Boris as his slots allow, the closed ones stay closed."""
    bot, (anna,) = bot_with_operators(weights=[10], capacities=[4])
    token = rotate_token(bot=bot)
    annas = queue(bot, 4, "anna")
    boris = make_operator(capacity=2)
    routing.set_weight(bot=bot, operator=boris, weight=10)
    boris_s = queue(bot, 2, "boris")
    queue(bot, 2, "waiting")
    assert open_count(boris) == 2
    closing = [*annas[:2], boris_s[0]]
    client = logged_in(manager)

    def task(number):
        if number < 2 * len(closing):
            return bot_close(token, closing[number % len(closing)])
        return client.post(f"/operators/{anna.pk}/hand-over").status_code

    answers = simultaneously(2 * len(closing) + 1, task)

    assert answers[:-1] == [(200, "closed")] * 2 * len(closing)
    assert answers[-1] == 302
    assert_closed_once(closing)
    # Left: two of Anna's, one of Boris's, two that waited; Anna is off, Boris holds two.
    assert open_count(anna) == 0
    assert open_count(boris) == 2
    assert Contact.objects.filter(status=Contact.Status.WAITING).count() == 3
    for contact in annas[2:]:
        contact.refresh_from_db()
        assert contact.status in {Contact.Status.WAITING, Contact.Status.OPEN}
        assert contact.operator_id in {None, boris.pk}
    assert_history_matches_status()
    assert_report_figures_true()


def test_it_hands_over_while_a_drain_holds_the_bot(bot_with_operators, make_operator):
    """What the race above once hit on PostgreSQL: a drain holds the bot and waits for the
    operator that a hand-over has switched off. The hand-over must commit without waiting for the
    bot (its report figures once re-checked their bot at commit, a deadlock)."""
    bot, (anna,) = bot_with_operators(weights=[10], capacities=[3])
    annas = queue(bot, 3, "anna")  # one day, one bot: one row of figures, updated per contact
    locked, release = threading.Event(), threading.Event()

    def drain_holding_the_bot(_):
        with transaction.atomic():
            candidates = statements.lock_bot(bot.pk).candidates
            locked.set()
            release.wait(timeout=10)
            chosen = choice.choose(candidates)
            return chosen and chosen.operator

    def hand_over(_):
        locked.wait(timeout=10)
        threading.Timer(0.3, release.set).start()  # let the hand-over reach its commit first
        return routing.hand_over_contacts(operator=anna)

    chosen, reassigned = simultaneously_each([drain_holding_the_bot, hand_over])

    assert chosen in (None, anna)
    assert reassigned == []
    assert Contact.objects.filter(status=Contact.Status.WAITING).count() == len(annas)
    assert_report_figures_true()
