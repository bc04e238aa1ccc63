"""On a contact's page a manager transfers it to an operator with room, reopens it once closed, or
closes it with a note; its history tells each step of rules 8-10 (issue 19)."""

import datetime

import pytest
from django.contrib.auth import get_user_model

from distribution import routing
from distribution.models import Bot, Contact, ContactEvent

from .conftest import htmx
from .test_roles import login

Kind, Reason = ContactEvent.Kind, ContactEvent.Reason
MINUTE = datetime.timedelta(minutes=1)


def fresh(contact: Contact) -> Contact:
    return Contact.objects.get(pk=contact.pk)


def squeezed(html: str) -> str:
    return " ".join(html.split())


@pytest.fixture
def scene(bot_with_operators, make_operator, send):
    """Anna has the contact; Boris has room; Carl is full; Dora is switched off."""
    bot, (anna, boris, carl) = bot_with_operators(weights=[1000, 1, 1], capacities=[5, 3, 1])
    contact = send(bot, message="Hello")
    Contact.objects.filter(pk=send(bot).pk).update(operator=carl)  # Carl's one place
    make_operator(name="Dora", active=False)
    return {"contact": contact, "anna": anna, "boris": boris, "carl": carl}


def test_the_page_offers_the_operators_with_room_and_their_load(manager_client, scene):
    html = manager_client.get(f"/contacts/{scene['contact'].pk}/").content.decode()

    options = html.split('name="to"')[1].split("</select>")[0]
    assert f'<option value="{scene["boris"].pk}">{scene["boris"].name}: 0 of 3 open</option>' in options
    for name in ["anna", "carl"]:
        assert f'value="{scene[name].pk}"' not in options, name
    assert "Dora" not in options


def test_it_transfers_a_contact_with_the_reason(manager_client, manager, scene):
    contact, boris = scene["contact"], scene["boris"]

    response = manager_client.post(
        f"/contacts/{contact.pk}/transfer",
        {"to": boris.pk, "note": "Speaks Spanish"},
        **htmx("contact-actions"),
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/contacts/{contact.pk}/"
    assert fresh(contact).operator == boris
    event = fresh(contact).events.last()
    assert (event.kind, event.reason, event.operator, event.actor, event.note) == (
        Kind.ASSIGNED,
        Reason.TRANSFER,
        boris,
        manager,
        "Speaks Spanish",
    )
    html = manager_client.get(response["HX-Redirect"]).content.decode()
    assert f"Contact #{contact.pk} transferred to {boris.name}." in html
    assert f"to {boris.name}, transferred by a manager (manager): “Speaks Spanish”" in squeezed(html)


def test_a_refused_transfer_is_a_form_error_in_place(manager_client, scene):
    contact, carl = scene["contact"], scene["carl"]

    response = manager_client.post(
        f"/contacts/{contact.pk}/transfer", {"to": carl.pk, "note": "Try"}, **htmx("contact-actions")
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="contact-actions"')
    assert f"{carl.name} is switched off or full." in html
    assert 'aria-describedby="transfer-to-error"' in html
    assert 'value="Try"' in html
    assert fresh(contact).operator == scene["anna"]


def test_a_refused_transfer_without_javascript_keeps_the_page_and_the_note(manager_client, scene):
    contact = scene["contact"]

    response = manager_client.post(f"/contacts/{contact.pk}/transfer", {"to": "", "note": "Spanish"})

    assert response.status_code == 422
    html = response.content.decode()
    assert "<html" in html
    assert "This field is required." in html
    assert 'value="Spanish"' in html


def test_a_transfer_without_javascript_comes_back_to_the_contact(manager_client, scene):
    contact, boris = scene["contact"], scene["boris"]

    response = manager_client.post(f"/contacts/{contact.pk}/transfer", {"to": boris.pk}, follow=True)

    assert response.redirect_chain == [(f"/contacts/{contact.pk}/", 302)]
    assert fresh(contact).operator == boris


def test_a_closed_contact_is_not_transferred(manager_client, scene):
    contact = scene["contact"]
    routing.close_contact(contact=contact)

    response = manager_client.post(f"/contacts/{contact.pk}/transfer", {"to": scene["boris"].pk})

    assert response.status_code == 422
    assert "Only an open contact can be transferred." in response.content.decode()
    assert fresh(contact).operator == scene["anna"]


def test_it_closes_a_contact_with_a_note_from_its_page(manager_client, manager, scene):
    contact = scene["contact"]

    response = manager_client.post(
        f"/contacts/{contact.pk}/close", {"note": "Sold a sofa"}, **htmx("contact-actions")
    )

    assert response["HX-Redirect"] == f"/contacts/{contact.pk}/"
    closed = fresh(contact)
    assert (closed.status, closed.resolution) == (Contact.Status.CLOSED, "Sold a sofa")
    assert closed.events.last().note == "Sold a sofa"


def test_without_javascript_the_close_asks_first_and_keeps_the_note(manager_client, scene):
    contact = scene["contact"]
    url, fields = f"/contacts/{contact.pk}/close", {"next": f"/contacts/{contact.pk}/", "note": "Sold"}

    page = manager_client.post(url, {**fields, "ask": "1"}).content.decode()
    response = manager_client.post(url, fields)

    assert "Only a manager can reopen it." in page
    assert '<input type="hidden" name="note" value="Sold">' in page
    assert response.url == f"/contacts/{contact.pk}/"
    assert fresh(contact).resolution == "Sold"


def test_a_note_too_long_is_a_form_error_in_place(manager_client, scene):
    contact = scene["contact"]

    response = manager_client.post(
        f"/contacts/{contact.pk}/close", {"note": "x" * 501}, **htmx("contact-actions")
    )

    assert response.status_code == 422
    assert 'id="close-note-error"' in response.content.decode()
    assert fresh(contact).status == Contact.Status.OPEN


def test_it_reopens_a_closed_contact_after_asking(manager_client, manager, scene):
    contact, anna = scene["contact"], scene["anna"]
    routing.close_contact(contact=contact)
    page = manager_client.get(f"/contacts/{contact.pk}/").content.decode()
    question = f"Reopen contact #{contact.pk} of {contact.lead}? It goes back to {anna.name} if switched on"

    confirmation = manager_client.get(f"/contacts/{contact.pk}/reopen")
    response = manager_client.post(f"/contacts/{contact.pk}/reopen", **htmx("contact-actions"))

    assert f'hx-confirm="{question}' in page
    assert question in confirmation.content.decode()
    assert response["HX-Redirect"] == f"/contacts/{contact.pk}/"
    reopened = fresh(contact)
    assert (reopened.status, reopened.operator) == (Contact.Status.OPEN, anna)
    assert reopened.events.last().actor == manager
    html = manager_client.get(f"/contacts/{contact.pk}/").content.decode()
    assert f"Contact #{contact.pk} reopened and assigned to {anna.name}." in html
    assert f"to {anna.name}, reopened (manager)" in squeezed(html)


def test_it_reopens_to_the_queue_when_its_operator_is_off(manager_client, scene):
    contact = scene["contact"]
    routing.close_contact(contact=contact)
    for operator in ["anna", "boris"]:
        routing.set_operator_active(operator=scene[operator], is_active=False)

    response = manager_client.post(f"/contacts/{contact.pk}/reopen", follow=True)

    assert fresh(contact).status == Contact.Status.WAITING
    assert f"Contact #{contact.pk} reopened: it waits in the queue." in response.content.decode()


def test_an_open_contact_is_not_reopened(manager_client, scene):
    contact = scene["contact"]

    response = manager_client.post(f"/contacts/{contact.pk}/reopen", follow=True)

    assert "Only a closed contact can be reopened." in response.content.decode()
    assert fresh(contact).events.count() == 2


def test_a_login_that_may_only_look_sees_no_actions(client, roles, scene):
    login(client, "viewer", perms=["distribution.view_contact"])

    html = client.get(f"/contacts/{scene['contact'].pk}/").content.decode()

    assert "contact-actions" not in html
    assert 'name="to"' not in html


def test_the_history_tells_each_step_of_rules_8_to_10(
    manager_client, manager, bot_with_operators, send, settings, clock
):
    settings.ANSWER_WITHIN = 5 * MINUTE
    bot, (anna, boris) = bot_with_operators(weights=[10, 1])
    Bot.objects.filter(pk=bot.pk).update(return_within=datetime.timedelta(days=30))
    first = send(bot)  # Anna's
    clock.advance(6 * MINUTE)
    routing.pass_on_due()  # missed by Anna, passed on to Boris
    routing.accept_contact(contact=fresh(first), by=get_user_model().objects.create_user("bob"))
    routing.close_contact(contact=fresh(first), note="Done")
    routing.reopen_contact(contact=fresh(first), by=manager)
    again = send(bot, lead=routing.LeadIdentity(external_id=first.lead.external_id))

    html = squeezed(manager_client.get(f"/contacts/{first.pk}/").content.decode())
    returned = squeezed(manager_client.get(f"/contacts/{again.pk}/").content.decode())

    for step in [
        f"<strong>not taken in time</strong> · {anna.name} </li>",
        f"<strong>assigned</strong> to {boris.name}, passed on: not taken in time </li>",
        f"<strong>taken</strong> · {boris.name}, by its operator (bob) </li>",
        f"<strong>closed</strong> · {boris.name}, by a manager: “Done” </li>",
        f"<strong>assigned</strong> to {boris.name}, reopened (manager) </li>",
    ]:
        assert step in html, step
    assert f"<strong>assigned</strong> to {boris.name}, back to the lead&#x27;s operator </li>" in returned


def test_the_page_shows_whether_and_when_it_was_taken(
    manager_client, bot_with_operators, send, settings, clock
):
    settings.ANSWER_WITHIN = 5 * MINUTE
    bot, _ = bot_with_operators(weights=[10])
    new, late, taken = send(bot), send(bot), send(bot)
    routing.accept_contact(contact=taken)
    Contact.objects.filter(pk=late.pk).update(overdue_since=clock.now)

    pages = {
        name: manager_client.get(f"/contacts/{c.pk}/").content.decode()
        for name, c in [("new", new), ("late", late), ("taken", taken)]
    }

    assert '<span class="badge">not taken yet</span>' in pages["new"]
    assert "to be taken by" in pages["new"]
    assert '<span class="badge warn">overdue</span>' in pages["late"]
    assert "<dt>Taken</dt><dd>" in pages["taken"]
    assert "badge" not in pages["taken"].split("<dt>Taken</dt>")[1].split("</dd>")[0]


@pytest.mark.parametrize("action", ["transfer", "reopen"])
def test_no_such_contact_is_a_404(manager_client, scene, action):
    response = manager_client.post(
        f"/contacts/{scene['contact'].pk + 100}/{action}", {"to": scene["boris"].pk}
    )

    assert response.status_code == 404


@pytest.mark.parametrize("to", [2**63 - 1, 2**63, "²", "-1"])
def test_no_such_operator_is_a_form_error(manager_client, scene, to):
    contact = scene["contact"]

    response = manager_client.post(f"/contacts/{contact.pk}/transfer", {"to": to}, **htmx("contact-actions"))

    assert response.status_code == 422
    assert "Select a valid choice." in response.content.decode()
    assert fresh(contact).operator == scene["anna"]
