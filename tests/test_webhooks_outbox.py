"""The webhooks' outbox: every change of a contact that a bot's active webhook subscribes to leaves
a delivery row, written in the change's own transaction, whose body is the contact as the API
answers it at that moment."""

import contextlib
import datetime
import json
import threading
import time

import pytest
from django.db import connection, transaction
from django.test import Client

from distribution import routing, webhooks
from distribution.models import Bot, Contact, ContactEvent, Webhook, WebhookDelivery
from distribution.routing import intake, lifecycle

Event, Reason = Webhook.Event, ContactEvent.Reason
EVERY_EVENT = list(Event.values)
RECEIVER = "http://127.0.0.1:9/hook"


def hook(bot: Bot, *, events: list[str] = EVERY_EVENT, url: str = RECEIVER) -> Webhook:
    """Give the bot a webhook (through the service the bot's page uses) and return it."""
    webhooks.save_webhook(bot=bot, url=url, events=events)
    return Webhook.objects.get(bot=bot)


def told(contact: Contact) -> list[tuple[str, str, str]]:
    """The contact's deliveries, oldest first: (event, reason, the contact's status in the body)."""
    return [
        (d.event, d.payload["data"]["reason"], d.payload["data"]["contact"]["status"])
        for d in WebhookDelivery.objects.filter(contact=contact).order_by("pk")
    ]


def test_it_tells_a_contact_assigned_on_arrival_only_that_it_was_assigned(bot_with_operators, send):
    bot, (operator,) = bot_with_operators(weights=[10])
    webhook = hook(bot)

    contact = send(bot)

    assert told(contact) == [(Event.ASSIGNED, Reason.INTAKE, "open")]
    delivery = WebhookDelivery.objects.get(contact=contact)
    assert delivery.webhook == webhook
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.next_attempt_at == contact.assigned_at
    assert delivery.payload["type"] == Event.ASSIGNED
    assert delivery.payload["id"] == str(delivery.event_id)
    assert delivery.payload["data"]["contact"]["operator"] == {"id": operator.pk, "name": operator.name}


def test_it_tells_a_contact_that_waits_on_arrival(bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[])
    hook(bot)

    contact = send(bot)

    assert told(contact) == [(Event.WAITING, Reason.INTAKE, "waiting")]


def test_it_tells_an_assignment_from_the_queue(bot_with_operators, send, make_operator):
    bot, _ = bot_with_operators(weights=[])
    hook(bot)
    contact = send(bot)

    routing.set_weight(bot=bot, operator=make_operator(), weight=10)

    assert told(contact) == [
        (Event.WAITING, Reason.INTAKE, "waiting"),
        (Event.ASSIGNED, Reason.QUEUE, "open"),
    ]


def test_it_tells_a_hand_over_and_the_assignment_that_follows(bot_with_operators, send):
    bot, (first, second) = bot_with_operators(weights=[10, 10], capacities=[1, 1])
    hook(bot)
    contact = send(bot)
    holder = Contact.objects.get(pk=contact.pk).operator
    send(bot)  # the other operator is full too, so the handed contact waits a moment
    routing.set_operator_capacity(operator=first if holder == second else second, max_open_contacts=2)

    routing.hand_over_contacts(operator=holder)

    assert told(contact) == [
        (Event.ASSIGNED, Reason.INTAKE, "open"),
        (Event.WAITING, Reason.HAND_OVER, "waiting"),
        (Event.ASSIGNED, Reason.QUEUE, "open"),
    ]
    handed = WebhookDelivery.objects.filter(contact=contact).order_by("pk")[1]
    assert handed.payload["data"]["contact"]["operator"] is None


@pytest.mark.parametrize("reason", [Reason.MANAGER, Reason.OPERATOR, Reason.AUTO])
def test_it_tells_a_close_and_why(bot_with_operators, send, reason):
    bot, _ = bot_with_operators(weights=[10])
    hook(bot)
    contact = send(bot)

    routing.close_contact(contact=contact, reason=reason)

    assert told(contact)[-1] == (Event.CLOSED, reason, "closed")


def test_it_tells_a_close_by_the_bot(api_client, bot_and_token, operator):
    bot, token = bot_and_token
    hook(bot)
    contact = routing.register_contact(bot=bot, identity=routing.LeadIdentity(external_id="tg-1")).contact

    response = api_client.post(
        f"/api/contacts/{contact.pk}/close",
        {"reason": "done"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    assert response.status_code == 200

    assert told(contact)[-1] == (Event.CLOSED, Reason.BOT, "closed")


def test_it_tells_a_contact_that_expired_in_the_queue(settings, bot_with_operators, send):
    settings.WAITING_EXPIRES_AFTER = datetime.timedelta(seconds=0)
    bot, _ = bot_with_operators(weights=[])
    hook(bot)
    contact = send(bot)

    routing.sweep_idle_contacts()

    assert told(contact) == [
        (Event.WAITING, Reason.INTAKE, "waiting"),
        (Event.CLOSED, Reason.EXPIRED, "closed"),
    ]


def test_it_tells_only_the_events_the_webhook_subscribes_to(bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])
    hook(bot, events=[Event.CLOSED])
    contact = send(bot)

    routing.close_contact(contact=contact)

    assert told(contact) == [(Event.CLOSED, Reason.MANAGER, "closed")]


def test_it_tells_nothing_to_a_stopped_webhook(bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])
    webhook = hook(bot)
    Webhook.objects.filter(pk=webhook.pk).update(is_active=False)

    contact = send(bot)
    routing.close_contact(contact=contact)

    assert told(contact) == []


def test_it_tells_a_bot_nothing_of_another_bots_contacts(bot_with_operators, send):
    hooked, _ = bot_with_operators(weights=[10])
    other, _ = bot_with_operators(weights=[10])
    hook(hooked)

    contact = send(other)
    routing.close_contact(contact=contact)

    assert told(contact) == []
    assert not WebhookDelivery.objects.exists()


def test_the_body_is_the_contact_as_the_api_answers_it_at_the_change(api_client, bot_and_token, operator):
    bot, token = bot_and_token
    hook(bot)
    identity = routing.LeadIdentity(external_id="tg-5511", email="anna@example.com", name="Anna")
    contact = routing.register_contact(bot=bot, identity=identity, message="Hi", external_id="m-1").contact
    answer = api_client.get(f"/api/contacts/{contact.pk}", HTTP_AUTHORIZATION=f"Bearer {token}").json()

    routing.close_contact(contact=contact)

    assigned, closed = WebhookDelivery.objects.filter(contact=contact).order_by("pk")
    assert assigned.payload["data"]["contact"] == answer
    assert closed.payload["data"]["contact"]["status"] == "closed"
    assert closed.payload["created"] == Contact.objects.get(pk=contact.pk).closed_at.isoformat()


def test_the_body_carries_no_stored_identifier_of_the_lead(bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])
    hook(bot)
    stored = routing.LeadIdentity(
        external_id="tg-5511", email="anna@example.com", phone="+79991234567", name="Anna Petrova"
    )
    send(bot, lead=stored)

    # A second contact naming the lead by its external id alone: the body must not add the rest.
    contact = send(bot, lead=routing.LeadIdentity(external_id="tg-5511"))

    delivery = WebhookDelivery.objects.get(contact=contact)
    assert delivery.payload["data"]["contact"]["lead"] == {"id": contact.lead_id, "created": False}
    body = json.dumps(delivery.payload)
    for value in ("tg-5511", "anna@example.com", "79991234567", "Anna Petrova"):
        assert value not in body


def test_it_writes_nothing_for_an_intake_that_rolls_back(bot_with_operators, send, monkeypatch):
    bot, _ = bot_with_operators(weights=[10])
    hook(bot)

    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    # Fails after the outbox row is written, within the intake's transaction: its answer is the
    # last thing built, on SQLite's path and in PostgreSQL's one call alike.
    monkeypatch.setattr(intake, "Registration", broken)
    with pytest.raises(RuntimeError):
        send(bot)

    assert not Contact.objects.exists()
    assert not WebhookDelivery.objects.exists()


def test_it_writes_nothing_for_a_close_that_rolls_back(bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])
    hook(bot)
    contact = send(bot)

    with contextlib.suppress(RuntimeError), transaction.atomic():
        routing.close_contact(contact=contact)
        raise RuntimeError("the caller's transaction fails after the close")

    assert Contact.objects.get(pk=contact.pk).status == Contact.Status.OPEN
    assert told(contact) == [(Event.ASSIGNED, Reason.INTAKE, "open")]


def test_a_change_whose_outbox_row_cannot_be_written_does_not_happen(bot_with_operators, send, monkeypatch):
    bot, _ = bot_with_operators(weights=[10])
    hook(bot)
    contact = send(bot)

    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(WebhookDelivery.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        routing.close_contact(contact=contact)

    assert Contact.objects.get(pk=contact.pk).status == Contact.Status.OPEN
    assert not contact.events.filter(kind=ContactEvent.Kind.CLOSED).exists()


def test_an_intake_with_a_webhook_makes_a_bounded_number_of_queries(
    bot_with_operators, send, django_assert_max_num_queries
):
    bot, _ = bot_with_operators(weights=[10])
    hook(bot)
    for _ in range(3):
        send(bot)

    # The intake's own (see tests/test_intake.py), the webhook, its lock (PostgreSQL), the row; the
    # contact is not read again (send() reads it for its caller).
    with django_assert_max_num_queries(7 if connection.vendor == "postgresql" else 14):
        routing.register_contact(bot=bot, identity=routing.LeadIdentity(external_id="tg-new"))


# A webhook removed while a change is writing its delivery -----------------------------------------

only_on_postgresql = pytest.mark.only_on_postgresql("SQLite runs one writing transaction at a time")


def wait_for_a_lock_wait(thread: threading.Thread) -> None:
    """Until another connection waits for a row lock, or `thread` has ended."""
    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while thread.is_alive() and time.monotonic() < deadline:
            # pg_stat_activity is read once per transaction unless its snapshot is dropped.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)


def in_a_thread(target) -> threading.Thread:
    def run():
        try:
            target()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@only_on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_webhook_removed_while_a_close_writes_its_delivery_goes_after_the_close(
    bot_with_operators, send, monkeypatch
):
    bot, _ = bot_with_operators(weights=[10])
    webhook = hook(bot)
    contact = send(bot)
    removal = []

    def record_then_remove(events):
        webhooks.record_events(events)
        # The manager removes the webhook while the close has written its delivery, uncommitted.
        removal.append(in_a_thread(lambda: webhooks.remove_webhook(webhook=webhook)))
        wait_for_a_lock_wait(removal[0])

    monkeypatch.setattr(lifecycle, "record_events", record_then_remove)
    routing.close_contact(contact=contact)
    removal[0].join(10)

    assert Contact.objects.get(pk=contact.pk).status == Contact.Status.CLOSED
    assert not Webhook.objects.exists()
    assert not WebhookDelivery.objects.exists()


@only_on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_close_that_meets_a_removal_in_progress_tells_nothing(bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])
    webhook = hook(bot)
    contact = send(bot)
    removing, closing = threading.Event(), []

    def remove_and_commit_once_the_close_waits():
        with transaction.atomic():
            webhooks.remove_webhook(webhook=webhook)
            removing.set()
            wait_for_a_lock_wait(closing[0])

    closing.append(threading.current_thread())
    removal = in_a_thread(remove_and_commit_once_the_close_waits)
    assert removing.wait(10)
    routing.close_contact(contact=contact)
    removal.join(10)

    assert Contact.objects.get(pk=contact.pk).status == Contact.Status.CLOSED
    assert contact.events.filter(kind=ContactEvent.Kind.CLOSED).exists()
    assert not WebhookDelivery.objects.exists()


# Setting a webhook ------------------------------------------------------------------------------


def test_saving_a_new_webhook_returns_its_secret_once(bot_and_token):
    bot, _ = bot_and_token

    secret = webhooks.save_webhook(bot=bot, url="https://example.com/hook", events=[Event.CLOSED])
    again = webhooks.save_webhook(bot=bot, url="https://example.com/other", events=EVERY_EVENT)

    webhook = Webhook.objects.get(bot=bot)
    assert secret.startswith("whsec_")
    assert webhook.secret == secret
    assert again is None
    assert webhook.url == "https://example.com/other"
    assert webhook.events == list(Event.values)


def test_saving_a_webhook_that_a_410_stopped_starts_it_again(bot_and_token):
    bot, _ = bot_and_token
    webhook = hook(bot)
    Webhook.objects.filter(pk=webhook.pk).update(is_active=False, disabled_reason="410 Gone")

    webhooks.save_webhook(bot=bot, url="https://example.com/new", events=EVERY_EVENT)

    webhook.refresh_from_db()
    assert webhook.is_active
    assert webhook.disabled_reason == ""


def test_saving_a_webhook_switched_off_by_hand_keeps_it_off(bot_and_token):
    bot, _ = bot_and_token
    webhook = hook(bot)
    Webhook.objects.filter(pk=webhook.pk).update(is_active=False)

    webhooks.save_webhook(bot=bot, url="https://example.com/new", events=EVERY_EVENT)

    webhook.refresh_from_db()
    assert not webhook.is_active
    assert webhook.url == "https://example.com/new"


def test_saving_refuses_an_unknown_event(bot_and_token):
    bot, _ = bot_and_token

    with pytest.raises(ValueError, match=r"contact\.opened"):
        webhooks.save_webhook(bot=bot, url="https://example.com/hook", events=["contact.opened"])

    assert not Webhook.objects.exists()


def test_saving_refuses_a_url_that_cannot_receive(bot_and_token):
    bot, _ = bot_and_token

    with pytest.raises(webhooks.outbound.OutboundError):
        webhooks.save_webhook(bot=bot, url="ftp://example.com/hook", events=EVERY_EVENT)

    assert not Webhook.objects.exists()


def test_rotating_the_secret_replaces_it(bot_and_token):
    bot, _ = bot_and_token
    webhook = hook(bot)
    old = webhook.secret

    new = webhooks.rotate_secret(webhook=webhook)

    assert new != old
    assert new.startswith("whsec_")
    assert Webhook.objects.get(pk=webhook.pk).secret == new


@pytest.fixture
def api_client(db):
    return Client()
