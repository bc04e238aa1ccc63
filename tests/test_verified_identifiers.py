"""Rule 1 and the identifiers a bot vouches for: only those join a contact to an existing lead; an
unverified match makes a new lead marked as a possible duplicate (issue 18, item 4)."""

import importlib

import pytest
from django.apps import apps as django_apps

from distribution import routing
from distribution.models import Bot, Lead
from distribution.tokens import create_bot

VICTIM = routing.LeadIdentity(external_id="tg-victim", email="victim@example.com", name="Victim")


@pytest.fixture
def victim_bot(bot_with_operators):
    """A bot that vouches for every identifier, as the bots made before this rule do."""
    bot, _ = bot_with_operators(weights=[10], name="Victim bot")
    Bot.objects.filter(pk=bot.pk).update(verifies_email=True, verifies_phone=True)
    bot.refresh_from_db()
    return bot


@pytest.fixture
def attacker_bot(bot_with_operators):
    """A new bot: it vouches for the external id only."""
    bot, _ = bot_with_operators(weights=[10], name="Attacker bot")
    return bot


@pytest.fixture
def victim(victim_bot, send):
    return send(victim_bot, lead=VICTIM, message="my card ends 4242").lead


def test_it_starts_a_new_bot_with_the_external_id_only(db):
    bot, _ = create_bot(name="New")

    assert bot.verified == {"external_id"}


def test_an_email_typed_into_another_bot_does_not_join_its_owner_s_lead(victim, attacker_bot, send):
    typed = routing.LeadIdentity(external_id="tg-attacker", email="victim@example.com")

    contact = send(attacker_bot, lead=typed)

    lead = Lead.objects.get(pk=contact.lead_id)
    assert lead != victim
    assert lead.duplicate_of == victim
    assert (lead.external_id, lead.email) == ("tg-attacker", None)
    assert list(victim.contacts.values_list("message", flat=True)) == ["my card ends 4242"]


def test_an_email_alone_typed_into_another_bot_makes_a_lead_without_identifiers(victim, attacker_bot, send):
    contact = send(attacker_bot, lead=routing.LeadIdentity(email="victim@example.com", name="Eve"))

    lead = Lead.objects.get(pk=contact.lead_id)
    assert (lead.name, lead.external_id, lead.email, lead.phone) == ("Eve", None, None, None)
    assert lead.duplicate_of == victim
    victim.refresh_from_db()
    assert victim.name == "Victim"


def test_an_email_a_bot_vouches_for_joins_its_lead(victim, bot_with_operators, send):
    mail_bot, _ = bot_with_operators(weights=[10])
    Bot.objects.filter(pk=mail_bot.pk).update(verifies_email=True)

    contact = send(mail_bot, lead=routing.LeadIdentity(email="victim@example.com"))

    assert contact.lead == victim


def test_a_request_may_vouch_for_what_its_bot_does_not(victim, attacker_bot):
    identity = routing.LeadIdentity(email="victim@example.com")

    registration = routing.register_contact(
        bot=attacker_bot, identity=identity, verified=frozenset({"email"})
    )

    assert registration.contact.lead == victim


def test_a_request_may_vouch_for_less_than_its_bot(victim, victim_bot):
    identity = routing.LeadIdentity(email="victim@example.com")

    registration = routing.register_contact(bot=victim_bot, identity=identity, verified=frozenset())

    assert registration.contact.lead.duplicate_of == victim


def test_an_unverified_identifier_given_to_a_lead_never_joins_another_contact(attacker_bot, victim_bot, send):
    # The attacker's own lead takes the e-mail that nobody held yet, unverified.
    own = send(
        attacker_bot, lead=routing.LeadIdentity(external_id="tg-attacker", email="victim@example.com")
    ).lead
    assert (own.email, own.email_verified) == ("victim@example.com", False)

    # Its owner writes later through a bot that vouches for it: not into the attacker's lead.
    contact = send(victim_bot, lead=routing.LeadIdentity(email="victim@example.com"))

    assert contact.lead != own
    assert contact.lead.duplicate_of == own


def test_a_verified_claim_of_an_identifier_the_lead_holds_vouches_for_it(attacker_bot, victim_bot, send):
    lead = send(attacker_bot, lead=routing.LeadIdentity(external_id="tg-1", email="anna@example.com")).lead
    Bot.objects.filter(pk=attacker_bot.pk).update(verifies_email=True)

    send(attacker_bot, lead=routing.LeadIdentity(external_id="tg-1", email="anna@example.com"))

    lead.refresh_from_db()
    assert lead.email_verified
    assert send(victim_bot, lead=routing.LeadIdentity(email="anna@example.com")).lead == lead


def test_it_replays_a_contact_that_made_a_possible_duplicate(victim, attacker_bot):
    typed = routing.LeadIdentity(email="victim@example.com")
    first = routing.register_contact(bot=attacker_bot, identity=typed, message="hi", external_id="m-1")

    again = routing.register_contact(bot=attacker_bot, identity=typed, message="hi", external_id="m-1")

    assert again.replayed
    assert again.contact.pk == first.contact.pk


def test_a_merge_clears_the_mark_and_keeps_the_flags(victim, attacker_bot, send):
    duplicate = send(
        attacker_bot, lead=routing.LeadIdentity(external_id="tg-2", email="victim@example.com")
    ).lead

    routing.merge_leads(target=duplicate, source=victim)

    duplicate.refresh_from_db()
    assert duplicate.duplicate_of is None
    assert (duplicate.email, duplicate.email_verified) == ("victim@example.com", True)


def test_the_migration_lets_existing_bots_vouch_for_every_identifier(db):
    bot, _ = create_bot(name="Old")
    migration = importlib.import_module("distribution.migrations.0016_verified_identifiers")

    migration.vouch_as_before(django_apps, None)

    bot.refresh_from_db()
    assert bot.verified == {"external_id", "email", "phone"}
