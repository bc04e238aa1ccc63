"""The intake (rules 1, 3 to 5, 7): record that a lead wrote through a bot, and assign the contact.

The hot path runs statements.py's fixed SQL; on PostgreSQL everything after the bot's read, the
lead too, is one call of intake_function.py. It answers from the statements' rows: model instances
are built only for a webhook's deliveries. A replay is rare and stays in the ORM.
"""

import dataclasses
import hmac
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from minicrm.database import one_writer_at_a_time

from .. import schedules
from ..api_json import ContactRow
from ..exceptions import IdempotencyConflict, TokenRotated
from ..identifiers import LeadIdentity
from ..models import Bot, Contact, ContactEvent, Operator
from ..webhooks import record_deliveries
from . import choice, intake_function, statements
from .figures import day_of
from .leads import could_be, resolve_lead
from .queue import drain_queue

Kind, Reason = ContactEvent.Kind, ContactEvent.Reason

# A unique-key race (two first contacts of one new lead, two retries of one external_id) fails the
# later transaction at commit; it starts over and finds the row the earlier one wrote.
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Registration:
    """What register_contact did. The intake answers from `answer`; `contact` reads the stored
    contact for a caller that wants the model."""

    answer: ContactRow  # the contact as the intake answers it
    lead_created: bool
    replayed: bool
    stored: Contact | None = dataclasses.field(default=None, repr=False, compare=False)

    @cached_property
    def contact(self) -> Contact:
        """The contact, read on first use where the intake did not read it."""
        if self.stored is not None:
            return self.stored
        return Contact.objects.select_related("lead", "bot", "operator").get(pk=self.answer.id)


def register_contact(
    *,
    bot: Bot,
    identity: LeadIdentity,
    message: str = "",
    external_id: str | None = None,
    token_hash: str | None = None,
    verified: frozenset[str] | None = None,
) -> Registration:
    """Record that a lead wrote through `bot`, and give the contact to an operator or the queue.

    `verified` names the identifiers the bot vouches for in this request (None: the bot's own
    setting). A known (bot, external_id) returns the stored contact, or raises
    IdempotencyConflict if the lead or message differ. With `token_hash`, raise TokenRotated,
    writing nothing, when the token is no longer the bot's.
    """
    if not identity.identifiers():
        raise ValueError("A lead needs an external_id, an email or a phone.")
    for attempt in range(MAX_ATTEMPTS):
        try:
            with one_writer_at_a_time(connection), _transaction():
                registration, queued_behind = _register(
                    bot, identity, message, external_id or None, token_hash, verified
                )
            break
        except IntegrityError:
            if attempt == MAX_ATTEMPTS - 1:
                raise
    if queued_behind:
        # Older contacts waited beside free room (a process died before its drain): they go
        # first, and the new contact is answered as the drain left it.
        drain_queue(bot_ids=[bot.pk])
        contact = Contact.objects.select_related("lead", "bot", "operator").get(pk=registration.answer.id)
        registration = dataclasses.replace(registration, answer=ContactRow.of(contact), stored=contact)
    return registration


def _transaction() -> AbstractContextManager:
    """SQLite's intake is a transaction; PostgreSQL's is one statement, in autocommit unless the
    caller's transaction holds it (a savepoint then undoes a failed attempt)."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        return nullcontext()
    return transaction.atomic()


def _check_token(stored: str | None, token_hash: str | None) -> None:
    if token_hash is not None and (stored is None or not hmac.compare_digest(stored, token_hash)):
        raise TokenRotated


def _register(
    bot: Bot,
    identity: LeadIdentity,
    message: str,
    external_id: str | None,
    token_hash: str | None,
    verified: frozenset[str] | None,
) -> tuple[Registration, bool]:
    """Register the contact; also return whether it queued behind older contacts with room free."""
    row = statements.read_bot(bot.pk, external_id)
    _check_token(row.token_hash if row else None, token_hash)
    if row is None:
        raise Bot.DoesNotExist(bot.pk)
    if verified is None:
        verified = row.verified
    if row.contact_id is not None:
        stored = Contact.objects.select_related("lead", "bot", "operator").get(pk=row.contact_id)
        if stored.message != message or not could_be(identity, stored.lead, verified):
            raise IdempotencyConflict(stored)
        return Registration(ContactRow.of(stored), lead_created=False, replayed=True, stored=stored), False
    if connection.vendor == "postgresql":
        # A webhook's deliveries are written in the contact's transaction.
        with transaction.atomic() if row.webhook and not connection.in_atomic_block else nullcontext():
            return _assign_in_one_call(bot, identity, verified, message, external_id, token_hash, row)
    lead_id, created, attached = resolve_lead(identity, verified)
    now = timezone.now()
    # Rule 10: a new lead has no operator to go back to.
    returning_to = None if created else choice.returning_operator(lead_id, within=row.return_within, now=now)
    locked = statements.lock_bot(bot.pk)
    _check_token(locked.token_hash if locked else None, token_hash)
    if locked is None:
        raise Bot.DoesNotExist(bot.pk)
    bot.name, bot.hours = locked.name, locked.hours
    # Rule 11: outside its hours a bot's contacts wait for its opening.
    is_open = schedules.opening(locked.hours, now)[0]
    # created_at from the clock the events use (the field's default is bound at import, where
    # tests that freeze the time do not reach).
    created_at = timezone.now()
    queued_behind = is_open and locked.waiting and bool(choice.eligible(locked.candidates))
    chosen = (
        choice.choose(locked.candidates, returning_to=returning_to)
        if is_open and not locked.waiting
        else None
    )
    operator_id = operator_name = assigned_at = answer_by = None
    if chosen is not None:
        operator_id, operator_name = chosen.candidate.operator_id, chosen.candidate.operator_name
        assigned_at = timezone.now()
        answer_by = choice.answer_by(assigned_at, locked.answer_within, hours=locked.hours)
        statements.count_assignments(bot_id=bot.pk, operator_id=operator_id, day=day_of(assigned_at))
    status = statements.WAITING if chosen is None else statements.OPEN
    contact_id = statements.insert_contact(
        lead_id=lead_id,
        bot_id=bot.pk,
        operator_id=operator_id,
        status=status,
        message=message,
        external_id=external_id,
        created_at=created_at,
        assigned_at=assigned_at,
        answer_by=answer_by,
    )
    answer = ContactRow(
        contact_id,
        status,
        external_id,
        message,
        lead_id,
        bot.pk,
        locked.name,
        locked.hours,
        operator_id,
        operator_name,
        created_at,
        assigned_at,
    )
    returned = chosen is not None and chosen.returned
    events = _intake_events(answer, returned=returned)
    statements.insert_events(events)
    if locked.webhook_events is not None:
        _record_deliveries(events, answer, bot, answer_by, chosen.operator if chosen else None)
    if attached:
        statements.record_sources(
            (lead_id, field, value, bot.pk, contact_id, created_at) for field, value in attached.items()
        )
    return Registration(answer, lead_created=created, replayed=False), queued_behind


def _intake_events(answer: ContactRow, *, returned: bool) -> list[statements.EventRow]:
    """Return an intake's history rows: created, and assigned if an operator got it."""
    events: list[statements.EventRow] = [(answer.id, Kind.CREATED, answer.created_at, "", None)]
    if answer.assigned_at is not None:
        reason = Reason.RETURNED if returned else Reason.INTAKE
        events.append((answer.id, Kind.ASSIGNED, answer.assigned_at, reason, answer.operator_id))
    return events


def _record_deliveries(
    events: list[statements.EventRow],
    answer: ContactRow,
    bot: Bot,
    answer_by: datetime | None,
    operator: Operator | None,
) -> None:
    """record_deliveries of the intake's history rows, which reads them as model instances."""
    contact = Contact(
        pk=answer.id,
        lead_id=answer.lead_id,
        bot=bot,
        operator=operator,
        status=answer.status,
        message=answer.message,
        external_id=answer.external_id,
        created_at=answer.created_at,
        assigned_at=answer.assigned_at,
        answer_by=answer_by,
    )
    contact._state.adding, contact._state.db = False, connection.alias
    instances = [
        ContactEvent(
            contact=contact, kind=kind, at=at, reason=reason, operator=operator if operator_id else None
        )
        for _contact_id, kind, at, reason, operator_id in events
    ]
    record_deliveries(instances, contacts={contact.pk: contact})


def _assign_in_one_call(
    bot: Bot,
    identity: LeadIdentity,
    verified: frozenset[str],
    message: str,
    external_id: str | None,
    token_hash: str | None,
    row: statements.BotRow,
) -> tuple[Registration, bool]:
    """Do the rest of _register on PostgreSQL, rules 1 and 10 too, in one call of the intake function."""
    now = timezone.now()
    bot.hours = row.hours
    schedule = schedules.stored(row.hours)
    within = choice.answer_within(row.answer_within)
    lead_id, created, done = intake_function.intake_in_one_call(
        bot_id=bot.pk,
        token_hash=token_hash,
        message=message,
        external_id=external_id or None,
        now=now,
        day=day_of(now),
        identity=identity,
        verified=verified,
        answer_within=within,
        return_within=row.return_within,
        closed=schedule is not None and not schedule.is_open(now),
        # Counted in open hours from now: the function stamps the assignment a moment later.
        answer_by=schedule.add_open_time(now, within) if schedule and within else None,
    )
    bot.name = done.bot_name
    assert done.contact_id is not None  # the token was the bot's: the function wrote the contact
    answer = ContactRow(
        done.contact_id,
        statements.WAITING if done.operator_id is None else statements.OPEN,
        external_id or None,
        message,
        lead_id,
        bot.pk,
        done.bot_name,
        row.hours,
        done.operator_id,
        done.operator_name,
        now,
        done.assigned_at,
    )
    if done.webhook_events is not None:
        # The function wrote the history rows: they are built here only for the webhook.
        operator = None
        if done.operator_id is not None:
            # The function returns the operator's name and capacity with its id.
            assert done.operator_name is not None
            assert done.capacity is not None
            operator = choice.switched_on_operator(done.operator_id, done.operator_name, done.capacity)
        events = _intake_events(answer, returned=done.returned)
        _record_deliveries(events, answer, bot, done.answer_by, operator)
    return Registration(answer, lead_created=created, replayed=False), done.queued_behind
