"""The intake's PostgreSQL function on its own: called directly, it chooses and
steps the round robin as routing's Python rules do on the same rows, and writes what the intake
writes, or nothing when the token is no longer the bot's."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distribution.models import (
    BotOperator,
    Contact,
    ContactEvent,
    DailyAssignments,
    IdentifierSource,
    Lead,
    Operator,
    Webhook,
)
from distribution.routing import choice, intake_function, statements
from distribution.tokens import create_bot

pytestmark = pytest.mark.only_on_postgresql("SQLite's intake is the Python path it is compared with")

NOW = datetime.datetime(2026, 3, 1, 9, 30, tzinfo=datetime.UTC)


def call(bot, lead, *, token_hash=None, sources=None, external_id=None):
    return intake_function.assign_in_one_call(
        bot_id=bot.pk,
        token_hash=token_hash,
        lead_id=lead.pk,
        message="hello",
        external_id=external_id,
        now=NOW,
        day=NOW.date(),
        sources=sources or {},
    )


links = st.lists(
    st.fixed_dictionaries(
        {
            "weight": st.integers(1, 5),
            "current": st.integers(-20, 20),
            "active": st.booleans(),
            "capacity": st.integers(1, 3),
            "load": st.integers(0, 3),
        }
    ),
    min_size=0,
    max_size=5,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(links=links)
def test_it_chooses_and_steps_the_round_robin_as_the_python_rules_do(db, links):
    with transaction.atomic():
        bot, _ = create_bot(name="Bot")
        lead = Lead.objects.create(external_id="tg-1")
        for number, link in enumerate(links):
            operator = Operator.objects.create(
                name=f"Operator {number}", max_open_contacts=link["capacity"], is_active=link["active"]
            )
            BotOperator.objects.create(
                bot=bot, operator=operator, weight=link["weight"], current_weight=link["current"]
            )
            Contact.objects.bulk_create(
                Contact(lead=lead, bot=bot, operator=operator, status=Contact.Status.OPEN, assigned_at=NOW)
                for _ in range(link["load"])
            )
        # The rules' statement first, undone: what the Python path would choose and leave.
        with transaction.atomic():
            chosen = choice.choose(statements.lock_bot(bot.pk).candidates)
            expected_state = dict(BotOperator.objects.values_list("pk", "current_weight"))
            transaction.set_rollback(True)

        done = call(bot, lead)

        assert done.operator_id == (chosen and chosen.operator.pk)
        assert dict(BotOperator.objects.values_list("pk", "current_weight")) == expected_state
        transaction.set_rollback(True)


@pytest.fixture
def scene(bot_with_operators):
    bot, operators = bot_with_operators(weights=[1], capacities=[2])
    return bot, operators[0], Lead.objects.create(external_id="tg-1", email="anna@example.com")


def test_it_writes_the_contact_its_daily_figure_history_and_sources(scene):
    bot, operator, lead = scene

    first = call(bot, lead, sources={"email": "anna@example.com"}, external_id="m-1")
    second = call(bot, lead)

    contact = Contact.objects.get(pk=first.contact_id)
    assert (contact.status, contact.operator, contact.lead, contact.external_id) == (
        Contact.Status.OPEN,
        operator,
        lead,
        "m-1",
    )
    assert (contact.created_at, contact.assigned_at, contact.message) == (NOW, first.assigned_at, "hello")
    assert (first.operator_id, first.operator_name, first.capacity) == (operator.pk, operator.name, 2)
    assert [(e.kind, e.reason, e.operator_id, e.at) for e in contact.events.order_by("pk")] == [
        (ContactEvent.Kind.CREATED, "", None, NOW),
        (ContactEvent.Kind.ASSIGNED, ContactEvent.Reason.INTAKE, operator.pk, first.assigned_at),
    ]
    assert DailyAssignments.objects.get(bot=bot, operator=operator, day=NOW.date()).contacts == 2
    assert second.contact_id != first.contact_id
    source = IdentifierSource.objects.get(lead=lead)
    assert (source.field, source.value, source.bot, source.contact_id) == (
        "email",
        "anna@example.com",
        bot,
        contact.pk,
    )


def test_it_stamps_the_assignment_when_it_chose_never_before_the_arrival(scene):
    bot, _, lead = scene
    # The arrival's time is the application's (NOW, in the past here): the assignment is stamped
    # after the loads were counted, so after any close whose slot it took.
    before = timezone.now()
    assert before <= call(bot, lead).assigned_at <= timezone.now()

    ahead = intake_function.assign_in_one_call(
        bot_id=bot.pk,
        token_hash=None,
        lead_id=lead.pk,
        message="",
        external_id=None,
        now=before + datetime.timedelta(hours=1),
        day=before.date(),
        sources={},
    )
    assert ahead.assigned_at == before + datetime.timedelta(hours=1)


def test_it_queues_the_contact_when_nobody_can_take_it(scene):
    bot, operator, lead = scene
    Operator.objects.filter(pk=operator.pk).update(is_active=False)

    done = call(bot, lead)

    contact = Contact.objects.get(pk=done.contact_id)
    assert (contact.status, contact.operator, contact.assigned_at) == (Contact.Status.WAITING, None, None)
    assert done.operator_id is None
    assert list(contact.events.values_list("kind", flat=True)) == [ContactEvent.Kind.CREATED]
    assert not DailyAssignments.objects.exists()
    assert BotOperator.objects.get(bot=bot).current_weight == 0


def test_it_writes_nothing_when_the_token_is_no_longer_the_bots(scene):
    bot, _, lead = scene

    done = call(bot, lead, token_hash="not the bot's", sources={"email": "anna@example.com"})

    assert done.contact_id is None
    assert done.token_hash == bot.token_hash
    assert not Contact.objects.exists()
    assert not ContactEvent.objects.exists()
    assert not IdentifierSource.objects.exists()
    assert BotOperator.objects.get(bot=bot).current_weight == 0


def test_it_answers_nothing_for_a_bot_that_is_gone(scene):
    bot, _, lead = scene
    bot.pk += 1000

    assert call(bot, lead) is None
    assert not Contact.objects.exists()


def test_it_tells_the_active_webhooks_events(scene):
    bot, _, lead = scene
    assert call(bot, lead).webhook_events is None

    Webhook.objects.create(bot=bot, url="https://example.com/hook", events=["contact.assigned"], secret="s")

    assert call(bot, lead).webhook_events == ["contact.assigned"]


def test_it_is_installed_again_after_every_migrate(db):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP FUNCTION {intake_function.NAME}")
        call_command("migrate", verbosity=0)
        cursor.execute("SELECT count(*) FROM pg_proc WHERE proname = %s", [intake_function.NAME])
        assert cursor.fetchone()[0] == 1


def test_its_installed_text_is_the_code_s(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = %s", [intake_function.NAME])
        (source,) = cursor.fetchone()
    assert source in intake_function.FUNCTION
