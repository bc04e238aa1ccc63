"""An e-mail with a Cyrillic domain: stored in its normal (IDNA) form, shown in Unicode."""

import pytest

from distribution.identifiers import unicode_email
from distribution.models import BotOperator, Lead
from distribution.routing import LeadIdentity

STORED = "ivan.petrov@xn--e1afmkfd.xn--p1ai"
SHOWN = "ivan.petrov@пример.рф"


@pytest.fixture
def ivan(bot_with_operators, operator_login, send):
    operator, user = operator_login()
    bot, _ = bot_with_operators(weights=[], verifies=("external_id", "email"))
    BotOperator.objects.create(bot=bot, operator=operator, weight=10)
    contact = send(bot, lead=LeadIdentity.normalised(external_id="tg-7", email="Ivan.Petrov@ПРИМЕР.рф"))
    return contact, user


def test_it_stores_the_normal_form_and_matches_on_it(ivan, bot_with_operators, send):
    contact, _user = ivan
    bot, _ = bot_with_operators(weights=[10], verifies=("email",))

    again = send(bot, lead=LeadIdentity.normalised(email=SHOWN))

    assert Lead.objects.get().email == STORED
    assert again.lead_id == contact.lead_id


@pytest.mark.parametrize("url", ["/leads/", "/leads/{lead}/", "/contacts/{contact}/"])
def test_a_manager_page_shows_the_unicode_form(manager_client, ivan, url):
    contact, _user = ivan
    Lead.objects.update(name="", external_id=None)

    html = manager_client.get(url.format(lead=contact.lead_id, contact=contact.pk)).content.decode()

    assert SHOWN in html
    assert "xn--" not in html


@pytest.mark.parametrize("url", ["/me/", "/me/contacts/{contact}/"])
def test_an_operator_page_shows_the_unicode_form(client, ivan, url):
    contact, user = ivan
    client.force_login(user)

    html = client.get(url.format(contact=contact.pk)).content.decode()

    assert SHOWN in html
    assert "xn--" not in html


def test_the_admin_list_shows_the_unicode_form(admin_client, ivan):
    html = admin_client.get("/admin/distribution/lead/").content.decode()

    assert SHOWN in html
    assert STORED not in html


def test_a_domain_mixing_scripts_stays_in_idna():
    # Cyrillic look-alikes of "apple", then ".com", would read as apple.com.
    assert unicode_email("a@xn--80ak6aa92e.com") == "a@xn--80ak6aa92e.com"
    assert unicode_email("a@example.com") == "a@example.com"
