"""Rule 8 in the workspace: an operator takes its new contact with the Take button of /me/. Who may
call it (each role, CSRF, GET): tests/test_workspace.py's URLS."""

import datetime

import pytest

from distribution import routing
from distribution.models import BotOperator, Contact, ContactEvent

from .conftest import htmx

PAST_IT = datetime.timedelta(minutes=5, seconds=1)


@pytest.fixture
def scene(settings, bot_with_operators, operator_login):
    """A bot with a 5-minute answer time, operator A (with a login, most of the weight) and B."""
    settings.ANSWER_WITHIN = datetime.timedelta(minutes=5)
    bot, (other,) = bot_with_operators(weights=[1])
    operator, user = operator_login(name="Operator A")
    BotOperator.objects.create(bot=bot, operator=operator, weight=1000)
    return bot, operator, user, other


@pytest.fixture
def operator_client(client, scene):
    client.force_login(scene[2])
    return client


def test_it_takes_a_new_contact_and_swaps_its_row(operator_client, scene, send):
    bot, operator, user, _other = scene
    contact = send(bot)
    assert contact.operator == operator

    response = operator_client.post(f"/me/contacts/{contact.pk}/take", **htmx(f"my-contact-{contact.pk}"))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tr id="my-contact-{contact.pk}"')
    assert "Taken less than a minute ago" in html
    assert f"Take #{contact.pk}" not in html
    assert "data-new" not in html
    assert f"Contact #{contact.pk} taken." in html
    contact.refresh_from_db()
    assert contact.accepted_at is not None
    event = contact.events.get(kind=ContactEvent.Kind.ACCEPTED)
    assert (event.reason, event.actor, event.operator) == (ContactEvent.Reason.OPERATOR, user, operator)


def test_it_takes_without_javascript(operator_client, scene, send):
    contact = send(scene[0])

    response = operator_client.post(f"/me/contacts/{contact.pk}/take")

    assert (response.status_code, response.url) == (302, "/me/")
    contact.refresh_from_db()
    assert contact.accepted_at is not None
    assert f"Contact #{contact.pk} taken." in operator_client.get("/me/").content.decode()


def test_it_says_when_the_contact_was_already_taken(operator_client, scene, send):
    contact = send(scene[0])
    routing.accept_contact(contact=contact)

    response = operator_client.post(f"/me/contacts/{contact.pk}/take", **htmx())

    assert f"Contact #{contact.pk} was already taken." in response.content.decode()
    assert contact.events.filter(kind=ContactEvent.Kind.ACCEPTED).count() == 1


def test_it_hides_another_operators_contact(operator_client, scene, send):
    bot, operator, _user, other = scene
    routing.set_operator_active(operator=operator, is_active=False)
    theirs = send(bot)
    assert theirs.operator == other

    assert operator_client.post(f"/me/contacts/{theirs.pk}/take", **htmx()).status_code == 404
    assert operator_client.post(f"/me/contacts/{theirs.pk}/take").status_code == 404
    theirs.refresh_from_db()
    assert theirs.accepted_at is None


def test_it_hides_a_waiting_contact(operator_client, scene, send):
    bot, operator, _user, other = scene
    routing.set_operator_active(operator=operator, is_active=False)
    routing.set_operator_active(operator=other, is_active=False)
    waiting = send(bot)
    assert waiting.status == Contact.Status.WAITING

    assert operator_client.post(f"/me/contacts/{waiting.pk}/take", **htmx()).status_code == 404


def test_it_says_when_the_contact_was_passed_on_meanwhile(operator_client, scene, send, clock):
    bot, _operator, _user, other = scene
    contact = send(bot)
    clock.advance(PAST_IT)
    routing.pass_on_due()
    contact.refresh_from_db()
    assert contact.operator == other

    response = operator_client.post(f"/me/contacts/{contact.pk}/take", **htmx(f"my-contact-{contact.pk}"))

    html = response.content.decode()
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#my-contacts"
    assert html.lstrip().startswith('<div id="my-contacts"')
    assert f"Contact #{contact.pk} is no longer yours: it was passed on or handed back meanwhile." in html
    contact.refresh_from_db()
    assert (contact.operator, contact.accepted_at) == (other, None)
    assert not contact.events.filter(kind=ContactEvent.Kind.ACCEPTED).exists()


def test_it_says_when_the_contact_was_handed_back_without_javascript(operator_client, scene, send):
    bot, operator, _user, _other = scene
    contact = send(bot)
    routing.hand_over_contacts(operator=operator)

    response = operator_client.post(f"/me/contacts/{contact.pk}/take", follow=True)

    assert response.redirect_chain == [("/me/", 302)]
    assert f"Contact #{contact.pk} is no longer yours" in response.content.decode()


def test_it_says_when_the_contact_is_closed(operator_client, scene, send):
    contact = send(scene[0])
    routing.close_contact(contact=contact)

    response = operator_client.post(f"/me/contacts/{contact.pk}/take", **htmx(f"my-contact-{contact.pk}"))

    assert response.status_code == 200
    assert response["HX-Retarget"] == "#my-contacts"
    assert f"Contact #{contact.pk} is closed: there is nothing to take." in response.content.decode()
    contact.refresh_from_db()
    assert contact.accepted_at is None


def test_it_offers_take_only_on_new_contacts(operator_client, scene, send):
    bot = scene[0]
    new, taken = send(bot), send(bot)
    routing.accept_contact(contact=taken)

    html = operator_client.get("/me/").content.decode()

    assert f'<form class="inline take" method="post" action="/me/contacts/{new.pk}/take"' in html
    assert f"/me/contacts/{taken.pk}/take" not in html
