"""Merging and splitting leads while a drain holds the bot: no deadlock (PostgreSQL). The identifier
sources they move name a bot, whose foreign key is checked at commit: they lock that bot first."""

import threading

import pytest
from django.db import connection, transaction

from distribution import routing
from distribution.models import Contact, Lead
from distribution.routing import statements

from .test_webhooks_outbox import only_on_postgresql, wait_for_a_lock_wait

pytestmark = [only_on_postgresql, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def waiting(bot_with_operators, send):
    """A bot whose only operator is full, and a waiting contact of a lead with two identifiers."""
    bot, _ = bot_with_operators(weights=[10], capacities=[1])
    send(bot)
    contact = send(bot, lead=routing.LeadIdentity(external_id="src", email="anna@example.com"))
    assert contact.status == Contact.Status.WAITING
    return contact


def race_with_a_drain(contact: Contact, change) -> list[str]:
    """Run `change` while a drain holds the contact's bot, then reaches for the contact."""
    locked, errors = threading.Event(), []

    def run_change():
        locked.wait(timeout=10)
        try:
            change()
        except Exception as error:
            errors.append(f"change: {error}")
        finally:
            connection.close()

    changer = threading.Thread(target=run_change)
    changer.start()
    try:
        with transaction.atomic():
            statements.lock_bot(contact.bot_id)
            locked.set()
            wait_for_a_lock_wait(changer)
            list(Contact.objects.select_for_update().filter(pk=contact.pk))
    except Exception as error:
        errors.append(f"drain: {error}")
    changer.join(30)
    return errors


def test_it_merges_while_a_drain_holds_the_bot(waiting):
    target = Lead.objects.create(name="Target", phone="+79990000001")

    errors = race_with_a_drain(waiting, lambda: routing.merge_leads(target=target, source=waiting.lead))

    assert errors == []
    assert Contact.objects.get(pk=waiting.pk).lead == target


def test_it_splits_while_a_drain_holds_the_bot(waiting):
    def split():
        routing.split_lead(lead=waiting.lead, fields=["email"], contacts=[waiting])

    errors = race_with_a_drain(waiting, split)

    assert errors == []
    assert Contact.objects.get(pk=waiting.pk).lead.email == "anna@example.com"
