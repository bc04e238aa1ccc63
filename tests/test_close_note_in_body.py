"""Without JavaScript a close asks on a confirmation page, and the note travels only in POST bodies:
never in a URL, where access logs and the browser's history would keep it."""

import pytest

from distribution.models import BotOperator, Contact

from .conftest import htmx

NOTE = "Card 4111 refunded"


@pytest.fixture
def scene(bot_with_operators, operator_login, send):
    """An open contact of operator A, whose login is `client`'s."""
    bot, _ = bot_with_operators(weights=[10])
    operator, user = operator_login(name="Operator A")
    BotOperator.objects.create(bot=bot, operator=operator, weight=1000)
    return send(bot), user


def test_the_workspace_close_form_posts(client, scene):
    contact, user = scene
    client.force_login(user)

    html = client.get("/me/").content.decode()

    assert f'<form class="inline" method="post" action="/me/contacts/{contact.pk}/close"' in html
    assert '<input type="hidden" name="ask" value="1">' in html


def test_the_operator_confirms_without_javascript_with_the_note_in_the_body(client, scene):
    contact, user = scene
    client.force_login(user)

    page = client.post(f"/me/contacts/{contact.pk}/close", {"note": NOTE, "ask": "1"})

    html = page.content.decode()
    assert page.status_code == 200
    assert f'<form method="post" action="/me/contacts/{contact.pk}/close">' in html
    assert f'<input type="hidden" name="note" value="{NOTE}">' in html
    contact.refresh_from_db()
    assert contact.status == Contact.Status.OPEN

    response = client.post(f"/me/contacts/{contact.pk}/close", {"note": NOTE})

    assert response.url == "/me/"
    contact.refresh_from_db()
    assert (contact.status, contact.resolution) == (Contact.Status.CLOSED, NOTE)


def test_a_get_never_carries_the_operators_note(client, scene):
    contact, user = scene
    client.force_login(user)

    page = client.get(f"/me/contacts/{contact.pk}/close", {"note": NOTE}, follow=True)

    html = page.content.decode()
    assert page.redirect_chain == [(f"/me/contacts/{contact.pk}/close", 302)]
    assert "refunded" not in html
    contact.refresh_from_db()
    assert (contact.status, contact.resolution) == (Contact.Status.OPEN, "")


def test_htmx_closes_at_once_though_the_form_asks_without_javascript(client, scene):
    contact, user = scene
    client.force_login(user)

    client.post(f"/me/contacts/{contact.pk}/close", {"note": NOTE, "ask": "1"}, **htmx("my-contacts"))

    contact.refresh_from_db()
    assert (contact.status, contact.resolution) == (Contact.Status.CLOSED, NOTE)


def test_the_managers_close_forms_post(manager_client, scene):
    contact, _user = scene

    html = manager_client.get(contact.get_absolute_url()).content.decode()
    listed = manager_client.get("/contacts/").content.decode()

    assert f'<form method="post" action="/contacts/{contact.pk}/close"' in html
    assert f'<form method="post" action="/contacts/{contact.pk}/close"' in listed


def test_the_manager_confirms_without_javascript_with_the_note_in_the_body(manager_client, scene):
    contact, _user = scene
    back = contact.get_absolute_url()

    page = manager_client.post(f"/contacts/{contact.pk}/close", {"note": NOTE, "next": back, "ask": "1"})

    html = page.content.decode()
    assert f'<form method="post" action="/contacts/{contact.pk}/close">' in html
    assert f'<input type="hidden" name="note" value="{NOTE}">' in html
    assert f'<input type="hidden" name="next" value="{back}">' in html
    contact.refresh_from_db()
    assert contact.status == Contact.Status.OPEN

    response = manager_client.post(f"/contacts/{contact.pk}/close", {"note": NOTE, "next": back})

    assert response.url == back
    contact.refresh_from_db()
    assert (contact.status, contact.resolution) == (Contact.Status.CLOSED, NOTE)


def test_a_get_never_carries_the_managers_note(manager_client, scene):
    contact, _user = scene

    page = manager_client.get(
        f"/contacts/{contact.pk}/close", {"note": NOTE, "next": "/contacts/"}, follow=True
    )

    html = page.content.decode()
    assert page.redirect_chain == [(f"/contacts/{contact.pk}/close?next=%2Fcontacts%2F", 302)]
    assert "refunded" not in html
    assert f'<form method="post" action="/contacts/{contact.pk}/close">' in html
