"""The operator's workspace at /me/: its own open contacts, closing them, available or away, its
numbers today; nobody else's contacts."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from distribution import routing
from distribution.models import BotOperator, Contact, ContactEvent

from .conftest import htmx


@pytest.fixture
def scene(bot_with_operators, operator_login):
    """One bot, operator A (capacity 2, with a login) and operator B; A's client logged in."""
    bot, (other,) = bot_with_operators(weights=[10], capacities=[1])
    operator, user = operator_login(name="Operator A", capacity=2)
    BotOperator.objects.create(bot=bot, operator=operator, weight=1000)
    return bot, operator, user, other


@pytest.fixture
def operator_client(client, scene):
    client.force_login(scene[2])
    return client


def test_it_lists_the_operators_open_contacts_oldest_assignment_first(operator_client, scene, send):
    bot, operator, _user, other = scene
    first, second = send(bot, message="First question"), send(bot, message="Second question")
    Contact.objects.filter(pk=first.pk).update(assigned_at=timezone.now())
    Contact.objects.filter(pk=second.pk).update(assigned_at=timezone.now() - datetime.timedelta(hours=1))
    others = send(bot)  # A is full: B gets it

    response = operator_client.get("/me/")

    html = response.content.decode()
    assert response.status_code == 200
    assert [c.operator for c in (first, second, others)] == [operator, operator, other]
    assert html.index(f"#{second.pk}<") < html.index(f"#{first.pk}<")
    assert "First question" in html
    assert first.lead.external_id in html
    assert bot.name in html
    assert f"#{others.pk}<" not in html


def test_it_refreshes_the_list_alone(operator_client, scene, send):
    contact = send(scene[0])

    response = operator_client.get("/me/", **htmx("my-contacts"))

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="my-contacts"')
    assert 'hx-trigger="every 3s"' in html
    assert f"Close #{contact.pk}" in html
    assert "<html" not in html


def test_it_closes_with_a_note_and_drains_the_queue(operator_client, scene, send):
    bot, operator, user, _other = scene
    mine = [send(bot), send(bot)]
    send(bot)  # B is full now
    waiting = send(bot)
    assert waiting.status == Contact.Status.WAITING

    response = operator_client.post(
        f"/me/contacts/{mine[0].pk}/close", {"note": "Sent the invoice"}, **htmx()
    )

    assert response.status_code == 200
    mine[0].refresh_from_db()
    waiting.refresh_from_db()
    assert (mine[0].status, mine[0].resolution) == (Contact.Status.CLOSED, "Sent the invoice")
    assert (waiting.status, waiting.operator) == (Contact.Status.OPEN, operator)
    event = mine[0].events.get(kind=ContactEvent.Kind.CLOSED)
    assert (event.reason, event.actor, event.note) == (ContactEvent.Reason.OPERATOR, user, "Sent the invoice")
    assert f"Close #{waiting.pk}" in response.content.decode()


def test_it_closes_without_a_note_and_without_javascript(operator_client, scene, send):
    contact = send(scene[0])

    response = operator_client.post(f"/me/contacts/{contact.pk}/close")

    assert response.status_code == 302
    assert response.url == "/me/"
    contact.refresh_from_db()
    assert (contact.status, contact.resolution) == (Contact.Status.CLOSED, "")


def test_it_asks_before_closing_with_javascript(operator_client, scene, send):
    contact = send(scene[0])

    html = operator_client.get("/me/").content.decode()

    assert (
        f'hx-confirm="Close contact #{contact.pk} of {contact.lead}? A closed contact cannot be reopened."'
        in html
    )


def test_it_asks_before_closing_without_javascript_and_keeps_the_note(operator_client, scene, send):
    contact = send(scene[0])

    page = operator_client.post(f"/me/contacts/{contact.pk}/close", {"note": "Sent the invoice", "ask": "1"})

    html = page.content.decode()
    assert page.status_code == 200
    assert f'<form method="post" action="/me/contacts/{contact.pk}/close">' in html
    assert '<input type="hidden" name="note" value="Sent the invoice">' in html
    assert '<a class="cancel" href="/me/">' in html
    contact.refresh_from_db()
    assert contact.status == Contact.Status.OPEN

    response = operator_client.post(f"/me/contacts/{contact.pk}/close", {"note": "Sent the invoice"})

    assert response.url == "/me/"
    contact.refresh_from_db()
    assert (contact.status, contact.resolution) == (Contact.Status.CLOSED, "Sent the invoice")


def test_it_asks_only_about_the_operators_own_contacts(operator_client, scene, send):
    bot, _operator, _user, other = scene
    theirs = send(bot)
    Contact.objects.filter(pk=theirs.pk).update(operator=other)

    assert operator_client.get(f"/me/contacts/{theirs.pk}/close").status_code == 404


def test_it_refuses_a_note_too_long(operator_client, scene, send):
    contact = send(scene[0])

    response = operator_client.post(f"/me/contacts/{contact.pk}/close", {"note": "x" * 501}, **htmx())

    assert response.status_code == 422
    assert "at most 500 characters" in response.content.decode()
    contact.refresh_from_db()
    assert contact.status == Contact.Status.OPEN


def test_it_says_when_the_contact_was_already_closed(operator_client, scene, send):
    contact = send(scene[0])
    routing.close_contact(contact=contact, reason=ContactEvent.Reason.AUTO)

    response = operator_client.post(f"/me/contacts/{contact.pk}/close", **htmx())

    assert "was already closed" in response.content.decode()
    assert contact.events.filter(kind=ContactEvent.Kind.CLOSED).count() == 1


def test_it_hides_another_operators_contact(operator_client, scene, send):
    bot, _operator, _user, other = scene
    send(bot), send(bot)
    theirs = send(bot)
    assert theirs.operator == other

    assert operator_client.get(f"/me/contacts/{theirs.pk}/").status_code == 404
    assert operator_client.post(f"/me/contacts/{theirs.pk}/close", **htmx()).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Contact.Status.OPEN


def test_it_hides_a_waiting_contact(operator_client, scene, send):
    bot = scene[0]
    for _ in range(3):
        send(bot)
    waiting = send(bot)

    assert operator_client.post(f"/me/contacts/{waiting.pk}/close").status_code == 404


def test_it_shows_the_leads_other_contacts_across_bots(operator_client, scene, send, bot_with_operators):
    bot, _operator, _user, _other = scene
    other_bot, _ = bot_with_operators(weights=[10], name="Viber Support")
    lead = routing.LeadIdentity(external_id="tg-77", name="Ann")
    earlier = send(other_bot, lead=lead, message="Where is my parcel?")
    routing.close_contact(contact=earlier, note="Tracking number sent")
    contact = send(bot, lead=lead, message="And now?")

    response = operator_client.get(f"/me/contacts/{contact.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Where is my parcel?" in html
    assert "Tracking number sent" in html
    assert "Viber Support" in html


def test_it_goes_away_at_once_without_open_contacts(operator_client, scene):
    operator = scene[1]

    response = operator_client.post("/me/away", **htmx("my-status"))

    assert response.status_code == 200
    assert "Be available" in response.content.decode()
    operator.refresh_from_db()
    assert not operator.is_active


def test_it_asks_before_going_away_with_open_contacts(operator_client, scene, send):
    operator = scene[1]
    send(scene[0])

    response = operator_client.post("/me/away", **htmx("my-status"))

    assert "You hold 1 open contact." in response.content.decode()
    operator.refresh_from_db()
    assert operator.is_active


def test_it_goes_away_keeping_its_contacts(operator_client, scene, send):
    operator = scene[1]
    contact = send(scene[0])

    response = operator_client.post("/me/away", {"contacts": "keep"}, **htmx("my-status"))

    assert "You keep your 1 open contact" in response.content.decode()
    operator.refresh_from_db()
    contact.refresh_from_db()
    assert not operator.is_active
    assert (contact.status, contact.operator) == (Contact.Status.OPEN, operator)


def test_it_goes_away_handing_its_contacts_back(operator_client, scene, send):
    bot, operator, user, other = scene
    contact = send(bot)

    response = operator_client.post("/me/away", {"contacts": "hand-back"}, **htmx("my-status"))

    html = response.content.decode()
    assert "went back to the queue, 1 already re-assigned" in html
    assert 'id="my-contacts" hx-get="/me/" hx-trigger="every 3s" hx-swap="morph" hx-swap-oob="morph"' in html
    operator.refresh_from_db()
    contact.refresh_from_db()
    assert not operator.is_active
    assert contact.operator == other
    assert contact.events.get(kind=ContactEvent.Kind.HANDED_BACK).actor == user


def test_it_comes_back_and_takes_waiting_contacts(operator_client, scene, send):
    bot, operator, _user, _other = scene
    routing.set_operator_active(operator=operator, is_active=False)
    send(bot)
    waiting = send(bot)

    response = operator_client.post("/me/available")

    assert response.status_code == 302
    operator.refresh_from_db()
    waiting.refresh_from_db()
    assert operator.is_active
    assert waiting.operator == operator


def test_it_shows_its_numbers_today(operator_client, scene, send):
    bot, _operator, _user, _other = scene
    closed, _open = send(bot), send(bot)
    routing.close_contact(contact=closed)
    earlier = send(bot)
    routing.close_contact(contact=earlier)
    two_days_ago = timezone.now() - datetime.timedelta(days=2)
    Contact.objects.filter(pk=earlier.pk).update(assigned_at=two_days_ago, closed_at=two_days_ago)
    earlier.events.update(at=two_days_ago)

    response = operator_client.get("/me/", **htmx("my-contacts"))

    numbers = response.context["numbers"]
    assert (numbers.assigned, numbers.closed, numbers.open, numbers.capacity) == (2, 1, 1, 2)
    assert '<span class="number">1 / 2</span> open / capacity' in response.content.decode()


URLS = [
    "/me/",
    "/me/available",
    "/me/away",
    "/me/contacts/{pk}/",
    "/me/contacts/{pk}/close",
    "/me/contacts/{pk}/take",
]


@pytest.fixture
def urls(scene, send):
    contact = send(scene[0])
    return [url.format(pk=contact.pk) for url in URLS]


def test_it_sends_anonymous_users_to_the_login(client, urls):
    for url in urls:
        assert client.get(url).url.startswith("/login/?next="), url
        assert client.post(url).url.startswith("/login/?next="), url
        assert client.post(url, **htmx())["HX-Redirect"].startswith("/login/?next="), url


def test_it_refuses_a_login_without_an_operator(manager_client, urls):
    for url in urls:
        assert manager_client.get(url).status_code == 403, url
        assert manager_client.post(url).status_code == 403, url
    assert "not an operator's login" in manager_client.get("/me/").content.decode()


def test_it_refuses_an_operator_without_the_permission(client, scene, urls):
    user = scene[2]
    user.groups.clear()
    client.force_login(user)

    for url in urls:
        assert client.get(url).status_code == 403, url
        assert client.post(url).status_code == 403, url
    assert Contact.objects.filter(status=Contact.Status.OPEN).count() == 1
    scene[1].refresh_from_db()
    assert scene[1].is_active


def test_it_requires_csrf_on_actions(scene, urls):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(scene[2])
    for url in urls[1:3] + urls[4:]:
        assert strict.post(url).status_code == 403, url
    assert Contact.objects.filter(status=Contact.Status.OPEN, accepted_at=None).count() == 1


def test_it_lets_a_superuser_with_an_operator_in(client, scene):
    operator = scene[1]
    admin = get_user_model().objects.create_superuser("boss", password="boss-password")
    operator.user = admin
    operator.save()
    client.force_login(admin)

    assert client.get("/me/").status_code == 200


@pytest.mark.parametrize("url", ["/me/available", "/me/away", "/me/contacts/{pk}/take"])
def test_it_rejects_get_on_actions(operator_client, scene, send, url):
    contact = send(scene[0])

    assert operator_client.get(url.format(pk=contact.pk)).status_code == 405


def test_it_sends_an_operator_to_its_workspace_after_login(client, scene):
    response = client.post("/login/", {"username": scene[2].username, "password": "operator-password"})

    assert response.url == "/home"
    assert client.get("/home").url == "/me/"


def test_it_sends_a_manager_to_the_overview_after_login(manager_client):
    assert manager_client.get("/home").url == "/"


def test_it_sends_a_manager_with_an_operator_to_the_overview(client, scene):
    from django.contrib.auth.models import Permission

    user = scene[2]
    user.user_permissions.add(Permission.objects.get(codename="view_operator"))
    client.force_login(user)

    assert client.get("/home").url == "/"


def test_it_does_not_close_a_contact_handed_back_while_the_operator_clicked(
    operator_client, scene, send, monkeypatch
):
    """The contact is read as the operator's, then handed back (and taken by B) before the close
    takes its lock: the close must not go through on what is now B's contact."""
    from distribution.views import workspace

    bot, operator, _user, other = scene
    contact = send(bot)
    original = workspace.get_object_or_404

    def read_then_hand_back(*args, **kwargs):
        read = original(*args, **kwargs)
        routing.hand_over_contacts(operator=operator)
        return read

    monkeypatch.setattr(workspace, "get_object_or_404", read_then_hand_back)

    response = operator_client.post(f"/me/contacts/{contact.pk}/close", {"note": "Done"}, **htmx())

    contact.refresh_from_db()
    assert (contact.status, contact.operator, contact.resolution) == (Contact.Status.OPEN, other, "")
    assert "changed meanwhile" in response.content.decode()


def test_a_contacts_page_shows_only_the_leads_earlier_closed_contacts(operator_client, scene, send):
    bot, operator, _user, other = scene
    lead = routing.LeadIdentity(external_id="tg-anna")
    before = send(bot, lead=lead, message="Asked before")
    routing.close_contact(contact=before)
    mine = send(bot, lead=lead, message="Mine now")
    send(bot, lead=lead, message="Mine too")  # A is full now: the next goes to B
    later = send(bot, lead=lead, message="Another operator's, later")
    assert (mine.operator, later.operator) == (operator, other)

    html = operator_client.get(f"/me/contacts/{mine.pk}/").content.decode()

    assert "Asked before" in html
    assert "Another operator" not in html


def test_an_operator_who_opens_the_start_page_lands_on_its_workspace(client, scene):
    client.force_login(scene[2])

    assert client.get("/").url == "/me/"


def test_logging_in_from_the_start_page_lands_an_operator_on_its_workspace(client, scene):
    scene[2].set_password("operator-password-2")
    scene[2].save()

    response = client.post(
        "/login/?next=/", {"username": scene[2].username, "password": "operator-password-2"}, follow=True
    )

    assert response.redirect_chain[-1][0] == "/me/"


def test_an_htmx_request_without_the_permission_gets_the_refusal_in_place(client, scene):
    user = scene[2]
    user.groups.clear()
    client.force_login(user)

    response = client.post("/me/away", **htmx())

    assert response.status_code == 403
    assert response["HX-Retarget"] == "#messages"
    assert "Can work on their own contacts" in response.content.decode()
