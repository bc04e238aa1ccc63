"""The intake (rules 1, 3 to 5, 7): record that a lead wrote through a bot, and assign the contact.

The hot path runs statements.py's fixed SQL; on PostgreSQL everything after the lead is one call
of intake_function.py. A replay is rare and stays in the ORM.
"""

import dataclasses
import hmac
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from minicrm.database import one_writer_at_a_time

from ..exceptions import IdempotencyConflict, TokenRotated
from ..identifiers import LeadIdentity
from ..models import Bot, Contact, ContactEvent, IdentifierSource, Lead
from ..webhooks import record_deliveries
from . import choice, intake_function, statements
from .figures import day_of
from .leads import find_lead, record_sources, resolve_lead
from .queue import drain_queue

Kind, Reason = ContactEvent.Kind, ContactEvent.Reason

# A unique-key race (two first contacts of one new lead, two retries of one external_id) fails the
# later transaction at commit; it starts over and finds the row the earlier one wrote.
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Registration:
    contact: Contact
    lead_created: bool
    replayed: bool


def register_contact(
    *,
    bot: Bot,
    identity: LeadIdentity,
    message: str = "",
    external_id: str | None = None,
    token_hash: str | None = None,
) -> Registration:
    """Record that a lead wrote through `bot`, and give the contact to an operator or the queue.

    A known (bot, external_id) returns the stored contact, or raises IdempotencyConflict if the
    lead or message differ. With `token_hash`, raise TokenRotated, writing nothing, when the
    token is no longer the bot's.
    """
    if not identity.identifiers():
        raise ValueError("A lead needs an external_id, an email or a phone.")
    for attempt in range(MAX_ATTEMPTS):
        try:
            with one_writer_at_a_time(connection), transaction.atomic():
                registration, queued_behind = _register(bot, identity, message, external_id, token_hash)
            break
        except IntegrityError:
            if attempt == MAX_ATTEMPTS - 1:
                raise
    if queued_behind:
        # Older contacts waited beside free room (a process died before its drain): they go
        # first, and the new contact is answered as the drain left it.
        drain_queue(bot_ids=[bot.pk])
        contact = Contact.objects.select_related("lead", "bot", "operator").get(pk=registration.contact.pk)
        registration = dataclasses.replace(registration, contact=contact)
    return registration


def _check_token(stored: str | None, token_hash: str | None) -> None:
    if token_hash is not None and (stored is None or not hmac.compare_digest(stored, token_hash)):
        raise TokenRotated


def _register(
    bot: Bot, identity: LeadIdentity, message: str, external_id: str | None, token_hash: str | None
) -> tuple[Registration, bool]:
    """Register the contact; also return whether it queued behind older contacts with room free."""
    if external_id:
        found = statements.bot_and_contact(bot.pk, external_id)
        _check_token(found and found[0], token_hash)
        if found is not None and found[1] is not None:
            stored = Contact.objects.select_related("lead", "bot", "operator").get(pk=found[1])
            if stored.message != message or find_lead(identity) != stored.lead:
                raise IdempotencyConflict(stored)
            return Registration(stored, lead_created=False, replayed=True), False
    lead, created, attached = resolve_lead(identity)
    if connection.vendor == "postgresql":
        return _assign_in_one_call(bot, lead, created, attached, message, external_id, token_hash)
    locked = statements.lock_bot(bot.pk)
    _check_token(locked and locked.token_hash, token_hash)
    if locked is None:
        raise Bot.DoesNotExist(bot.pk)
    bot.name = locked.name
    # created_at from the clock the events use (the field's default is bound at import, where
    # tests that freeze the time do not reach).
    contact = Contact(
        lead=lead, bot=bot, message=message, external_id=external_id or None, created_at=timezone.now()
    )
    queued_behind = locked.waiting and bool(choice.eligible(locked.candidates))
    operator = None if locked.waiting else choice.choose(locked.candidates)
    if operator is not None:
        contact.status, contact.operator, contact.assigned_at = Contact.Status.OPEN, operator, timezone.now()
        statements.count_assignments(bot_id=bot.pk, operator_id=operator.pk, day=day_of(contact.created_at))
    contact.pk = statements.insert_contact(contact)
    contact._state.adding, contact._state.db = False, connection.alias
    events = _intake_events(contact)
    statements.insert_events(events)
    if locked.webhook_events is not None:
        record_deliveries(events, contacts={contact.pk: contact})
    record_sources(
        [
            IdentifierSource(
                lead=lead,
                field=field,
                value=getattr(lead, field),
                bot=bot,
                contact=contact,
                created_at=contact.created_at,
            )
            for field in attached
        ]
    )
    return Registration(contact, lead_created=created, replayed=False), queued_behind


def _intake_events(contact: Contact) -> list[ContactEvent]:
    """Return an intake's history rows: created, and assigned if an operator took it."""
    events = [ContactEvent(contact=contact, kind=Kind.CREATED, at=contact.created_at)]
    if contact.operator is not None:
        events.append(
            ContactEvent(
                contact=contact,
                kind=Kind.ASSIGNED,
                at=contact.assigned_at,
                reason=Reason.INTAKE,
                operator=contact.operator,
            )
        )
    return events


def _assign_in_one_call(
    bot: Bot,
    lead: Lead,
    created: bool,
    attached: list[str],
    message: str,
    external_id: str | None,
    token_hash: str | None,
) -> tuple[Registration, bool]:
    """Do the rest of _register on PostgreSQL, in one call of the intake function."""
    now = timezone.now()
    done = intake_function.assign_in_one_call(
        bot_id=bot.pk,
        token_hash=token_hash,
        lead_id=lead.pk,
        message=message,
        external_id=external_id or None,
        now=now,
        day=day_of(now),
        sources={field: getattr(lead, field) for field in attached},
    )
    _check_token(done and done.token_hash, token_hash)
    if done is None:
        raise Bot.DoesNotExist(bot.pk)
    bot.name = done.bot_name
    contact = Contact(
        pk=done.contact_id,
        lead=lead,
        bot=bot,
        message=message,
        external_id=external_id or None,
        created_at=now,
        status=Contact.Status.WAITING,
    )
    contact._state.adding, contact._state.db = False, connection.alias
    if done.operator_id is not None:
        contact.status, contact.assigned_at = Contact.Status.OPEN, done.assigned_at
        contact.operator = choice.switched_on_operator(done.operator_id, done.operator_name, done.capacity)
    events = _intake_events(contact)
    if done.webhook_events is not None:
        record_deliveries(events, contacts={contact.pk: contact})
    return Registration(contact, lead_created=created, replayed=False), done.queued_behind
