"""A lead without a name is named the same way on every page: by the identifier people read best."""

import re

import pytest

from distribution.models import BotOperator, Lead
from distribution.routing import LeadIdentity


@pytest.fixture
def nameless(bot_with_operators, operator_login, send):
    operator, user = operator_login()
    bot, _ = bot_with_operators(weights=[])
    BotOperator.objects.create(bot=bot, operator=operator, weight=10)
    contact = send(bot, lead=LeadIdentity(external_id="tg-5511", phone="+79991234567"))
    return contact, user


@pytest.mark.parametrize(
    ("name", "email", "phone", "external_id", "shown"),
    [
        ("Anna", "anna@example.com", "+79991234567", "tg-1", "Anna"),
        ("", "anna@example.com", "+79991234567", "tg-1", "anna@example.com"),
        ("", None, "+79991234567", "tg-1", "+79991234567"),
        ("", None, None, "tg-1", "tg-1"),
    ],
)
def test_it_names_a_lead_by_its_name_else_its_most_readable_identifier(
    db, name, email, phone, external_id, shown
):
    assert str(Lead(name=name, email=email, phone=phone, external_id=external_id)) == shown


def test_it_names_a_lead_without_name_or_identifier_by_its_number(db):
    assert str(Lead.objects.create()) == f"Lead #{Lead.objects.get().pk}"


@pytest.mark.parametrize("url", ["/leads/", "/contacts/", "/contacts/{contact}/"])
def test_every_manager_page_names_it_the_same(manager_client, nameless, url):
    contact, _user = nameless

    html = manager_client.get(url.format(contact=contact.pk)).content.decode()

    assert re.search(rf'href="/leads/{contact.lead_id}/"[^>]*>\+79991234567</a>', html)


def test_its_own_page_names_it_the_same(manager_client, nameless):
    contact, _user = nameless

    html = manager_client.get(f"/leads/{contact.lead_id}/").content.decode()

    assert f'<h1>+79991234567 <span class="muted">#{contact.lead_id}</span></h1>' in html


@pytest.mark.parametrize("url", ["/me/", "/me/contacts/{contact}/"])
def test_every_operator_page_names_it_the_same(client, nameless, url):
    contact, user = nameless
    client.force_login(user)

    html = client.get(url.format(contact=contact.pk)).content.decode()

    assert re.search(r"<dd>\+79991234567</dd>|>\+79991234567</span>", html)
