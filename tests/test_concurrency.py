"""Rule 6 with real threads, each on its own database connection, on SQLite and PostgreSQL."""

import json
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from distribution import routing
from distribution.models import Contact, Lead, Operator
from distribution.routing import statements

pytestmark = pytest.mark.django_db(transaction=True)


def simultaneously(count: int, task) -> list:
    """Run task(i) for i in range(count) in `count` threads released at the same moment."""
    barrier = threading.Barrier(count)

    def run(number):
        try:
            barrier.wait()
            return task(number)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def post_contact(token: str, body: dict) -> int:
    response = Client().post(
        "/api/contacts",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    return response.status_code


def test_it_never_exceeds_a_capacity(bot_and_token, make_operator):
    bot, token = bot_and_token
    operator = make_operator(capacity=5)
    routing.set_weight(bot=bot, operator=operator, weight=10)

    statuses = simultaneously(50, lambda n: post_contact(token, {"lead": {"external_id": f"tg-{n}"}}))

    assert Counter(statuses) == {201: 5, 202: 45}
    assert Contact.objects.filter(operator=operator, status="open").count() == 5
    assert Contact.objects.filter(status="waiting", operator=None).count() == 45


def test_it_keeps_every_capacity_with_operators_shared_by_bots(bot_with_operators):
    first, (a, b) = bot_with_operators(weights=[10, 30], capacities=[3, 4])
    second, _ = bot_with_operators(weights=[])
    routing.set_weight(bot=second, operator=a, weight=10)
    routing.set_weight(bot=second, operator=b, weight=10)
    bots = [first, second]

    simultaneously(
        40,
        lambda n: routing.register_contact(
            bot=bots[n % 2], identity=routing.LeadIdentity(external_id=f"tg-{n}")
        ),
    )

    assert a.contacts.filter(status="open").count() == 3
    assert b.contacts.filter(status="open").count() == 4
    assert Contact.objects.filter(status="waiting").count() == 33


def test_first_contacts_of_one_new_lead_make_one_lead(bot_and_token, make_operator):
    bot, token = bot_and_token
    routing.set_weight(bot=bot, operator=make_operator(capacity=100), weight=10)
    anna = {"external_id": "tg-1", "email": "anna@example.com", "phone": "+79991234567"}

    statuses = simultaneously(20, lambda n: post_contact(token, {"lead": anna, "external_id": f"msg-{n}"}))

    assert Counter(statuses) == {201: 20}
    assert Lead.objects.count() == 1
    assert Contact.objects.filter(lead=Lead.objects.get()).count() == 20


def test_retries_of_one_contact_make_one_contact(bot_and_token, make_operator):
    bot, token = bot_and_token
    routing.set_weight(bot=bot, operator=make_operator(capacity=100), weight=10)
    body = {"lead": {"external_id": "tg-1"}, "message": "Hi", "external_id": "msg-1"}

    statuses = simultaneously(20, lambda n: post_contact(token, body))

    assert Counter(statuses) == {201: 1, 200: 19}
    assert Contact.objects.count() == 1


def full_operator(bot, make_operator) -> tuple[Operator, list[Contact]]:
    """An operator of `bot` (weight 10) and the two open contacts that fill its capacity."""
    operator = make_operator(capacity=2)
    routing.set_weight(bot=bot, operator=operator, weight=10)
    return operator, [
        routing.register_contact(bot=bot, identity=routing.LeadIdentity(external_id=f"old-{n}")).contact
        for n in range(2)
    ]


def test_closing_while_contacts_arrive_loses_nothing(bot_and_token, make_operator):
    bot, token = bot_and_token
    operator, open_now = full_operator(bot, make_operator)

    def task(number):
        if number < 2:
            return routing.close_contact(contact=open_now[number])
        return post_contact(token, {"lead": {"external_id": f"tg-{number}"}})

    simultaneously(22, task)

    # Both freed slots were used, by whichever contacts came first, and everyone else waits.
    assert operator.contacts.filter(status="open").count() == 2
    assert Contact.objects.filter(status="waiting").count() == 18


def test_a_contact_queued_while_a_slot_frees_is_assigned(bot_with_operators):
    """The lost wake-up: a request has locked the bot and is about to queue a contact (its
    operator looked full) when the operator's slot is freed. The drain after the close must wait
    for that request rather than conclude that nobody waits."""
    bot, (operator,) = bot_with_operators(weights=[10], capacities=[1])
    busy = routing.register_contact(bot=bot, identity=routing.LeadIdentity(external_id="busy")).contact
    lead = routing.LeadIdentity(external_id="late")
    locked, release = threading.Event(), threading.Event()

    def queue_while_holding_the_bot_lock(_):
        from django.db import transaction

        from distribution.models import Lead

        with transaction.atomic():
            statements.lock_bot(bot.pk)
            Contact.objects.create(bot=bot, lead=Lead.objects.create(external_id=lead.external_id))
            locked.set()
            release.wait(timeout=10)

    def close_the_busy_contact(_):
        locked.wait(timeout=10)
        closer = threading.Timer(0.3, release.set)  # let the close reach the drain first
        closer.start()
        return routing.close_contact(contact=busy)

    _, assigned = simultaneously_each([queue_while_holding_the_bot_lock, close_the_busy_contact])

    late = Contact.objects.get(lead__external_id="late")
    assert late.status == Contact.Status.OPEN
    assert late.operator == operator
    assert assigned == [late]


def simultaneously_each(tasks: list) -> list:
    return simultaneously(len(tasks), lambda number: tasks[number](number))
