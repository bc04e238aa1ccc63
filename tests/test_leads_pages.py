"""Leads: search by any identifier, a lead's contacts across bots, merging two leads."""

import pytest

from distribution import routing
from distribution.models import Contact, Lead
from distribution.routing import LeadIdentity

from .conftest import confirmed_merge, htmx


@pytest.fixture
def anna(bot_with_operators, send):
    telegram, _ = bot_with_operators(weights=[10], name="Telegram Sales")
    whatsapp, _ = bot_with_operators(weights=[10], name="WhatsApp Support")
    identity = LeadIdentity(
        external_id="tg-5511", email="anna@example.com", phone="+79991234567", name="Anna Ivanova"
    )
    send(telegram, lead=identity)
    send(whatsapp, lead=identity)
    send(telegram, lead=LeadIdentity(external_id="tg-1", name="Boris"))
    return Lead.objects.get(external_id="tg-5511")


@pytest.mark.parametrize(
    "query", ["anna iv", "ANNA@example.com", "+7 (999) 123-45-67", "8 999 123 45 67", "5511", "1234567"]
)
def test_it_finds_a_lead_by_any_identifier(manager_client, anna, query):
    html = manager_client.get("/leads/", {"q": query}).content.decode()

    assert f'href="/leads/{anna.pk}/"' in html
    assert "Boris" not in html


def test_it_lists_each_leads_contact_count_and_bots(manager_client, anna):
    html = manager_client.get("/leads/").content.decode()

    row = html.split(f'href="/leads/{anna.pk}/"')[1].split("</tr>")[0]
    assert '<td class="num">2</td>' in row
    assert "Telegram Sales, WhatsApp Support" in row


def test_it_says_when_nothing_matches(manager_client, anna):
    assert "No lead matches “nobody”." in manager_client.get("/leads/", {"q": "nobody"}).content.decode()


def test_a_search_as_you_type_gets_only_the_results(manager_client, anna):
    response = manager_client.get("/leads/", {"q": "anna"}, **htmx("lead-results"))

    assert response.content.decode().lstrip().startswith('<section id="lead-results"')


def test_a_lead_page_shows_its_contacts_across_bots(manager_client, anna):
    html = manager_client.get(f"/leads/{anna.pk}/").content.decode()

    assert "Telegram Sales" in html
    assert "WhatsApp Support" in html
    assert "anna@example.com" in html
    assert "+79991234567" in html


def test_it_merges_another_lead_into_this_one(manager_client, anna):
    other = Lead.objects.get(external_id="tg-1")

    response = manager_client.post(f"/leads/{anna.pk}/merge", confirmed_merge(anna, other))

    assert response.status_code == 302
    assert response.url == f"/leads/{anna.pk}/"
    assert not Lead.objects.filter(pk=other.pk).exists()
    assert Contact.objects.filter(lead=anna).count() == 3


def test_an_htmx_merge_reloads_the_page(manager_client, anna):
    other = Lead.objects.get(external_id="tg-1")

    response = manager_client.post(f"/leads/{anna.pk}/merge", confirmed_merge(anna, other), **htmx("merge"))

    assert response["HX-Redirect"] == f"/leads/{anna.pk}/"


@pytest.mark.parametrize(
    ("other", "error"),
    [
        ("self", "cannot be merged into itself"),
        ("999999", "No lead has this"),
        ("nobody@example.com", "No lead has this"),
        # Digits that str.isdigit() accepts but that are no lead's number.
        ("\u00b2", "No lead has this"),
        ("#\u00b2", "No lead has this"),
        ("\u0661", "No lead has this"),
        ("\uff11", "No lead has this"),
        ("9" * 20, "No lead has this"),
    ],
)
def test_it_refuses_a_bad_merge_in_place(manager_client, anna, other, error):
    response = manager_client.post(
        f"/leads/{anna.pk}/merge", {"other": anna.pk if other == "self" else other}, **htmx("merge")
    )

    assert response.status_code == 422
    assert response.content.decode().lstrip().startswith('<section id="merge"')
    assert error in response.content.decode()
    assert Lead.objects.count() == 2


@pytest.mark.parametrize("typed", ["tg-1", "#{pk}", "{pk}"])
def test_it_finds_the_other_lead_by_number_or_identifier(manager_client, anna, typed):
    other = Lead.objects.get(external_id="tg-1")

    response = manager_client.post(f"/leads/{anna.pk}/merge", {"other": typed.format(pk=other.pk)})

    assert f'<input type="hidden" name="other" value="#{other.pk}">' in response.content.decode()
    manager_client.post(f"/leads/{anna.pk}/merge", confirmed_merge(anna, other))
    assert not Lead.objects.filter(pk=other.pk).exists()


def test_it_merges_by_phone_in_any_format(manager_client, anna, bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])
    target = send(bot, lead=LeadIdentity(external_id="tg-9")).lead

    response = manager_client.post(f"/leads/{target.pk}/merge", {"other": "8 (999) 123-45-67"})

    assert f'<input type="hidden" name="other" value="#{anna.pk}">' in response.content.decode()
    manager_client.post(f"/leads/{target.pk}/merge", confirmed_merge(target, anna))
    target.refresh_from_db()
    assert target.phone == "+79991234567"
    assert not Lead.objects.filter(pk=anna.pk).exists()


def test_it_offers_namesakes_for_a_one_click_merge(manager_client, anna, bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])
    twin = send(bot, lead=LeadIdentity(email="anna.i@work.example", name="Anna Ivanova")).lead

    html = manager_client.get(f"/leads/{anna.pk}/").content.decode()

    assert f'<input type="hidden" name="other" value="{twin.pk}">' in html
    assert f'aria-label="Merge into this lead… (#{twin.pk})"' in html


@pytest.mark.parametrize("named", ["#{pk}", "{pk}"])
def test_a_confirmed_merge_takes_the_lead_it_named_or_none(manager_client, anna, named):
    # The confirmation named lead #pk; meanwhile it was merged away, and another lead has that
    # number as its external id.
    named_lead = Lead.objects.get(external_id="tg-1")
    routing.merge_leads(target=anna, source=named_lead)
    lookalike = Lead.objects.create(name="Boris", external_id=str(named_lead.pk))

    response = manager_client.post(
        f"/leads/{anna.pk}/merge",
        {"other": named.format(pk=named_lead.pk), "confirmed": "yes"},
        **htmx("merge"),
    )

    assert response.status_code == 422
    assert "no longer exists: nothing was merged" in response.content.decode()
    assert Lead.objects.filter(pk=lookalike.pk).exists()


@pytest.mark.parametrize("with_htmx", [False, True], ids=["plain", "htmx"])
def test_a_merge_names_both_leads_and_asks_before_deleting(manager_client, anna, with_htmx):
    other = Lead.objects.get(external_id="tg-1")
    headers = htmx("merge") if with_htmx else {}

    response = manager_client.post(f"/leads/{anna.pk}/merge", {"other": "tg-1"}, **headers)

    html = response.content.decode()
    assert response.status_code == 200
    assert f"Merge #{other.pk} {other} into #{anna.pk} Anna Ivanova?" in html
    assert f"#{other.pk} will be deleted: its 1 contact moves to #{anna.pk}." in html
    assert '<input type="hidden" name="confirmed" value="yes">' in html
    assert html.lstrip().startswith('<section id="merge"') == with_htmx
    assert Lead.objects.filter(pk=other.pk).exists()
