"""The dashboard's side of rule 1's vouching: a bot's identifiers on its page, and the possible
duplicates on the leads list and a lead's page."""

import pytest

from distribution import routing
from distribution.models import Bot, Lead

from .conftest import confirmed_merge, htmx

VICTIM = routing.LeadIdentity(external_id="tg-victim", email="victim@example.com", name="Victoria")


@pytest.fixture
def duplicate(bot_with_operators, send):
    """Victoria's lead, and a lead marked as possibly hers: a bot sent her e-mail unvouched."""
    vouching, _ = bot_with_operators(weights=[10], verifies=("external_id", "email"))
    other, _ = bot_with_operators(weights=[10])
    victim = send(vouching, lead=VICTIM).lead
    marked = send(other, lead=routing.LeadIdentity(external_id="tg-eve", email="victim@example.com")).lead
    return victim, marked


def test_the_bot_page_shows_what_the_bot_vouches_for(manager_client, bot_with_operators):
    bot, _ = bot_with_operators(weights=[10])

    html = manager_client.get(bot.get_absolute_url()).content.decode()

    assert '<input type="checkbox" name="vouches" value="external_id"' in html
    assert 'value="external_id" id="id_vouches_0" checked' in html
    assert 'value="email" id="id_vouches_1" checked' not in html


@pytest.mark.parametrize("headers", [{}, htmx("vouches")], ids=["plain", "htmx"])
def test_a_manager_sets_what_a_bot_vouches_for(manager_client, bot_with_operators, headers):
    bot, _ = bot_with_operators(weights=[10])

    response = manager_client.post(f"/bots/{bot.pk}/vouches", {"vouches": ["email", "phone"]}, **headers)

    assert response.status_code in (200, 302)
    bot.refresh_from_db()
    assert bot.verified == {"email", "phone"}


def test_it_refuses_an_identifier_it_does_not_know(manager_client, bot_with_operators):
    bot, _ = bot_with_operators(weights=[10])

    response = manager_client.post(f"/bots/{bot.pk}/vouches", {"vouches": ["name"]}, **htmx("vouches"))

    assert response.status_code == 422
    assert "Select a valid choice." in response.content.decode()
    bot.refresh_from_db()
    assert bot.verified == {"external_id"}


def test_unticking_every_box_vouches_for_nothing(manager_client, bot_with_operators):
    bot, _ = bot_with_operators(weights=[10])

    manager_client.post(f"/bots/{bot.pk}/vouches", {}, **htmx("vouches"))

    assert Bot.objects.get(pk=bot.pk).verified == set()


def test_the_leads_list_filters_the_possible_duplicates(manager_client, duplicate):
    victim, marked = duplicate

    html = manager_client.get("/leads/?duplicates=on").content.decode()

    assert f'href="/leads/{marked.pk}/"' in html
    assert f'href="/leads/{victim.pk}/"' not in html
    assert f"possible duplicate of #{victim.pk}" in html


def test_a_marked_lead_s_page_offers_the_merge_and_the_dismissal(manager_client, duplicate):
    victim, marked = duplicate

    html = manager_client.get(marked.get_absolute_url()).content.decode()

    assert f'action="/leads/{victim.pk}/merge"' in html
    assert f'name="other" value="#{marked.pk}"' in html
    assert f'action="/leads/{marked.pk}/not-duplicate"' in html
    assert "not vouched for" not in html  # its own external id came vouched for


def test_the_other_lead_names_its_possible_duplicates(manager_client, duplicate):
    victim, marked = duplicate

    html = manager_client.get(victim.get_absolute_url()).content.decode()

    assert f'href="/leads/{marked.pk}/">{marked} #{marked.pk}</a>' in html


def test_a_manager_says_it_is_not_the_same_person(manager_client, duplicate):
    _victim, marked = duplicate

    response = manager_client.post(f"/leads/{marked.pk}/not-duplicate")

    assert response.status_code == 302
    assert Lead.objects.get(pk=marked.pk).duplicate_of is None


def test_merging_a_duplicate_into_its_lead_moves_its_contacts(manager_client, duplicate):
    victim, marked = duplicate

    manager_client.post(f"/leads/{victim.pk}/merge", confirmed_merge(victim, marked))

    assert not Lead.objects.filter(pk=marked.pk).exists()
    assert victim.contacts.count() == 2


def test_an_identifier_nobody_vouched_for_is_marked_on_the_lead_page(
    manager_client, bot_with_operators, send
):
    bot, _ = bot_with_operators(weights=[10])
    lead = send(bot, lead=routing.LeadIdentity(external_id="tg-1", phone="+79990000001")).lead

    html = manager_client.get(lead.get_absolute_url()).content.decode()

    assert html.count("not vouched for") == 1
