"""A manager renames a lead and adds or removes its identifiers on the lead's page, normalised as
the intake normalises them, with the manager recorded as their source."""

import pytest

from distribution.models import IdentifierSource, Lead
from distribution.routing import LeadIdentity

from .conftest import htmx


@pytest.fixture
def lead(bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])
    return send(bot, lead=LeadIdentity(external_id="tg-1", name="Anna")).lead


def test_it_renames_a_lead(manager_client, lead):
    response = manager_client.post(f"/leads/{lead.pk}/rename", {"name": "  Anna Petrova "})

    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.name == "Anna Petrova"


def test_it_refuses_a_name_too_long_as_a_form_error(manager_client, lead):
    response = manager_client.post(f"/leads/{lead.pk}/rename", {"name": "A" * 201}, **htmx("lead-edit"))

    assert response.status_code == 422
    assert 'id="lead-edit"' in response.content.decode()
    lead.refresh_from_db()
    assert lead.name == "Anna"


def test_it_adds_an_e_mail_normalised_as_the_intake_does(manager_client, manager, lead):
    response = manager_client.post(
        f"/leads/{lead.pk}/identifiers", {"field": "email", "value": " Anna@Пример.РФ "}, **htmx("lead-edit")
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == lead.get_absolute_url()
    lead.refresh_from_db()
    assert lead.email == "anna@xn--e1afmkfd.xn--p1ai"
    assert lead.email_verified
    page = manager_client.get(lead.get_absolute_url()).content.decode()
    assert "anna@пример.рф" in page
    assert "the manager manager, by hand" in page


def test_it_records_the_manager_as_the_identifiers_source(manager_client, manager, lead):
    manager_client.post(f"/leads/{lead.pk}/identifiers", {"field": "phone", "value": "8 (916) 000-00-02"})

    source = IdentifierSource.objects.get(lead=lead, field="phone")
    assert (source.value, source.bot_id, source.actor) == ("+79160000002", None, manager)


def test_it_refuses_an_invalid_identifier_as_a_form_error(manager_client, lead):
    response = manager_client.post(
        f"/leads/{lead.pk}/identifiers", {"field": "phone", "value": "call me"}, **htmx("lead-edit")
    )

    assert response.status_code == 422
    assert "Must not contain letters" in response.content.decode()
    lead.refresh_from_db()
    assert lead.phone is None


def test_it_refuses_an_identifier_another_lead_holds_naming_that_lead(
    manager_client, lead, send, bot_with_operators
):
    bot, _ = bot_with_operators(weights=[10])
    other = send(bot, lead=LeadIdentity(email="boris@example.com", name="Boris")).lead

    response = manager_client.post(
        f"/leads/{lead.pk}/identifiers", {"field": "email", "value": "BORIS@example.com"}, **htmx("lead-edit")
    )

    assert response.status_code == 422
    assert f'<a href="{other.get_absolute_url()}">Boris #{other.pk}</a>' in response.content.decode()
    lead.refresh_from_db()
    assert lead.email is None


def test_it_refuses_a_kind_the_lead_already_holds(manager_client, lead):
    response = manager_client.post(f"/leads/{lead.pk}/identifiers", {"field": "external_id", "value": "tg-2"})

    assert response.status_code == 422
    lead.refresh_from_db()
    assert lead.external_id == "tg-1"


def test_it_removes_an_identifier_and_its_source(manager_client, lead):
    manager_client.post(f"/leads/{lead.pk}/identifiers", {"field": "phone", "value": "+79160000002"})

    response = manager_client.post(f"/leads/{lead.pk}/identifiers/remove", {"field": "phone"})

    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.phone is None
    assert not IdentifierSource.objects.filter(lead=lead, field="phone").exists()


def test_it_refuses_to_remove_the_last_identifier(manager_client, lead):
    response = manager_client.post(
        f"/leads/{lead.pk}/identifiers/remove", {"field": "external_id"}, **htmx("lead-edit")
    )

    assert response.status_code == 422
    assert "at least one identifier" in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).external_id == "tg-1"


def test_it_refuses_an_unknown_identifier_kind_as_a_form_error(manager_client, lead):
    response = manager_client.post(f"/leads/{lead.pk}/identifiers/remove", {"field": "name"})

    assert response.status_code == 422


def test_an_operator_may_not_edit_a_lead(client, lead, operator_login):
    _operator, user = operator_login()
    client.force_login(user)

    assert client.post(f"/leads/{lead.pk}/rename", {"name": "X"}).status_code == 403
    assert client.post(f"/leads/{lead.pk}/identifiers/remove", {"field": "external_id"}).status_code == 403
