"""The report's closes by reason, counted per bot, day and reason as each close commits, so that a
period reads a few rows whatever the number of contacts."""

import datetime
import importlib

from django.apps import apps

from distribution import routing, selectors
from distribution.models import Contact, ContactEvent, DailyCloses

Reason = ContactEvent.Reason
DAY = datetime.timedelta(days=1)


def closes(**period) -> dict:
    return {str(label): n for label, n in selectors.closes_by_reason(**period)}


def test_it_counts_each_close_once_on_its_bot_and_day(bot_with_operators, send):
    sales, _ = bot_with_operators(weights=[10], name="Sales")
    support, _ = bot_with_operators(weights=[10], name="Support")
    contact = send(sales)
    routing.close_contact(contact=contact, reason=Reason.OPERATOR)
    routing.close_contact(contact=contact, reason=Reason.MANAGER)  # already closed: nothing
    routing.close_contact(contact=send(support), reason=Reason.BOT)

    today = selectors.period_bounds("today")
    assert closes(start=today[0], end=today[1]) == {"by its operator": 1, "by the bot": 1}
    assert closes(start=today[0], end=today[1], bot=support) == {"by the bot": 1}
    assert closes(start=today[0] - DAY, end=today[0]) == {}


def test_it_counts_a_contact_known_by_its_pk_alone_on_its_bot(bot_with_operators, send):
    # As a caller that read ids only closes it (bench/load.py): the bot is found from the row.
    sales, _ = bot_with_operators(weights=[10], name="Sales")
    contact = send(sales)

    routing.close_contact(contact=Contact(pk=contact.pk))

    assert Contact.objects.get(pk=contact.pk).status == Contact.Status.CLOSED
    assert list(DailyCloses.objects.values_list("bot_id", "contacts")) == [(sales.pk, 1)]


def test_it_leaves_out_the_days_outside_the_period(bot_with_operators, send, clock):
    bot, _ = bot_with_operators(weights=[10])
    routing.close_contact(contact=send(bot), reason=Reason.AUTO)
    clock.advance(DAY)
    routing.close_contact(contact=send(bot), reason=Reason.AUTO)

    today = selectors.period_bounds("today")
    assert closes(start=today[0], end=today[1]) == {"automatically: open too long after assignment": 1}
    assert closes(start=today[0] - DAY, end=today[1]) == {"automatically: open too long after assignment": 2}


def test_rebuilddailycounts_counts_them_again_from_the_events(bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])
    routing.close_contact(contact=send(bot), reason=Reason.EXPIRED)
    DailyCloses.objects.update(contacts=99)
    DailyCloses.objects.create(bot=bot, day=datetime.date(2020, 1, 1), reason=Reason.AUTO, contacts=5)

    routing.rebuild_daily_counts()

    assert list(DailyCloses.objects.values_list("reason", "contacts")) == [(Reason.EXPIRED, 1)]


def test_the_migration_counts_the_closes_made_before_it(bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])
    for reason in [Reason.BOT, Reason.BOT, Reason.OPERATOR]:
        routing.close_contact(contact=send(bot), reason=reason)
    DailyCloses.objects.all().delete()

    importlib.import_module("distribution.migrations.0018_response_times").count_the_closes(apps, None)

    assert sorted(DailyCloses.objects.values_list("reason", "contacts")) == [
        (Reason.BOT, 2),
        (Reason.OPERATOR, 1),
    ]
