"""Rule 1: recognising a lead, normalising identifiers, and merging by hand."""

import pytest

from distribution import identifiers, routing
from distribution.identifiers import IDENTIFIERS
from distribution.models import Contact, Lead
from distribution.routing import LeadIdentity


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+7 999 123-45-67", "+79991234567"),
        ("+7 (999) 123 45 67", "+79991234567"),
        ("+79991234567", "+79991234567"),
        ("8 999 123-45-67", "+79991234567"),
        ("  +44 20 7946 0958 ", "+442079460958"),
    ],
)
def test_it_normalises_phones_to_e164(raw, expected):
    assert identifiers.normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["12", "not a phone", "+7 999", "+999 123456789012345"])
def test_it_rejects_impossible_phones(raw):
    with pytest.raises(identifiers.InvalidPhone):
        identifiers.normalize_phone(raw)


def test_it_normalises_emails():
    assert identifiers.normalize_email("  Anna@Example.COM ") == "anna@example.com"


def test_it_creates_a_lead_on_first_contact(bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])

    result = routing.register_contact(bot=bot, identity=LeadIdentity(email="anna@example.com", name="Anna"))

    assert result.lead_created
    assert (result.contact.lead.email, result.contact.lead.name) == ("anna@example.com", "Anna")


def test_it_recognises_a_lead_across_bots(bot_with_operators, send):
    telegram, _ = bot_with_operators(weights=[10])
    whatsapp, _ = bot_with_operators(weights=[10])
    first = send(telegram, lead=LeadIdentity(external_id="tg-1"))

    result = routing.register_contact(bot=whatsapp, identity=LeadIdentity(external_id="tg-1"))

    assert not result.lead_created
    assert result.contact.lead == first.lead
    assert Lead.objects.count() == 1


def test_it_looks_up_external_id_before_email_before_phone(bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10], verifies=IDENTIFIERS)
    by_phone = Lead.objects.create(phone="+79991234567")
    by_email = Lead.objects.create(email="anna@example.com")
    by_external_id = Lead.objects.create(external_id="tg-1")

    everything = LeadIdentity(external_id="tg-1", email="anna@example.com", phone="+79991234567")
    email_and_phone = LeadIdentity(email="anna@example.com", phone="+79991234567")

    assert send(bot, lead=everything).lead == by_external_id
    assert send(bot, lead=email_and_phone).lead == by_email
    assert send(bot, lead=LeadIdentity(phone="+79991234567")).lead == by_phone


def test_it_adds_the_identifiers_the_lead_lacks(bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])
    lead = send(bot, lead=LeadIdentity(external_id="tg-1")).lead

    send(
        bot,
        lead=LeadIdentity(external_id="tg-1", email="anna@example.com", phone="+79991234567", name="Anna"),
    )

    lead.refresh_from_db()
    assert (lead.email, lead.phone, lead.name) == ("anna@example.com", "+79991234567", "Anna")


def test_it_does_not_take_an_identifier_another_lead_holds(bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])
    anna = send(bot, lead=LeadIdentity(email="anna@example.com")).lead
    send(bot, lead=LeadIdentity(phone="+79991234567"))

    send(bot, lead=LeadIdentity(email="anna@example.com", phone="+79991234567"))

    anna.refresh_from_db()
    assert anna.phone is None


def test_a_shared_phone_matches_when_nothing_stronger_does(bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10], verifies=IDENTIFIERS)
    husband = send(bot, lead=LeadIdentity(external_id="tg-1", phone="+79991234567")).lead

    contact = send(bot, lead=LeadIdentity(external_id="tg-2", phone="+79991234567"))

    # First match wins: tg-2 is unknown, the phone is the husband's. His own external_id stays.
    assert contact.lead == husband
    husband.refresh_from_db()
    assert husband.external_id == "tg-1"


def test_it_never_merges_leads_by_itself(bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10], verifies=IDENTIFIERS)
    by_email = send(bot, lead=LeadIdentity(email="anna@example.com")).lead
    by_phone = send(bot, lead=LeadIdentity(phone="+79991234567")).lead

    contact = send(bot, lead=LeadIdentity(email="anna@example.com", phone="+79991234567"))

    assert contact.lead == by_email
    assert Lead.objects.count() == 2
    by_phone.refresh_from_db()
    assert by_phone.contacts.count() == 1


def test_it_does_not_overwrite_a_name(bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])
    lead = send(bot, lead=LeadIdentity(external_id="tg-1", name="Anna")).lead

    send(bot, lead=LeadIdentity(external_id="tg-1", name="Annushka"))

    lead.refresh_from_db()
    assert lead.name == "Anna"


def test_it_requires_an_identifier(bot_with_operators):
    bot, _ = bot_with_operators(weights=[10])

    with pytest.raises(ValueError, match="external_id, an email or a phone"):
        routing.register_contact(bot=bot, identity=LeadIdentity(name="Nobody"))
    assert not Contact.objects.exists()


def test_a_manager_merges_two_leads(bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])
    target = send(bot, lead=LeadIdentity(email="anna@example.com")).lead
    source_contact = send(bot, lead=LeadIdentity(external_id="tg-1", phone="+79991234567", name="Anna"))
    source = source_contact.lead

    plan = routing.merge_leads(target=target, source=source)

    assert [planned.field for planned in plan.taken] == ["external_id", "phone"]
    assert plan.dropped == []
    assert not Lead.objects.filter(pk=source.pk).exists()
    target.refresh_from_db()
    assert (target.external_id, target.email, target.phone, target.name) == (
        "tg-1",
        "anna@example.com",
        "+79991234567",
        "Anna",
    )
    assert set(target.contacts.all()) == {source_contact, *target.contacts.all()}
    assert target.contacts.count() == 2
    # The merged lead is now found by the identifiers that came from the other one.
    assert routing.find_lead(LeadIdentity(phone="+79991234567")) == target


def test_merging_keeps_the_targets_own_identifiers(bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])
    target = send(bot, lead=LeadIdentity(email="anna@example.com")).lead
    source = send(bot, lead=LeadIdentity(email="anna@work.example")).lead

    routing.merge_leads(target=target, source=source)

    target.refresh_from_db()
    assert target.email == "anna@example.com"


def test_a_lead_cannot_be_merged_into_itself(bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])
    lead = send(bot).lead

    with pytest.raises(ValueError, match="itself"):
        routing.merge_leads(target=lead, source=lead)
