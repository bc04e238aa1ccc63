"""Where each identifier of a lead came from (bot, contact, when), and splitting identifiers that
another bot attached off into a new lead."""

import datetime

import pytest
from django.contrib.auth import get_user_model

from distribution import routing
from distribution.identifiers import IDENTIFIERS
from distribution.models import Contact, IdentifierSource, Lead
from distribution.routing import LeadIdentity
from distribution.tokens import create_bot

from .conftest import htmx
from .test_concurrency import post_contact, simultaneously


@pytest.fixture
def scene(bot_with_operators, send):
    """Bot A's customer Victoria; bot B, which vouches for e-mails as the bots made before rule 1
    knew vouching do, then sends her e-mail with its own phone and external id, which rule 1
    attaches to her lead, and writes again by that external id alone."""
    bot_a, _ = bot_with_operators(weights=[10], name="Bot A", verifies=IDENTIFIERS)
    bot_b, _ = bot_with_operators(weights=[10], name="Bot B", verifies=IDENTIFIERS)
    a1 = send(bot_a, lead=LeadIdentity(email="victim2@example.com", name="Victoria"))
    b1 = send(
        bot_b, lead=LeadIdentity(email="victim2@example.com", phone="+79160000002", external_id="tg-mallory")
    )
    b2 = send(bot_b, lead=LeadIdentity(external_id="tg-mallory"))
    return {"bot_a": bot_a, "bot_b": bot_b, "lead": a1.lead, "a1": a1, "b1": b1, "b2": b2}


def sources_of(lead: Lead) -> dict[str, tuple]:
    return {
        row.field: (row.value, row.bot_id, row.contact_id)
        for row in IdentifierSource.objects.filter(lead=lead)
    }


# Routing records the sources ---------------------------------------------------------------------


def test_it_records_where_a_new_leads_identifiers_came_from(bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])

    contact = send(bot, lead=LeadIdentity(external_id="tg-1", email="anna@example.com"))

    assert sources_of(contact.lead) == {
        "external_id": ("tg-1", bot.pk, contact.pk),
        "email": ("anna@example.com", bot.pk, contact.pk),
    }
    assert {row.created_at for row in IdentifierSource.objects.all()} == {contact.created_at}


def test_it_records_identifiers_another_bot_attached(scene):
    lead = scene["lead"]

    assert scene["b2"].lead == lead  # rule 1 still attaches them
    assert sources_of(lead) == {
        "email": ("victim2@example.com", scene["bot_a"].pk, scene["a1"].pk),
        "phone": ("+79160000002", scene["bot_b"].pk, scene["b1"].pk),
        "external_id": ("tg-mallory", scene["bot_b"].pk, scene["b1"].pk),
    }


def test_it_replaces_the_source_of_an_identifier_removed_by_hand(scene, send):
    lead = scene["lead"]
    Lead.objects.filter(pk=lead.pk).update(phone=None)  # as an edit in admin would

    contact = send(scene["bot_a"], lead=LeadIdentity(email="victim2@example.com", phone="+79160000003"))

    assert sources_of(lead)["phone"] == ("+79160000003", scene["bot_a"].pk, contact.pk)


def test_a_merge_keeps_where_the_moved_identifiers_came_from(bot_with_operators, send):
    bot_a, _ = bot_with_operators(weights=[10])
    bot_b, _ = bot_with_operators(weights=[10])
    target = send(bot_a, lead=LeadIdentity(email="anna@example.com")).lead
    source_contact = send(bot_b, lead=LeadIdentity(phone="+79991234567", email="other@example.com"))

    routing.merge_leads(target=target, source=source_contact.lead)

    assert sources_of(target)["phone"] == ("+79991234567", bot_b.pk, source_contact.pk)
    assert sources_of(target)["email"][1] == bot_a.pk  # the target's own e-mail stays
    assert IdentifierSource.objects.count() == 2


def test_a_merge_marks_unrecorded_identifiers_as_moved_by_a_manager(bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])
    target = send(bot, lead=LeadIdentity(email="anna@example.com")).lead
    typed_in_admin = Lead.objects.create(phone="+79991234567")

    routing.merge_leads(target=target, source=typed_in_admin)

    assert sources_of(target)["phone"] == ("+79991234567", None, None)


# Splitting (the service) -------------------------------------------------------------------------


def test_it_splits_identifiers_and_contacts_into_a_new_lead(scene, send):
    lead = scene["lead"]

    detached = routing.split_lead(
        lead=lead, fields=["phone", "external_id"], contacts=[scene["b1"], scene["b2"]]
    )

    lead.refresh_from_db()
    assert (lead.email, lead.phone, lead.external_id, lead.name) == (
        "victim2@example.com",
        None,
        None,
        "Victoria",
    )
    assert (detached.email, detached.phone, detached.external_id) == (None, "+79160000002", "tg-mallory")
    assert set(Contact.objects.filter(lead=detached)) == {scene["b1"], scene["b2"]}
    assert set(Contact.objects.filter(lead=lead)) == {scene["a1"]}
    assert sources_of(detached) == {
        "phone": ("+79160000002", scene["bot_b"].pk, scene["b1"].pk),
        "external_id": ("tg-mallory", scene["bot_b"].pk, scene["b1"].pk),
    }
    assert set(sources_of(lead)) == {"email"}
    # The bot's next contact by its external id now goes to the new lead.
    assert send(scene["bot_b"], lead=LeadIdentity(external_id="tg-mallory")).lead == detached


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ([], "Choose at least one identifier"),
        (["email", "phone", "external_id"], "keeps at least one identifier"),
        (["name"], "Choose at least one identifier"),
    ],
)
def test_it_refuses_to_split_every_identifier_or_none(scene, fields, error):
    with pytest.raises(routing.SplitRefused, match=error):
        routing.split_lead(lead=scene["lead"], fields=fields, contacts=[])

    assert Lead.objects.count() == 1


def test_it_refuses_to_split_an_identifier_the_lead_no_longer_holds(scene):
    Lead.objects.filter(pk=scene["lead"].pk).update(phone=None)

    with pytest.raises(routing.SplitRefused, match="no phone"):
        routing.split_lead(lead=scene["lead"], fields=["phone"], contacts=[])


def test_it_refuses_to_move_another_leads_contact(scene, send, bot_with_operators):
    stranger = send(scene["bot_a"], lead=LeadIdentity(external_id="tg-stranger"))

    with pytest.raises(routing.SplitRefused, match=f"#{stranger.pk} is not one of this lead's"):
        routing.split_lead(lead=scene["lead"], fields=["phone"], contacts=[stranger])

    assert Lead.objects.count() == 2
    stranger.refresh_from_db()
    assert stranger.lead.external_id == "tg-stranger"


# The lead's page ---------------------------------------------------------------------------------


def test_the_lead_page_shows_where_each_identifier_came_from(manager_client, scene):
    html = manager_client.get(f"/leads/{scene['lead'].pk}/").content.decode()

    phone_row = html.split('id="identifier-phone"')[1].split("</tr>")[0]
    assert "+79160000002" in phone_row
    assert "Bot B" in phone_row
    assert f"#{scene['b1'].pk}" in phone_row
    email_row = html.split('id="identifier-email"')[1].split("</tr>")[0]
    assert "Bot A" in email_row
    assert f"#{scene['a1'].pk}" in email_row


def test_the_lead_page_says_when_nothing_recorded_an_identifier(manager_client, db):
    lead = Lead.objects.create(email="typed@example.com", phone="+79991234567")

    html = manager_client.get(f"/leads/{lead.pk}/").content.decode()

    assert "Not recorded" in html.split('id="identifier-email"')[1].split("</tr>")[0]


def checked(html: str, name: str, value) -> bool:
    tag = html.split(f'name="{name}" value="{value}"')[1].split(">")[0]
    return "checked" in tag


def test_choosing_an_identifier_preselects_its_bots_contacts_from_then_on(manager_client, scene, send):
    earlier = send(scene["bot_b"], lead=LeadIdentity(external_id="tg-other"))
    # Bot B's too, but from before it sent the phone.
    Contact.objects.filter(pk=earlier.pk).update(
        lead=scene["lead"], created_at=scene["b1"].created_at - datetime.timedelta(minutes=1)
    )

    response = manager_client.get(f"/leads/{scene['lead'].pk}/", {"identifiers": "phone"}, **htmx("split"))

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="split"')
    assert checked(html, "identifiers", "phone")
    assert not checked(html, "identifiers", "email")
    assert checked(html, "contacts", scene["b1"].pk)
    assert checked(html, "contacts", scene["b2"].pk)
    assert not checked(html, "contacts", scene["a1"].pk)
    assert not checked(html, "contacts", earlier.pk)


def test_the_detach_link_works_without_javascript(manager_client, scene):
    html = manager_client.get(f"/leads/{scene['lead'].pk}/?identifiers=external_id").content.decode()

    assert 'href="?identifiers=phone#split"' in html
    assert checked(html, "identifiers", "external_id")
    assert checked(html, "contacts", scene["b1"].pk)


def test_it_splits_from_the_page(manager_client, scene):
    lead = scene["lead"]

    response = manager_client.post(
        f"/leads/{lead.pk}/split", {"identifiers": ["phone", "external_id"], "contacts": [scene["b1"].pk]}
    )

    assert response.status_code == 302
    assert response.url == f"/leads/{lead.pk}/"
    detached = Lead.objects.get(phone="+79160000002")
    assert list(detached.contacts.all()) == [scene["b1"]]
    page = manager_client.get(response.url).content.decode()
    assert f"Detached into the new lead #{detached.pk}, with 1 contact." in page


def test_an_htmx_split_reloads_the_page(manager_client, scene):
    lead = scene["lead"]

    response = manager_client.post(f"/leads/{lead.pk}/split", {"identifiers": ["phone"]}, **htmx("split"))

    assert response["HX-Redirect"] == f"/leads/{lead.pk}/"
    assert Lead.objects.filter(phone="+79160000002").exclude(pk=lead.pk).exists()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, "Choose at least one identifier to detach."),
        ({"identifiers": ["email", "phone", "external_id"]}, "A lead keeps at least one identifier"),
        ({"identifiers": ["name"]}, "Select a valid choice."),
        ({"identifiers": ["phone"], "contacts": ["999999"]}, "Select a valid choice."),
        ({"identifiers": ["phone"], "contacts": ["x"]}, "Select a valid choice."),
    ],
)
def test_it_refuses_a_bad_split_in_place(manager_client, scene, data, error):
    response = manager_client.post(f"/leads/{scene['lead'].pk}/split", data, **htmx("split"))

    assert response.status_code == 422
    assert response.content.decode().lstrip().startswith('<section id="split"')
    assert error in response.content.decode()
    assert Lead.objects.count() == 1


def test_it_refuses_a_bad_split_as_a_full_page_without_javascript(manager_client, scene):
    response = manager_client.post(f"/leads/{scene['lead'].pk}/split", {})

    assert response.status_code == 422
    assert "<html" in response.content.decode()
    assert "Choose at least one identifier to detach." in response.content.decode()


def test_it_shows_a_refusal_of_the_service_as_a_form_error(manager_client, scene, monkeypatch):
    """The lead can change between drawing the form and the split: the service has the last word."""

    def refuse(**kwargs):
        raise routing.SplitRefused("This lead has no phone any more.")

    monkeypatch.setattr(routing, "split_lead", refuse)

    response = manager_client.post(
        f"/leads/{scene['lead'].pk}/split", {"identifiers": ["phone"]}, **htmx("split")
    )

    assert response.status_code == 422
    assert "This lead has no phone any more." in response.content.decode()


def test_a_lead_with_one_identifier_has_nothing_to_split(manager_client, db):
    lead = Lead.objects.create(email="one@example.com")

    html = manager_client.get(f"/leads/{lead.pk}/").content.decode()

    assert "This lead has a single identifier" in html
    assert "Split off…" not in html


def test_it_rejects_get(manager_client, scene):
    assert manager_client.get(f"/leads/{scene['lead'].pk}/split").status_code == 405


def test_it_requires_login(client, scene):
    response = client.post(f"/leads/{scene['lead'].pk}/split", {"identifiers": ["phone"]})

    assert response.status_code == 302
    assert response.url.startswith("/login/")
    assert Lead.objects.count() == 1


def test_it_requires_staff(client, scene):
    client.force_login(get_user_model().objects.create_user("clerk", password="x"))

    response = client.post(f"/leads/{scene['lead'].pk}/split", {"identifiers": ["phone"]})

    assert response.status_code == 403
    assert Lead.objects.count() == 1


def test_it_answers_404_for_an_unknown_lead(manager_client, db):
    assert manager_client.post("/leads/999999/split", {"identifiers": ["phone"]}).status_code == 404


# Admin -------------------------------------------------------------------------------------------


def test_admin_shows_the_sources_read_only(admin_client, scene, django_assert_max_num_queries):
    url = f"/admin/distribution/lead/{scene['lead'].pk}/change/"

    with django_assert_max_num_queries(12):
        html = admin_client.get(url).content.decode()

    assert "where the identifiers came from" in html.lower()
    assert "Bot B" in html
    assert 'name="identifier_sources-0-value"' not in html  # nothing to edit


# Concurrency -------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_contacts_arriving_during_a_split_find_a_lead_and_keep_sources_whole():
    _, token_a = create_bot(name="Bot A")
    _, token_b = create_bot(name="Bot B")
    # Both bots vouch for the e-mail, so B's identifiers join A's lead.
    post_contact(token_a, {"lead": {"email": "victim2@example.com", "verified": ["email"]}})
    post_contact(
        token_b,
        {
            "lead": {
                "email": "victim2@example.com",
                "phone": "+79160000002",
                "external_id": "m",
                "verified": ["email", "external_id"],
            }
        },
    )
    lead = Lead.objects.get()

    def task(number: int):
        if number == 0:
            return routing.split_lead(lead=lead, fields=["phone", "external_id"], contacts=[])
        return post_contact(token_b, {"lead": {"external_id": "m"}, "message": f"again {number}"})

    results = simultaneously(10, task)

    assert set(results[1:]) <= {201, 202}
    detached = results[0]
    lead.refresh_from_db()
    assert (lead.email, lead.phone, lead.external_id) == ("victim2@example.com", None, None)
    assert Lead.objects.count() == 2
    assert Contact.objects.count() == 11
    for each in (lead, detached):
        each.refresh_from_db()
        held = {field: getattr(each, field) for field in routing.IDENTIFIERS if getattr(each, field)}
        assert {field: value for field, (value, _, _) in sources_of(each).items()} == held
