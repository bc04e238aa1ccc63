"""A contact's life after its assignment, and the events that free or add room (rules 2 and 5).

Every write that frees room (a close, switching on, a raised capacity or weight, a hand-over)
commits first and drains the queue afterwards, in new transactions: it never holds an operator's
lock while waiting for a bot's (docs/locking.md).
"""

import contextlib
import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import schedules
from ..exceptions import ActionRefused, ContactChanged
from ..models import (
    MAX_CAPACITY,
    MAX_WEIGHT,
    RESOLUTION_LENGTH,
    Bot,
    BotOperator,
    Contact,
    ContactEvent,
    Operator,
    OperatorEvent,
)
from ..selectors import load
from ..webhooks import record_events
from . import choice, statements
from .figures import day_of
from .queue import bots_of, drain_queue

Kind, Reason = ContactEvent.Kind, ContactEvent.Reason


def close_contact(
    *,
    contact: Contact,
    by: User | None = None,
    reason: str = Reason.MANAGER,
    note: str = "",
    bot: Bot | None = None,
    only_if_unchanged: bool = False,
) -> list[Contact]:
    """Close a contact, recording who (`by` or `bot`), why and a note; return what the queue assigned.

    Closing a closed contact changes nothing. With only_if_unchanged, raise ContactChanged if its
    status, operator or assignment changed since `contact` was read (the sweep's guard).
    """
    if len(note) > RESOLUTION_LENGTH:
        raise ValueError(f"A resolution note has at most {RESOLUTION_LENGTH} characters.")
    with transaction.atomic():
        # The day's count of closes and the event name the bot, which PostgreSQL key-share-locks at
        # commit: without the bot first, as the intake and the drain take it, a close could deadlock.
        # Found through the contact's row: `contact` may be known by its pk alone.
        its_bot = Contact.objects.filter(pk=contact.pk).values("bot_id")
        list(Bot.objects.select_for_update(no_key=True).filter(pk__in=its_bot).values_list("pk"))
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        if only_if_unchanged and (locked.status, locked.operator_id, locked.assigned_at) != (
            contact.status,
            contact.operator_id,
            contact.assigned_at,
        ):
            raise ContactChanged(contact.pk)
        # A retry drains too: the process that closed it may have died before its drain.
        freed_operator = locked.operator_id if locked.status != Contact.Status.WAITING else None
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
            day = day_of(locked.closed_at)
            statements.count_close(bot_id=locked.bot_id, day=day, reason=reason)
    contact.status, contact.closed_at, contact.operator_id, contact.resolution = (
        locked.status,
        locked.closed_at,
        locked.operator_id,
        locked.resolution,
    )
    if freed_operator is None:
        return []
    return drain_queue(bot_ids=bots_of(freed_operator))


def set_operator_active(
    *,
    operator: Operator,
    is_active: bool,
    by: User | None = None,
    reason: str = OperatorEvent.Reason.MANAGER,
) -> list[Contact]:
    """Switch an operator on or off, recording who (`by`) and why; switching on drains its queues."""
    with transaction.atomic():
        switched = Operator.objects.filter(pk=operator.pk, is_active=not is_active)
        if is_active:  # an archived operator stays off: its views refuse, and say why
            switched = switched.filter(archived_at=None)
        changed = switched.update(is_active=is_active, away_reason="")
        if changed:
            kind = OperatorEvent.Kind.ON if is_active else OperatorEvent.Kind.AWAY
            OperatorEvent.objects.create(operator=operator, kind=kind, reason=reason, actor=by)
    operator.is_active, operator.away_reason = is_active, ""
    return drain_queue(bot_ids=bots_of(operator.pk)) if is_active else []


def set_operator_capacity(*, operator: Operator, max_open_contacts: int) -> list[Contact]:
    """Change an operator's capacity; raising it drains the queue.

    Open contacts above a lowered capacity stay; the operator gets no new ones until below it.
    """
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
    return drain_queue(bot_ids=bots_of(operator.pk))


def set_weight(*, bot: Bot, operator: Operator, weight: int) -> list[Contact]:
    """Link an operator to a bot with this weight, or change it; a new or raised weight drains."""
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


def hand_over_contacts(*, operator: Operator, by: User | None = None) -> list[Contact]:
    """Switch the operator off and put its open contacts back in the queue; return those re-assigned.

    They keep their age, so they go first to the others; switched on, the operator would get
    its own contacts straight back.
    """
    with transaction.atomic():
        if Operator.objects.filter(pk=operator.pk, is_active=True).update(is_active=False, away_reason=""):
            OperatorEvent.objects.create(
                operator=operator,
                kind=OperatorEvent.Kind.AWAY,
                reason=OperatorEvent.Reason.HAND_OVER,
                actor=by,
            )
        # Locked, so that a close committing meanwhile is not undone. The report keeps counting
        # these contacts' assignments to this operator: they were made (docs/dashboard.md).
        handed = list(
            Contact.objects.select_for_update()
            .filter(operator=operator, status=Contact.Status.OPEN)
            .only("pk", "bot_id")
        )
        Contact.objects.filter(pk__in=[contact.pk for contact in handed]).update(
            status=Contact.Status.WAITING,
            operator=None,
            assigned_at=None,
            accepted_at=None,
            answer_by=None,
            overdue_since=None,
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


@dataclass
class Sweep:
    closed: list[Contact] = dataclasses.field(default_factory=list)  # open too long: "auto"
    expired: list[Contact] = dataclasses.field(default_factory=list)  # waited too long: "expired"
    assigned: list[Contact] = dataclasses.field(default_factory=list)  # from the queue


def sweep_idle_contacts() -> Sweep:
    """Close open contacts past their bot's auto-close time and waiting ones past their expiry.

    Both count the bot's open hours only (rule 11). Then drain every queue that has room. Safe in
    several processes at once: a contact changed since it was read is skipped, so each is closed
    once.
    """
    now = timezone.now()
    sweep = Sweep()
    idle = _older_than(now, "assigned_at", own="auto_close_after", default=settings.AUTO_CLOSE_AFTER)
    for contact in Contact.objects.filter(idle, status=Contact.Status.OPEN).order_by("assigned_at", "pk"):
        with contextlib.suppress(ContactChanged):
            sweep.assigned += close_contact(contact=contact, reason=Reason.AUTO, only_if_unchanged=True)
            sweep.closed.append(contact)
    expired = _older_than(now, "created_at", own=None, default=settings.WAITING_EXPIRES_AFTER)
    for contact in Contact.objects.filter(expired, status=Contact.Status.WAITING).order_by(
        "created_at", "pk"
    ):
        with contextlib.suppress(ContactChanged):
            close_contact(contact=contact, reason=Reason.EXPIRED, only_if_unchanged=True)
            sweep.expired.append(contact)
    # Rule 5 whatever died when: a contact left waiting beside free room goes now.
    queued = Contact.objects.filter(status=Contact.Status.WAITING).order_by().values_list("bot_id", flat=True)
    sweep.assigned += drain_queue(bot_ids=set(queued.distinct()))
    return sweep


def _older_than(now: datetime, field: str, *, own: str | None, default: timedelta | None) -> Q:
    """Return a filter of contacts whose `field` is longer ago than their bot's limit.

    The limit is the bot's `own` field, else `default`; a bot with working hours counts open time.
    """
    special = Q(hours__isnull=False) | (Q(**{f"{own}__isnull": False}) if own else Q(pk__in=[]))
    limits, apart = [], []
    for bot_id, after, hours in Bot.objects.filter(special).values_list("pk", own or "hours", "hours"):
        apart.append(bot_id)
        cutoff = _cutoff(now, (after if own else None) or default, hours)
        if cutoff:
            limits.append(Q(bot_id=bot_id, **{f"{field}__lt": cutoff}))
    if default is not None:
        limits.append(Q(**{f"{field}__lt": now - default}) & ~Q(bot_id__in=apart))
    matched = Q(pk__in=[])
    for limit in limits:
        matched |= limit
    return matched


def _cutoff(now: datetime, after: timedelta | None, hours: object) -> datetime | None:
    """Return the moment `after` ago, in open time for a bot with working `hours`."""
    if not after:
        return None
    schedule = schedules.stored(hours)
    return schedule.open_time_back(now, after) if schedule else now - after


def auto_close_due(*, bot: Bot, after: timedelta | None) -> QuerySet[Contact]:
    """Return the bot's open contacts that the next sweep would close were its auto-close time
    `after` (None: settings.AUTO_CLOSE_AFTER), oldest assignment first."""
    cutoff = _cutoff(timezone.now(), after or settings.AUTO_CLOSE_AFTER, bot.hours)
    if cutoff is None:
        return Contact.objects.none()
    return Contact.objects.filter(bot=bot, status=Contact.Status.OPEN, assigned_at__lt=cutoff).order_by(
        "assigned_at", "pk"
    )


def set_bot_auto_close(*, bot: Bot, after: timedelta | None) -> None:
    """Close this bot's open contacts `after` their assignment; None follows
    settings.AUTO_CLOSE_AFTER."""
    if after is not None and after <= timedelta(0):
        raise ValueError("The time must be positive.")
    Bot.objects.filter(pk=bot.pk).update(auto_close_after=after)
    bot.auto_close_after = after


def set_bot_answer_within(*, bot: Bot, within: timedelta | None) -> None:
    """Give this bot's contacts `within` to be taken (rule 9); None follows settings.ANSWER_WITHIN,
    zero is off.

    The deadlines of its contacts not taken yet move with it, from their assignment; switched off,
    none of them is overdue any more.
    """
    if within is not None and within < timedelta(0):
        raise ValueError("The time cannot be negative.")
    effective = choice.answer_within(within)
    with transaction.atomic():
        # The bot first, as a pass-on locks it before the contact (docs/locking.md).
        Bot.objects.filter(pk=bot.pk).update(answer_within=within)
        new = Contact.objects.filter(bot=bot, status=Contact.Status.OPEN, accepted_at=None)
        if effective:
            new.update(answer_by=F("assigned_at") + effective)
        else:
            new.update(answer_by=None, overdue_since=None)
    bot.answer_within = within


def set_bot_return_within(*, bot: Bot, within: timedelta | None) -> None:
    """Send a lead who writes to this bot again within `within` back to its operator (rule 10);
    None is off."""
    if within is not None and within <= timedelta(0):
        raise ValueError("The time must be positive.")
    Bot.objects.filter(pk=bot.pk).update(return_within=within)
    bot.return_within = within


def set_bot_hours(*, bot: Bot, hours: schedules.Schedule | None) -> list[Contact]:
    """Give this bot working hours (rule 11), None for always open; return the contacts assigned.

    The deadlines of its contacts not taken yet are counted again in the new hours, from their
    assignment; a bot open now drains its queue.
    """
    stored = hours.to_json() if hours else None
    with transaction.atomic():
        # The bot first, as a pass-on locks it before the contact (docs/locking.md).
        locked = Bot.objects.select_for_update().get(pk=bot.pk)
        Bot.objects.filter(pk=bot.pk).update(hours=stored)
        if choice.answer_within(locked.answer_within):
            new = Contact.objects.filter(bot=bot, status=Contact.Status.OPEN, accepted_at=None)
            for pk, assigned_at in new.values_list("pk", "assigned_at"):
                if assigned_at:  # always, for an open contact
                    answer_by = choice.answer_by(assigned_at, locked.answer_within, hours=stored)
                    Contact.objects.filter(pk=pk).update(answer_by=answer_by)
    bot.hours = stored
    return drain_queue(bot_ids=[bot.pk])


def transfer_contact(
    *, contact: Contact, to: Operator, by: User | None = None, note: str = ""
) -> list[Contact]:
    """Give an open contact to another operator with room, as a manager decided; return the drained.

    The new operator has to take it (rule 8). Raise ActionRefused when it is not open, is that
    operator's already, or the operator is switched off or full.
    """
    if len(note) > RESOLUTION_LENGTH:
        raise ValueError(f"A note has at most {RESOLUTION_LENGTH} characters.")
    with transaction.atomic():
        bot = Bot.objects.select_for_update().get(pk=contact.bot_id)
        operators = {
            operator.pk: operator
            for operator in Operator.objects.select_for_update()
            .filter(pk__in={to.pk, contact.operator_id or to.pk})
            .order_by("pk")
        }
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        target = operators[to.pk]
        if locked.status != Contact.Status.OPEN:
            raise ActionRefused(_("Only an open contact can be transferred."))
        if locked.operator_id == target.pk:
            raise ActionRefused(_("%(operator)s has this contact already.") % {"operator": target.name})
        if not target.is_active or load(target) >= target.max_open_contacts:
            raise ActionRefused(_("%(operator)s is switched off or full.") % {"operator": target.name})
        freed, now = locked.operator_id, timezone.now()
        locked.operator, locked.assigned_at, locked.accepted_at = target, now, None
        locked.answer_by, locked.overdue_since = (
            choice.answer_by(now, bot.answer_within, hours=bot.hours),
            None,
        )
        locked.save(update_fields=["operator", "assigned_at", "accepted_at", "answer_by", "overdue_since"])
        statements.count_assignments(bot_id=bot.pk, operator_id=target.pk, day=day_of(now))
        record_events(
            [
                ContactEvent(
                    contact=locked,
                    kind=Kind.ASSIGNED,
                    at=now,
                    reason=Reason.TRANSFER,
                    note=note,
                    actor=by,
                    operator=target,
                )
            ]
        )
    contact.operator, contact.assigned_at, contact.accepted_at = target, now, None
    return drain_queue(bot_ids=bots_of(freed)) if freed else []


def reopen_contact(*, contact: Contact, by: User | None = None) -> Contact:
    """Open a closed contact again: to its operator when it is on and has room, else to the queue.

    Raise ActionRefused when the contact is not closed.
    """
    with transaction.atomic():
        bot = Bot.objects.select_for_update().get(pk=contact.bot_id)
        operator = (
            Operator.objects.select_for_update().filter(pk=contact.operator_id).first()
            if contact.operator_id
            else None
        )
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        if locked.status != Contact.Status.CLOSED:
            raise ActionRefused(_("Only a closed contact can be reopened."))
        now = timezone.now()
        if operator is not None and not (operator.is_active and load(operator) < operator.max_open_contacts):
            operator = None  # off or full: the queue
        locked.closed_at, locked.resolution, locked.accepted_at, locked.overdue_since = None, "", None, None
        if operator is not None:
            locked.status, locked.assigned_at = Contact.Status.OPEN, now
            locked.answer_by = choice.answer_by(now, bot.answer_within, hours=bot.hours)
            statements.count_assignments(bot_id=bot.pk, operator_id=operator.pk, day=day_of(now))
            event = ContactEvent(
                contact=locked,
                kind=Kind.ASSIGNED,
                at=now,
                reason=Reason.REOPENED,
                actor=by,
                operator=operator,
            )
        else:
            locked.status, locked.operator, locked.assigned_at, locked.answer_by = (
                Contact.Status.WAITING,
                None,
                None,
                None,
            )
            event = ContactEvent(
                contact=locked, kind=Kind.HANDED_BACK, at=now, reason=Reason.REOPENED, actor=by
            )
        locked.save()
        record_events([event])
    if operator is None:
        drain_queue(bot_ids=[bot.pk])
        locked.refresh_from_db()
    return locked
