# ruff: noqa: RUF001 - the Russian confirmation is read with Cyrillic letters that look like Latin ones.
"""Merging two leads says what the merged lead keeps, takes and drops, and does just that."""

import pytest

from distribution import routing
from distribution.models import Lead
from distribution.routing import LeadIdentity

from .conftest import htmx
from .visible_text import english_words


@pytest.fixture
def pair(bot_with_operators, send):
    """Two leads, each with a phone of its own; the source has an external id the target lacks."""
    bot, _ = bot_with_operators(weights=[10], verifies=("external_id", "phone"))
    target = send(bot, lead=LeadIdentity(email="anna@example.com", phone="+79991234567", name="Anna")).lead
    source = send(bot, lead=LeadIdentity(external_id="tg-1", phone="+79997654321")).lead
    return bot, target, source


def confirm(manager_client, target, source, **headers):
    return manager_client.post(f"/leads/{target.pk}/merge", {"other": f"#{source.pk}"}, **headers)


@pytest.mark.parametrize("with_htmx", [False, True], ids=["plain", "htmx"])
def test_the_confirmation_says_what_is_kept_taken_and_dropped(manager_client, pair, with_htmx):
    _bot, target, source = pair

    html = confirm(manager_client, target, source, **(htmx("merge") if with_htmx else {})).content.decode()

    kept = html.split('<ul id="merge-kept">')[1].split("</ul>")[0]
    assert "E-mail: anna@example.com" in kept
    assert f'External id: tg-1\n        <span class="muted">(from #{source.pk})</span>' in kept
    assert "+7999" not in kept
    choice = html.split('<fieldset id="merge-phone">')[1].split("</fieldset>")[0]
    assert "Phone: both leads have one, and a lead holds only one. Which stays?" in choice
    assert f"Keep +79991234567 (#{target.pk}'s), drop +79997654321" in choice
    assert f"Keep +79997654321 (#{source.pk}'s), drop +79991234567" in choice
    assert 'value="this" checked' in choice
    assert "a later contact naming it starts a new lead" in html


def test_it_says_when_nothing_is_dropped(manager_client, bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])
    target = send(bot, lead=LeadIdentity(email="anna@example.com")).lead
    source = send(bot, lead=LeadIdentity(external_id="tg-1")).lead

    html = confirm(manager_client, target, source).content.decode()

    assert "No identifier is dropped." in html
    assert "<fieldset" not in html.split('id="merge"')[1]


def test_it_keeps_the_targets_identifier_and_says_it_dropped_the_other(manager_client, pair, send):
    bot, target, source = pair
    seen = routing.merge_plan(target=target, source=source).seen

    response = manager_client.post(
        f"/leads/{target.pk}/merge",
        {"other": f"#{source.pk}", "confirmed": "yes", "seen": seen, "keep-phone": "this"},
        follow=True,
    )

    target.refresh_from_db()
    assert (target.external_id, target.phone) == ("tg-1", "+79991234567")
    html = response.content.decode()
    assert "Dropped: phone +79997654321. A later contact naming it starts a new lead." in html
    # As the manager was told: the dropped phone no longer leads here.
    later = send(bot, lead=LeadIdentity(phone="+79997654321"))
    assert later.lead != target


def test_it_keeps_the_other_leads_identifier_when_chosen(manager_client, pair, send):
    bot, target, source = pair
    seen = routing.merge_plan(target=target, source=source).seen

    manager_client.post(
        f"/leads/{target.pk}/merge",
        {"other": f"#{source.pk}", "confirmed": "yes", "seen": seen, "keep-phone": "other"},
    )

    target.refresh_from_db()
    assert target.phone == "+79997654321"
    assert send(bot, lead=LeadIdentity(phone="+79997654321")).lead == target
    assert send(bot, lead=LeadIdentity(phone="+79991234567")).lead != target


def test_it_refuses_a_merge_whose_leads_changed_since_the_confirmation(manager_client, pair):
    _bot, target, source = pair
    seen = routing.merge_plan(target=target, source=source).seen
    Lead.objects.filter(pk=target.pk).update(email=None)
    Lead.objects.filter(pk=source.pk).update(email="anna@work.example")

    response = manager_client.post(
        f"/leads/{target.pk}/merge",
        {"other": f"#{source.pk}", "confirmed": "yes", "seen": seen},
        **htmx("merge"),
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert "One of the leads changed since this was shown" in html
    assert "E-mail: anna@work.example" in html
    assert Lead.objects.filter(pk=source.pk).exists()


def test_it_asks_in_russian(manager_client, pair):
    _bot, target, source = pair

    html = confirm(manager_client, target, source, HTTP_ACCEPT_LANGUAGE="ru").content.decode()

    assert "Телефон: есть у обоих лидов, а у лида может быть только один. Какой оставить?" in html
    assert f"Оставить +79997654321 (из #{source.pk}), удалить +79991234567" in html
    assert "Удалённый идентификатор забывается: следующий контакт с ним создаст новый лид." in html
    # The scene's data; "e-mail" is written so in Russian too.
    assert english_words(html, allowed={"anna", "example", "com", "tg", "manager", "mail"}) == []
