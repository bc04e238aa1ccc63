"""The routing service: every rule of DESIGN.md lives here, and nowhere else.

Views, commands and the admin parse their input and call these functions. Each write that carries a
rule runs in its own transaction; each assignment of a contact to an operator is one transaction.

Locking (rule 6). An assignment locks the leads its identifiers name, then the bot's row and its
BotOperator rows, then the candidate operators' rows, each in id order, and only then counts the
operators' open contacts, in a fresh statement. Every assignment for a bot therefore queues on
the bot's rows and every assignment to an operator queues on the operator's row, so two
processes can never both see the last free slot. Writes that free capacity (close, switch on,
raise a capacity or a weight, hand over) commit first and drain the queue afterwards, in new
transactions that lock in the same order: they never hold an operator lock while waiting for a
bot lock, so no cycle can form. On SQLite every transaction is IMMEDIATE, which serialises
writers outright; the row locks are then no-ops.

A contact that arrives while nobody can take it is saved as waiting inside the same bot lock, and
every capacity event drains after its commit, deciding that a bot has nothing to assign only under
that lock: so a waiting contact is always seen by the drain that follows the capacity it could use.

Every change of a contact (arrival, assignment, hand-over, close) writes its ContactEvent inside the
transaction of the change: the history never tells of a change that was rolled back, nor misses one.
The same call (webhooks.record_events) writes the webhooks' outbox rows, for the same reason; it
locks the webhooks it writes for last, after every other lock, and what locks a webhook locks no
bot, operator or contact after it.

The intake's assignment (register_contact) is the hot path: it runs the fixed statements of
statements.py in the same order and under the same locks, with the rules decided here; a replay,
the queue's drains and every manager's action stay in the ORM. On PostgreSQL, once the lead is
resolved, the rest is one call of a PL/pgSQL copy (migration 0013, see _assign_in_one_call).
"""

import contextlib
import dataclasses
import hmac
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

# The normal forms live in identifiers.py; callers of the service find them here as well.
from minicrm.database import one_writer_at_a_time

from ..identifiers import InvalidEmail as InvalidEmail
from ..identifiers import InvalidExternalId as InvalidExternalId
from ..identifiers import InvalidIdentifier as InvalidIdentifier
from ..identifiers import InvalidPhone as InvalidPhone
from ..identifiers import normalize_email, normalize_external_id, normalize_phone
from ..models import (
    MAX_CAPACITY,
    MAX_WEIGHT,
    RESOLUTION_LENGTH,
    Bot,
    BotOperator,
    Contact,
    ContactEvent,
    DailyAssignments,
    IdentifierSource,
    Lead,
    Operator,
)
from ..webhooks import record_deliveries, record_events
from . import statements

Kind, Reason = ContactEvent.Kind, ContactEvent.Reason

IDENTIFIERS = ("external_id", "email", "phone")  # also the order in which a lead is looked up

# A unique-key race (two first contacts of one new lead, two retries of one external_id) makes
# the later transaction fail on commit-time constraints; it is retried from the start and then
# finds the row that the earlier one wrote.
MAX_ATTEMPTS = 5


class SplitRefused(ValueError):
    """A split that would leave a lead without identifiers, or name what the lead does not hold."""


class ContactChanged(Exception):
    """The contact is no longer as the caller saw it (see close_contact's only_if_unchanged)."""


class TokenRotated(Exception):
    """The token the request carried is no longer its bot's: rotated (or the bot deleted) since the
    token was looked up. Nothing was written."""


class IdempotencyConflict(Exception):
    """The bot already sent a contact with this external_id, with another lead or message."""

    def __init__(self, contact: Contact):
        super().__init__(f"external_id {contact.external_id!r} is already used by contact {contact.pk}")
        self.contact = contact


@dataclass(frozen=True)
class LeadIdentity:
    """What a request says about its lead, already normalised (see identifiers.py)."""

    external_id: str | None = None
    email: str | None = None
    phone: str | None = None
    name: str = ""

    def identifiers(self) -> dict[str, str]:
        return {field: getattr(self, field) for field in IDENTIFIERS if getattr(self, field)}

    @classmethod
    def normalised(
        cls, *, external_id: str = "", email: str = "", phone: str = "", name: str = ""
    ) -> "LeadIdentity":
        """From identifiers as people write them; blanks are absent. Raises InvalidIdentifier."""
        return cls(
            external_id=normalize_external_id(external_id) if external_id.strip() else None,
            email=normalize_email(email) if email.strip() else None,
            phone=normalize_phone(phone) if phone.strip() else None,
            name=name.strip(),
        )


@dataclass(frozen=True)
class Registration:
    contact: Contact
    lead_created: bool
    replayed: bool


# Leads (rule 1) ----------------------------------------------------------------------------------


def find_lead(identity: LeadIdentity) -> Lead | None:
    """The lead these identifiers name: by external_id, then email, then phone."""
    return _match_leads(identity)[0]


def _match_leads(identity: LeadIdentity) -> tuple[Lead | None, list[Lead]]:
    """The lead the identifiers name, and every lead that holds one of them (one query)."""
    wanted = identity.identifiers()
    if not wanted:
        return None, []
    condition = Q()
    for field, value in wanted.items():
        condition |= Q(**{field: value})
    holders = list(Lead.objects.filter(condition).order_by("pk"))
    return _first_match(wanted, holders), holders


def _first_match(wanted: dict[str, str], holders: list[Lead]) -> Lead | None:
    """Rule 1's order: the holder of the external_id, else of the email, else of the phone."""
    for field, value in wanted.items():
        for lead in holders:
            if getattr(lead, field) == value:
                return lead
    return None


_LEAD_COLUMNS = ["id", "name", *IDENTIFIERS]


def _resolve_lead(identity: LeadIdentity) -> tuple[Lead, bool, list[str]]:
    """The lead, whether it was created, and the identifier fields this request gave it."""
    # The leads are locked first, before the bot: a contact's insert takes a share lock on its
    # lead at commit, and a request that adds an identifier to the same lead must not hold the
    # lead while it waits for the bot, or the two would wait for each other.
    wanted = identity.identifiers()
    holders = [Lead.from_db(connection.alias, _LEAD_COLUMNS, row) for row in statements.lock_leads(wanted)]
    lead = _first_match(wanted, holders)
    if lead is None:
        lead = Lead(name=identity.name, created_at=timezone.now(), **wanted)
        lead.pk = statements.insert_lead(name=lead.name, identifiers=wanted, created_at=lead.created_at)
        lead._state.adding, lead._state.db = False, connection.alias
        return lead, True, list(wanted)
    # Identifiers the lead lacks are added, unless another lead holds them: two people may share
    # a phone, and leads are only ever merged by hand.
    taken = {(field, getattr(other, field)) for other in holders if other != lead for field in IDENTIFIERS}
    attached = []
    for field, value in identity.identifiers().items():
        if not getattr(lead, field) and (field, value) not in taken:
            setattr(lead, field, value)
            attached.append(field)
    changed = list(attached)
    if identity.name and not lead.name:
        lead.name = identity.name
        changed.append("name")
    if changed:
        statements.update_lead(lead.pk, {field: getattr(lead, field) for field in changed})
    return lead, False, attached


def _record_sources(sources: list[IdentifierSource]) -> None:
    """Write where each identifier of a lead came from, replacing what an earlier holder of the
    same field left (an identifier removed by hand in admin leaves its row behind). One query."""
    if sources:
        statements.record_sources(sources)


def record_edited_identifiers(*, lead: Lead, fields: Iterable[str]) -> None:
    """A manager typed these identifiers of `lead` by hand (in admin): their source is now the
    manager, and an identifier removed takes its source with it. Runs in the caller's transaction,
    the one that saved the lead."""
    edited = [field for field in IDENTIFIERS if field in set(fields)]
    IdentifierSource.objects.filter(lead=lead, field__in=[f for f in edited if not getattr(lead, f)]).delete()
    now = timezone.now()
    _record_sources(
        [
            IdentifierSource(lead=lead, field=field, value=getattr(lead, field), created_at=now)
            for field in edited
            if getattr(lead, field)
        ]
    )


def _moved_sources(*, source: Lead, target: Lead, fields: list[str]) -> list[IdentifierSource]:
    """The provenance of identifiers that a manager moves from `source` to `target`: what the
    bots recorded stays (it is still where they came from); identifiers without a record are
    marked as moved by a manager, now."""
    recorded = {row.field: row for row in IdentifierSource.objects.filter(lead=source, field__in=fields)}
    now = timezone.now()
    sources = []
    for field in fields:
        value, row = getattr(target, field), recorded.get(field)
        if row is not None and row.value == value:
            sources.append(
                IdentifierSource(
                    lead=target,
                    field=field,
                    value=value,
                    bot_id=row.bot_id,
                    contact_id=row.contact_id,
                    created_at=row.created_at,
                )
            )
        else:
            sources.append(IdentifierSource(lead=target, field=field, value=value, created_at=now))
    return sources


def merge_leads(*, target: Lead, source: Lead) -> Lead:
    """Move every contact of `source` to `target`, give `target` the identifiers it lacks, and
    delete `source`. Only a manager decides that two leads are one person."""
    if target.pk == source.pk:
        raise ValueError("A lead cannot be merged into itself.")
    with transaction.atomic():
        locked = {
            lead.pk: lead
            for lead in Lead.objects.select_for_update().filter(pk__in=[target.pk, source.pk]).order_by("pk")
        }
        target, source = locked[target.pk], locked[source.pk]
        Contact.objects.filter(lead=source).update(lead=target)
        inherited = {field: getattr(source, field) for field in (*IDENTIFIERS, "name")}
        moved = [field for field in IDENTIFIERS if inherited[field] and not getattr(target, field)]
        for field, value in inherited.items():
            if value and not getattr(target, field):
                setattr(target, field, value)
        sources = _moved_sources(source=source, target=target, fields=moved)
        source.delete()
        target.save()
        _record_sources(sources)
    return target


def split_lead(*, lead: Lead, fields: Iterable[str], contacts: Iterable[Contact]) -> Lead:
    """Detach identifiers of `lead` into a new lead, with the chosen contacts of `lead`: the undo
    of rule 1 adding another person's identifier to a lead. The provenance of each identifier
    goes with it. Returns the new lead. Raises SplitRefused when no identifier or every one is
    chosen, or when the lead no longer holds one of them or one of the contacts."""
    fields = [field for field in IDENTIFIERS if field in set(fields)]
    contact_ids = {contact.pk for contact in contacts}
    with transaction.atomic():
        # Only the lead's row is locked, as the intake locks it (and no bot): a contact naming the
        # identifier that arrives meanwhile waits for the lead; if it then misses the new lead, its
        # own insert of the identifier clashes on the unique key and it starts over, finding it.
        lead = Lead.objects.select_for_update().get(pk=lead.pk)
        held = [field for field in IDENTIFIERS if getattr(lead, field)]
        if not fields:
            raise SplitRefused(_("Choose at least one identifier to detach."))
        if missing := [field for field in fields if field not in held]:
            raise SplitRefused(_("This lead has no %(names)s any more.") % {"names": ", ".join(missing)})
        if len(fields) == len(held):
            raise SplitRefused(_("A lead keeps at least one identifier: leave one here, or merge instead."))
        mine = set(Contact.objects.filter(lead=lead, pk__in=contact_ids).values_list("pk", flat=True))
        if strangers := sorted(contact_ids - mine):
            raise SplitRefused(_("Contact #%(pk)s is not one of this lead's.") % {"pk": strangers[0]})
        values = {field: getattr(lead, field) for field in fields}
        for field in fields:
            setattr(lead, field, None)
        # Emptied first: the identifiers are unique, and the new lead takes them.
        lead.save(update_fields=fields)
        detached = Lead.objects.create(**values)
        sources = _moved_sources(source=lead, target=detached, fields=fields)
        IdentifierSource.objects.filter(lead=lead, field__in=fields).delete()
        _record_sources(sources)
        Contact.objects.filter(pk__in=mine).update(lead=detached)
    return detached


# Choosing an operator (rules 2-4, 6) --------------------------------------------------------------


def load_of(operator: str = "pk") -> Coalesce:
    """Rule 2 as an expression to annotate rows with: the open contacts of the operator that the
    OuterRef path `operator` names (0 when none). The (operator, status) index answers it."""
    open_contacts = (
        Contact.objects.filter(operator=OuterRef(operator), status=Contact.Status.OPEN)
        .order_by()
        .values("operator")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(open_contacts, output_field=IntegerField()), 0)


def _lock_bot(bot_id: int) -> list[BotOperator]:
    """Lock the bot and its BotOperator rows; return the rows. The bot's own row is locked too so
    that a bot without operators (yet) still serialises its assignments and its queue."""
    Bot.objects.select_for_update().filter(pk=bot_id).values_list("pk").get()
    return list(BotOperator.objects.select_for_update().filter(bot_id=bot_id).order_by("pk"))


def _choose_operator(links: list[BotOperator]) -> Operator | None:
    """Smooth weighted round robin over the eligible links; the caller holds the links' locks."""
    operators = {
        operator.pk: operator
        for operator in Operator.objects.select_for_update()
        .filter(pk__in=[link.operator_id for link in links], is_active=True)
        .order_by("pk")
    }
    if not operators:
        return None
    # Counted only now, after the operator locks: this statement sees every assignment that
    # committed while we waited for them.
    loads = dict(Operator.objects.filter(pk__in=operators).annotate(load=load_of()).values_list("pk", "load"))
    eligible = [
        link
        for link in links
        if link.weight > 0
        and link.operator_id in operators
        and loads[link.operator_id] < operators[link.operator_id].max_open_contacts
    ]
    if not eligible:
        return None
    chosen, total = _smooth_choice(eligible)
    # The same arithmetic in one UPDATE (the rows are locked, so the database holds what we read).
    BotOperator.objects.filter(pk__in=[link.pk for link in eligible]).update(
        current_weight=F("current_weight")
        + F("weight")
        - Case(When(pk=chosen.pk, then=Value(total)), default=Value(0))
    )
    return operators[chosen.operator_id]


def _smooth_choice(eligible: list) -> tuple:
    """Rule 4's step over the eligible rows (anything with operator_id, weight and current_weight),
    in place: the chosen row and the sum of the eligible weights, which it gave up."""
    # Links that are not eligible keep their current_weight untouched: the shares re-spread over
    # the eligible operators, and an operator who comes back has no credit to catch up with.
    for link in eligible:
        link.current_weight += link.weight
    chosen = max(eligible, key=lambda link: (link.current_weight, -link.operator_id))
    total = sum(link.weight for link in eligible)
    chosen.current_weight -= total
    return chosen, total


def _choose_candidate(candidates: list[statements.Candidate]) -> statements.Candidate | None:
    """Rules 3 and 4 over the candidates that statements.lock_bot read under the locks, with the
    round robin's step written; None when nobody is eligible."""
    eligible = [
        candidate
        for candidate in candidates
        if candidate.weight > 0
        and candidate.operator_name is not None
        and candidate.load < candidate.capacity
    ]
    if not eligible:
        return None
    chosen, total = _smooth_choice(eligible)
    statements.advance(
        eligible=[candidate.link_id for candidate in eligible], chosen=chosen.link_id, total=total
    )
    return chosen


def _assign(contact: Contact, operator: Operator | None) -> None:
    if operator is None:
        contact.status, contact.operator, contact.assigned_at = Contact.Status.WAITING, None, None
    else:
        contact.status, contact.operator, contact.assigned_at = Contact.Status.OPEN, operator, timezone.now()
        _count_assignment(contact.bot_id, operator.pk, timezone.localdate(contact.created_at), +1)


# The report's daily figures --------------------------------------------------------------------


def _count_assignment(bot_id: int, operator_id: int, day: date, change: int) -> None:
    """Add `change` to the day's count of (bot, operator). Only an assignment (+1) creates a row,
    and it holds the bot's lock, so no two transactions create the same row at once; a hand-over
    (minus its contacts) finds the row their assignments made, and never inserts (which would
    take a lock on the bot while it holds the operator's)."""
    counted = DailyAssignments.objects.filter(bot_id=bot_id, operator_id=operator_id, day=day)
    if not counted.update(contacts=F("contacts") + change) and change > 0:
        DailyAssignments.objects.create(bot_id=bot_id, operator_id=operator_id, day=day, contacts=change)


def rebuild_daily_counts() -> int:
    """Recount the report's daily figures from the contacts themselves: after writes that went
    around this module (bulk loads, a changed TIME_ZONE). Returns the number of rows."""
    with transaction.atomic():
        # Every bot's lock, in id order as everyone takes them: no assignment runs meanwhile.
        list(Bot.objects.select_for_update().order_by("pk").values_list("pk"))
        DailyAssignments.objects.all().delete()
        rows = (
            Contact.objects.exclude(operator=None)
            .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
            .values("bot_id", "operator_id", "day")
            .annotate(n=Count("pk"))
            .order_by()
        )
        return len(
            DailyAssignments.objects.bulk_create(
                (
                    DailyAssignments(
                        bot_id=r["bot_id"], operator_id=r["operator_id"], day=r["day"], contacts=r["n"]
                    )
                    for r in rows
                ),
                batch_size=5000,
            )
        )


# The intake (rules 1, 4, 5, 7) --------------------------------------------------------------------


def register_contact(
    *,
    bot: Bot,
    identity: LeadIdentity,
    message: str = "",
    external_id: str | None = None,
    token_hash: str | None = None,
) -> Registration:
    """Record that a lead wrote through `bot`, and give the contact to an operator or the queue.

    A known (bot, external_id) returns the stored contact (replayed=True) when the lead and the
    message are the same, and raises IdempotencyConflict when they are not. With `token_hash` (the
    hash of the token the request carried), the bot's row is checked against it where it is read
    anyway, and TokenRotated is raised, nothing written, when it is no longer the bot's.
    """
    if not identity.identifiers():
        raise ValueError("A lead needs an external_id, an email or a phone.")
    for attempt in range(MAX_ATTEMPTS):
        try:
            with one_writer_at_a_time(connection), transaction.atomic():
                return _register(bot, identity, message, external_id, token_hash)
        except IntegrityError:
            if attempt == MAX_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _check_token(stored: str | None, token_hash: str | None) -> None:
    if token_hash is not None and (stored is None or not hmac.compare_digest(stored, token_hash)):
        raise TokenRotated


def _register(
    bot: Bot, identity: LeadIdentity, message: str, external_id: str | None, token_hash: str | None
) -> Registration:
    # The happy path runs the fixed statements of statements.py: the ORM's query building was most
    # of an intake's CPU (issue 12). A replay is rare and stays in the ORM.
    if external_id:
        found = statements.bot_and_contact(bot.pk, external_id)
        _check_token(found and found[0], token_hash)
        if found is not None and found[1] is not None:
            stored = Contact.objects.select_related("lead", "bot", "operator").get(pk=found[1])
            if stored.message != message or find_lead(identity) != stored.lead:
                raise IdempotencyConflict(stored)
            return Registration(stored, lead_created=False, replayed=True)
    lead, created, attached = _resolve_lead(identity)
    if connection.vendor == "postgresql":
        return _assign_in_one_call(bot, lead, created, attached, message, external_id, token_hash)
    locked = statements.lock_bot(bot.pk)
    _check_token(locked and locked.token_hash, token_hash)
    if locked is None:
        raise Bot.DoesNotExist(bot.pk)
    bot.name = locked.name
    # created_at from the same clock as assigned_at and the events (the field's default is bound
    # to the clock at import, which tests that freeze the time do not reach).
    contact = Contact(
        lead=lead, bot=bot, message=message, external_id=external_id or None, created_at=timezone.now()
    )
    chosen = _choose_candidate(locked.candidates)
    if chosen is not None:
        operator = _switched_on_operator(chosen.operator_id, chosen.operator_name, chosen.capacity)
        contact.status, contact.operator, contact.assigned_at = Contact.Status.OPEN, operator, timezone.now()
        statements.count_assignment(
            bot_id=bot.pk, operator_id=operator.pk, day=timezone.localdate(contact.created_at)
        )
    contact.pk = statements.insert_contact(contact)
    contact._state.adding, contact._state.db = False, connection.alias
    events = _intake_events(contact)
    # One INSERT for both rows: the intake's statements are its latency (see the README).
    statements.insert_events(events)
    if locked.webhook_events is not None:
        record_deliveries(events, contacts={contact.pk: contact})
    _record_sources(
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
    return Registration(contact, lead_created=created, replayed=False)


def _switched_on_operator(operator_id: int, name: str, capacity: int) -> Operator:
    """The chosen operator, from the columns its locked row gave: no query."""
    columns = ["id", "name", "is_active", "max_open_contacts"]
    return Operator.from_db(connection.alias, columns, [operator_id, name, True, capacity])


def _intake_events(contact: Contact) -> list[ContactEvent]:
    """An intake's history rows: created, and assigned when an operator took the contact."""
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
) -> Registration:
    """PostgreSQL's rest of _register in one call to the function of migration 0013, a copy of
    the locks, rules 2-4 (_choose_candidate, _smooth_choice) and writes above, which stay the
    statement of the rules (and SQLite's path); tests/test_intake_function.py and the differential
    test hold the two to one another."""
    now = timezone.now()
    done = statements.assign_in_one_call(
        bot_id=bot.pk,
        token_hash=token_hash,
        lead_id=lead.pk,
        message=message,
        external_id=external_id or None,
        now=now,
        day=timezone.localdate(now),
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
        contact.operator = _switched_on_operator(done.operator_id, done.operator_name, done.capacity)
    events = _intake_events(contact)
    if done.webhook_events is not None:
        record_deliveries(events, contacts={contact.pk: contact})
    return Registration(contact, lead_created=created, replayed=False)


# The queue (rule 5) -------------------------------------------------------------------------------


def drain_queue(*, bot_ids: Iterable[int]) -> list[Contact]:
    """Assign the waiting contacts of these bots, oldest first, while an operator can take them.

    It stops as soon as no operator of these bots has room, without visiting the bots one by
    one. Returns the contacts it assigned. Each assignment is its own transaction.
    """
    pending = set(bot_ids)
    assigned: list[Contact] = []
    while pending and _any_room(pending):
        # An unlocked read: it only chooses the bot whose waiting contact is oldest. A contact queued
        # by a request that still holds its bot's lock is invisible to it, so "nothing waits" is
        # only believed after waiting for those locks.
        oldest = (
            Contact.objects.filter(bot_id__in=pending, status=Contact.Status.WAITING)
            .order_by("created_at", "pk")
            .values_list("bot_id", flat=True)
            .first()
        )
        if oldest is None:
            if _nothing_waits_under_lock(pending):
                break
            continue
        contact = _assign_oldest_waiting(oldest)
        if contact is None:
            pending.discard(oldest)
        elif contact.status == Contact.Status.OPEN:
            assigned.append(contact)
    return assigned


def _any_room(bot_ids: set[int]) -> bool:
    """Whether an operator of these bots is switched on and below its capacity (one query)."""
    return (
        Operator.objects.filter(links__bot_id__in=bot_ids, links__weight__gt=0, is_active=True)
        .annotate(load=load_of())
        .filter(load__lt=F("max_open_contacts"))
        .exists()
    )


def _nothing_waits_under_lock(bot_ids: set[int]) -> bool:
    """Wait until every assignment in flight for these bots has committed, then look again."""
    with transaction.atomic():
        list(Bot.objects.select_for_update().filter(pk__in=bot_ids).order_by("pk").values_list("pk"))
        return not Contact.objects.filter(bot_id__in=bot_ids, status=Contact.Status.WAITING).exists()


def _assign_oldest_waiting(bot_id: int) -> Contact | None:
    """One transaction: the bot's oldest waiting contact to an operator. None when the bot has no
    waiting contact or nobody can take it; the contact, still waiting, when it changed under us
    (closed by a manager meanwhile), so that the caller looks again."""
    with transaction.atomic():
        links = _lock_bot(bot_id)
        contact = (
            Contact.objects.select_related("lead", "bot")
            .filter(bot_id=bot_id, status=Contact.Status.WAITING)
            .order_by("created_at", "pk")
            .first()
        )
        if contact is None:
            return None
        operator = _choose_operator(links)
        if operator is None:
            transaction.set_rollback(True)
            return None
        _assign(contact, operator)
        # Closing a contact does not take the bot lock, so make sure it is still waiting.
        updated = Contact.objects.filter(pk=contact.pk, status=Contact.Status.WAITING).update(
            status=contact.status, operator=operator, assigned_at=contact.assigned_at
        )
        if not updated:
            transaction.set_rollback(True)
            contact.status = Contact.Status.WAITING
            return contact
        record_events(
            [
                ContactEvent(
                    contact=contact,
                    kind=Kind.ASSIGNED,
                    at=contact.assigned_at,
                    reason=Reason.QUEUE,
                    operator=operator,
                )
            ]
        )
        return contact


def _bots_of(operator_id: int) -> list[int]:
    return list(BotOperator.objects.filter(operator_id=operator_id).values_list("bot_id", flat=True))


# Capacity events (rules 2, 5) ---------------------------------------------------------------------


def close_contact(
    *,
    contact: Contact,
    by: AbstractBaseUser | None = None,
    reason: str = Reason.MANAGER,
    note: str = "",
    bot: Bot | None = None,
    only_if_unchanged: bool = False,
) -> list[Contact]:
    """Close a waiting or open contact, recording who closed it (`by`, a user; or `bot`), why
    (`reason`) and a resolution `note`. Closing an open one frees a slot of its operator, which
    goes to the oldest waiting contact that operator can take. Returns the contacts assigned.

    Closing a closed contact changes nothing. With only_if_unchanged, a contact whose status,
    operator or assignment time is no longer that of `contact` raises ContactChanged: a sweep
    that read it a moment ago must not close a contact that was closed, assigned or handed over
    meanwhile. A note longer than RESOLUTION_LENGTH raises ValueError."""
    if len(note) > RESOLUTION_LENGTH:
        raise ValueError(f"A resolution note has at most {RESOLUTION_LENGTH} characters.")
    with transaction.atomic():
        if bot is not None:
            # The event's foreign keys take key-share locks on its operator, then its bot. The
            # intake and the drain lock a bot, then its operators: a close recorded with a bot
            # would deadlock with them (PostgreSQL) unless it holds the bot first, as they do.
            Bot.objects.select_for_update(no_key=True).filter(pk=bot.pk).values_list("pk").get()
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        if only_if_unchanged and (locked.status, locked.operator_id, locked.assigned_at) != (
            contact.status,
            contact.operator_id,
            contact.assigned_at,
        ):
            raise ContactChanged(contact.pk)
        freed_operator = locked.operator_id if locked.status == Contact.Status.OPEN else None
        if locked.status != Contact.Status.CLOSED:
            locked.status, locked.closed_at = Contact.Status.CLOSED, timezone.now()
            locked.resolution = note
            locked.save(update_fields=["status", "closed_at", "resolution"])
            record_events(
                [
                    ContactEvent(
                        contact=locked,
                        kind=Kind.CLOSED,
                        at=locked.closed_at,
                        reason=reason,
                        note=note,
                        actor=by,
                        operator_id=locked.operator_id,
                        bot=bot,
                    )
                ]
            )
    contact.status, contact.closed_at, contact.operator_id, contact.resolution = (
        locked.status,
        locked.closed_at,
        locked.operator_id,
        locked.resolution,
    )
    if freed_operator is None:
        return []
    return drain_queue(bot_ids=_bots_of(freed_operator))


def set_operator_active(*, operator: Operator, is_active: bool) -> list[Contact]:
    """Switch an operator on or off. Switching on drains the queues of its bots."""
    with transaction.atomic():
        Operator.objects.filter(pk=operator.pk).update(is_active=is_active)
    operator.is_active = is_active
    return drain_queue(bot_ids=_bots_of(operator.pk)) if is_active else []


def set_operator_capacity(*, operator: Operator, max_open_contacts: int) -> list[Contact]:
    """Change how many open contacts an operator may hold. Open contacts above a lowered capacity
    stay with the operator; it gets no new ones until it is below. Raising it drains the queue."""
    if not 1 <= max_open_contacts <= MAX_CAPACITY:
        raise ValueError(f"Capacity must be between 1 and {MAX_CAPACITY}.")
    with transaction.atomic():
        previous = (
            Operator.objects.select_for_update()
            .values_list("max_open_contacts", flat=True)
            .get(pk=operator.pk)
        )
        Operator.objects.filter(pk=operator.pk).update(max_open_contacts=max_open_contacts)
    operator.max_open_contacts = max_open_contacts
    if max_open_contacts <= previous:
        return []
    return drain_queue(bot_ids=_bots_of(operator.pk))


def set_weight(*, bot: Bot, operator: Operator, weight: int) -> list[Contact]:
    """Link an operator to a bot with this weight, or change the weight of the link. A new link
    or a higher weight drains the bot's queue."""
    if not 1 <= weight <= MAX_WEIGHT:
        raise ValueError(f"Weight must be between 1 and {MAX_WEIGHT}.")
    with transaction.atomic():
        link, created = BotOperator.objects.select_for_update().get_or_create(
            bot=bot, operator=operator, defaults={"weight": weight}
        )
        raised = created or weight > link.weight
        if not created and weight != link.weight:
            link.weight = weight
            link.save(update_fields=["weight"])
    return drain_queue(bot_ids=[bot.pk]) if raised else []


def remove_operator(*, bot: Bot, operator: Operator) -> None:
    """Unlink an operator from a bot. Its open contacts from that bot stay with it."""
    BotOperator.objects.filter(bot=bot, operator=operator).delete()


def hand_over_contacts(*, operator: Operator, by: AbstractBaseUser | None = None) -> list[Contact]:
    """Switch the operator off and put its open contacts back in the queue, where they keep their
    age and so go first to the other operators. The operator is switched off because it would
    otherwise be handed its own contacts straight back. `by` is the user who decided it.
    Returns the contacts re-assigned."""
    with transaction.atomic():
        Operator.objects.filter(pk=operator.pk).update(is_active=False)
        # Locked first, so that a close committing meanwhile cannot slip between what is
        # subtracted from the report's figures and what is handed over.
        handed = list(
            Contact.objects.select_for_update()
            .filter(operator=operator, status=Contact.Status.OPEN)
            .only("pk", "bot_id", "created_at")
        )
        # One UPDATE per row of figures: PostgreSQL checks the foreign keys of a row updated twice
        # in one transaction again at commit, which would lock the bot while this transaction
        # holds the operator, and deadlock with a drain that holds the bot and waits for it.
        per_day = Counter((contact.bot_id, timezone.localdate(contact.created_at)) for contact in handed)
        for (bot_id, day), count in per_day.items():
            _count_assignment(bot_id, operator.pk, day, -count)
        Contact.objects.filter(pk__in=[contact.pk for contact in handed]).update(
            status=Contact.Status.WAITING, operator=None, assigned_at=None
        )
        now = timezone.now()
        record_events(
            [
                ContactEvent(
                    contact=contact,
                    kind=Kind.HANDED_BACK,
                    at=now,
                    reason=Reason.HAND_OVER,
                    actor=by,
                    operator=operator,
                )
                for contact in handed
            ]
        )
        bot_ids = {contact.bot_id for contact in handed}
    operator.is_active = False
    return drain_queue(bot_ids=bot_ids)


# Idle contacts (the sweep the worker runs) -------------------------------------------------------


@dataclass
class Sweep:
    closed: list[Contact] = dataclasses.field(default_factory=list)  # open for too long: reason "auto"
    expired: list[Contact] = dataclasses.field(default_factory=list)  # waited for too long: reason "expired"
    assigned: list[Contact] = dataclasses.field(default_factory=list)  # from the queue, into the freed slots


def sweep_idle_contacts() -> Sweep:
    """Close every open contact assigned longer ago than its bot's auto_close_after (or else
    settings.AUTO_CLOSE_AFTER), with the reason "auto", and every waiting contact created longer
    ago than settings.WAITING_EXPIRES_AFTER, with the reason "expired". Each goes through
    close_contact, so the freed slots drain the queue.

    Safe to run in several processes at once: a contact that another sweep (or anyone) closed or
    changed after it was read is skipped (ContactChanged), so each is closed once, with one event."""
    now = timezone.now()
    sweep = Sweep()
    for contact in _idle_contacts(now):
        with contextlib.suppress(ContactChanged):
            sweep.assigned += close_contact(contact=contact, reason=Reason.AUTO, only_if_unchanged=True)
            sweep.closed.append(contact)
    if settings.WAITING_EXPIRES_AFTER is not None:
        waiting = Contact.objects.filter(
            status=Contact.Status.WAITING, created_at__lt=now - settings.WAITING_EXPIRES_AFTER
        ).order_by("created_at", "pk")
        for contact in waiting:
            with contextlib.suppress(ContactChanged):
                close_contact(contact=contact, reason=Reason.EXPIRED, only_if_unchanged=True)
                sweep.expired.append(contact)
    return sweep


def _idle_contacts(now: datetime) -> list[Contact]:
    """Open contacts assigned before their bot's limit, oldest assignment first (one query)."""
    overrides: dict[timedelta, list[int]] = {}
    for bot_id, after in Bot.objects.exclude(auto_close_after=None).values_list("pk", "auto_close_after"):
        overrides.setdefault(after, []).append(bot_id)
    overridden = [bot_id for bot_ids in overrides.values() for bot_id in bot_ids]
    limits = [Q(bot_id__in=bot_ids, assigned_at__lt=now - after) for after, bot_ids in overrides.items()]
    if settings.AUTO_CLOSE_AFTER is not None:
        limits.append(Q(assigned_at__lt=now - settings.AUTO_CLOSE_AFTER) & ~Q(bot_id__in=overridden))
    if not limits:
        return []
    idle = Q()
    for limit in limits:
        idle |= limit
    return list(Contact.objects.filter(idle, status=Contact.Status.OPEN).order_by("assigned_at", "pk"))


def set_bot_auto_close(*, bot: Bot, after: timedelta | None) -> None:
    """Close this bot's idle contacts after `after` instead of settings.AUTO_CLOSE_AFTER (None:
    follow the setting). The next sweep applies it."""
    if after is not None and after <= timedelta(0):
        raise ValueError("The time must be positive.")
    Bot.objects.filter(pk=bot.pk).update(auto_close_after=after)
    bot.auto_close_after = after
