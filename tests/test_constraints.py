"""The invariants the database holds by itself, whatever code writes to it."""

import pytest
from django.db import IntegrityError, transaction

from distribution.models import BotOperator, Contact, Lead, Operator


@pytest.fixture
def scene(bot_with_operators, send):
    bot, (operator,) = bot_with_operators(weights=[10])
    return bot, operator, send(bot)


def refused(**update) -> bool:
    try:
        with transaction.atomic():
            update.pop("model").objects.filter(pk=update.pop("pk")).update(**update)
    except IntegrityError:
        return True
    return False


def test_a_weight_is_positive(scene):
    bot, operator, _ = scene
    link = BotOperator.objects.get(bot=bot, operator=operator)

    assert refused(model=BotOperator, pk=link.pk, weight=0)


def test_a_capacity_is_positive(scene):
    _bot, operator, _ = scene

    assert refused(model=Operator, pk=operator.pk, max_open_contacts=0)


def test_an_operator_is_linked_to_a_bot_once(scene):
    bot, operator, _ = scene

    with pytest.raises(IntegrityError), transaction.atomic():
        BotOperator.objects.create(bot=bot, operator=operator, weight=5)


def test_an_open_contact_has_an_operator(scene):
    _bot, _operator, contact = scene

    assert refused(model=Contact, pk=contact.pk, operator=None)


def test_a_waiting_contact_has_no_operator(scene):
    _bot, _operator, contact = scene

    assert refused(model=Contact, pk=contact.pk, status="waiting")


def test_a_bots_external_id_names_one_contact(scene):
    bot, _operator, contact = scene
    Contact.objects.filter(pk=contact.pk).update(external_id="msg-1")

    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(bot=bot, lead=contact.lead, external_id="msg-1")


def test_contacts_without_external_id_do_not_collide(scene):
    bot, _operator, contact = scene

    Contact.objects.create(bot=bot, lead=contact.lead)
    Contact.objects.create(bot=bot, lead=contact.lead)

    assert Contact.objects.filter(external_id=None).count() == 3


@pytest.mark.parametrize("field", ["external_id", "email", "phone"])
def test_a_lead_identifier_is_unique_when_present(db, field):
    value = {"external_id": "tg-1", "email": "a@example.com", "phone": "+79991234567"}[field]
    Lead.objects.create(**{field: value})
    Lead.objects.create()
    Lead.objects.create()

    with pytest.raises(IntegrityError), transaction.atomic():
        Lead.objects.create(**{field: value})


def test_a_weight_has_an_upper_bound(scene):
    bot, operator, _ = scene
    link = BotOperator.objects.get(bot=bot, operator=operator)

    assert refused(model=BotOperator, pk=link.pk, weight=10_000_000)
