"""Every change of a contact leaves a ContactEvent, written with the change, shown on its pages."""

import contextlib

from django.utils import timezone

from distribution import routing
from distribution.models import Contact, ContactEvent

from .conftest import htmx

Kind, Reason = ContactEvent.Kind, ContactEvent.Reason


def history(contact: Contact) -> list[tuple]:
    return list(contact.events.order_by("at", "pk").values_list("kind", "reason", "operator_id", "actor_id"))


def test_it_records_a_contact_assigned_on_arrival(bot_with_operators, send):
    bot, (operator,) = bot_with_operators(weights=[10])

    contact = send(bot)

    assert history(contact) == [
        (Kind.CREATED, "", None, None),
        (Kind.ASSIGNED, Reason.INTAKE, operator.pk, None),
    ]
    assigned = contact.events.get(kind=Kind.ASSIGNED)
    assert assigned.at == contact.assigned_at


def test_it_records_a_contact_that_waits(bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[])

    contact = send(bot)

    assert history(contact) == [(Kind.CREATED, "", None, None)]


def test_it_records_nothing_for_a_replayed_contact(bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])
    lead = routing.LeadIdentity(external_id="tg-1")
    send(bot, lead=lead, external_id="msg-1")

    send(bot, lead=lead, external_id="msg-1")

    assert ContactEvent.objects.count() == 2


def test_it_records_who_closed_a_contact_and_the_assignment_it_freed(
    manager_client, manager, bot_with_operators, send
):
    bot, (operator,) = bot_with_operators(weights=[10], capacities=[1])
    first, waiting = send(bot), send(bot)

    manager_client.post(f"/contacts/{first.pk}/close", **htmx())

    assert history(first)[-1] == (Kind.CLOSED, Reason.MANAGER, operator.pk, manager.pk)
    assert history(waiting) == [
        (Kind.CREATED, "", None, None),
        (Kind.ASSIGNED, Reason.QUEUE, operator.pk, None),
    ]


def test_it_records_a_close_by_a_bot_with_a_note(bot_with_operators, send):
    bot, (operator,) = bot_with_operators(weights=[10])
    contact = send(bot)

    routing.close_contact(contact=contact, reason=Reason.BOT, bot=bot, note="Order placed")

    closed = contact.events.get(kind=Kind.CLOSED)
    assert (closed.reason, closed.bot, closed.note, closed.operator) == (
        Reason.BOT,
        bot,
        "Order placed",
        operator,
    )


def test_it_records_nothing_when_a_closed_contact_is_closed_again(bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])
    contact = send(bot)
    routing.close_contact(contact=contact)

    routing.close_contact(contact=contact)

    assert contact.events.filter(kind=Kind.CLOSED).count() == 1


def test_it_records_a_hand_over_and_the_new_assignment(manager_client, manager, bot_with_operators, send):
    bot, (first, second) = bot_with_operators(weights=[10, 10], capacities=[1, 1])
    routing.set_operator_active(operator=second, is_active=False)
    contact = send(bot)
    routing.set_operator_active(operator=second, is_active=True)

    manager_client.post(f"/operators/{first.pk}/hand-over", **htmx())

    assert history(contact) == [
        (Kind.CREATED, "", None, None),
        (Kind.ASSIGNED, Reason.INTAKE, first.pk, None),
        (Kind.HANDED_BACK, Reason.HAND_OVER, first.pk, manager.pk),
        (Kind.ASSIGNED, Reason.QUEUE, second.pk, None),
    ]


def test_it_writes_no_event_for_a_change_that_did_not_happen(bot_with_operators, send, monkeypatch):
    """The event is written in the change's transaction: a close that fails leaves neither."""
    bot, _ = bot_with_operators(weights=[10])
    contact = send(bot)

    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(ContactEvent.objects, "bulk_create", broken)
    with contextlib.suppress(RuntimeError):
        routing.close_contact(contact=contact)

    contact.refresh_from_db()
    assert contact.status == Contact.Status.OPEN
    assert not contact.events.filter(kind=Kind.CLOSED).exists()


def test_the_contact_page_shows_its_history(manager_client, manager, bot_with_operators, send):
    bot, (operator,) = bot_with_operators(weights=[10])
    contact = send(bot, message="Where is my order?")
    routing.close_contact(contact=contact, by=manager, note="Sent the tracking number")

    # The history's lines as a browser lays them out: runs of white space are one space.
    html = " ".join(manager_client.get(f"/contacts/{contact.pk}/").content.decode().split())

    assert "Where is my order?" in html
    assert f"<strong>assigned</strong> to {operator.name}, on arrival" in html
    assert (
        f"<strong>closed</strong> · {operator.name}, by a manager (manager): “Sent the tracking number”"
        in html
    )


def test_the_contact_page_is_a_404_for_an_unknown_contact(manager_client):
    assert manager_client.get("/contacts/999999/").status_code == 404


def test_the_lead_page_shows_each_contacts_history(manager_client, bot_with_operators, send):
    bot, (operator,) = bot_with_operators(weights=[10])
    contact = send(bot)

    html = " ".join(manager_client.get(f"/leads/{contact.lead.pk}/").content.decode().split())

    assert "<summary>2 events</summary>" in html
    assert f"<strong>assigned</strong> to {operator.name}" in html
    assert f'href="/contacts/{contact.pk}/"' in html


def test_the_contacts_list_links_each_contact_to_its_page(manager_client, bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])
    contact = send(bot)

    assert (
        f'href="/contacts/{contact.pk}/">#{contact.pk}</a>'
        in manager_client.get("/contacts/").content.decode()
    )


def test_admin_shows_the_history_read_only(client, bot_with_operators, send):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_superuser("root", password="x"))
    bot, (_operator,) = bot_with_operators(weights=[10])
    contact = send(bot)

    html = client.get(f"/admin/distribution/contact/{contact.pk}/change/").content.decode()

    assert "History" in html
    assert "on arrival" in html
    assert 'name="events-0-kind"' not in html  # shown, not editable


def test_the_migration_writes_the_history_of_existing_contacts(bot_with_operators, send):
    """Its SQL, run on contacts without history (the suite runs without migrations)."""
    import importlib

    from django.db import connection

    migration = importlib.import_module("distribution.migrations.0007_contact_events")
    bot, (operator,) = bot_with_operators(weights=[10], capacities=[1])
    closed, waiting = send(bot), send(bot)
    routing.hand_over_contacts(operator=operator)  # both wait now; the closed one first gets closed
    Contact.objects.filter(pk=closed.pk).update(
        status=Contact.Status.CLOSED, operator=operator, assigned_at=timezone.now(), closed_at=timezone.now()
    )
    ContactEvent.objects.all().delete()

    with connection.cursor() as cursor:
        for statement in migration.HISTORY_OF_EXISTING_CONTACTS:
            cursor.execute(statement)

    assert history(waiting) == [(Kind.CREATED, "", None, None)]
    assert history(closed) == [
        (Kind.CREATED, "", None, None),
        (Kind.ASSIGNED, "", operator.pk, None),
        (Kind.CLOSED, Reason.MANAGER, operator.pk, None),
    ]
    assert closed.events.get(kind=Kind.CREATED).at == Contact.objects.get(pk=closed.pk).created_at
