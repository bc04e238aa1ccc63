"""On PostgreSQL an intake is, after the bot's read, one statement in autocommit: the lead's
resolution (rule 1), rule 10's returning operator and the assignment run in one call, and a
refusal in it undoes the lead's writes too."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from distribution import routing
from distribution.exceptions import TokenRotated
from distribution.identifiers import LeadIdentity
from distribution.models import Bot, Contact, Lead
from distribution.routing import intake_function, statements

pytestmark = [
    pytest.mark.only_on_postgresql("SQLite's intake is a transaction of fixed statements"),
    pytest.mark.django_db(transaction=True),
]

ANNA = LeadIdentity.normalised(external_id="tg-1", email="anna@example.com", name="Anna")


def test_it_is_the_bots_read_and_one_call_without_a_transaction(bot_with_operators):
    bot, (operator,) = bot_with_operators(weights=[10])
    Bot.objects.filter(pk=bot.pk).update(return_within=datetime.timedelta(days=1))
    bot.refresh_from_db()

    for message in ("new lead", "returning lead"):
        with CaptureQueriesContext(connection) as queries:
            registration = routing.register_contact(bot=bot, identity=ANNA, message=message)

        first, call = (query["sql"] for query in queries)
        assert f"{statements.READ_BOT_NAME}(" in first
        assert f"{intake_function.INTAKE_NAME}(" in call
        assert connection.get_autocommit()
        assert registration.contact.operator == operator
    assert registration.lead_created is False
    assert Lead.objects.count() == 1
    assert Contact.objects.filter(lead=Lead.objects.get()).count() == 2


def call(bot, token_hash, identity=ANNA):
    now = timezone.now()
    return intake_function.intake_in_one_call(
        bot_id=bot.pk,
        token_hash=token_hash,
        message="hello",
        external_id=None,
        now=now,
        day=now.date(),
        identity=identity,
        verified=frozenset({"external_id"}),
        answer_within=None,
        return_within=None,
        closed=False,
        answer_by=None,
    )


def test_a_token_rotated_after_the_read_writes_no_lead(bot_with_operators):
    bot, _ = bot_with_operators(weights=[10])
    routing.register_contact(bot=bot, identity=LeadIdentity.normalised(external_id="tg-1"))

    with pytest.raises(TokenRotated):
        call(bot, "not the bot's")

    lead = Lead.objects.get()
    assert (lead.email, lead.name) == (None, "")
    assert Contact.objects.count() == 1


def test_a_bot_gone_after_the_read_writes_no_lead(bot_with_operators):
    bot, _ = bot_with_operators(weights=[10])
    bot.pk += 1000

    with pytest.raises(Bot.DoesNotExist):
        call(bot, None)

    assert not Lead.objects.exists()
