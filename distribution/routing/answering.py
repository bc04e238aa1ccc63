"""Rules 8 and 9: an operator takes its new contact in time, or the contact passes on.

The worker's sweep passes on every new contact past its deadline. A pass-on locks the bot, its
links and operators (statements.lock_bot), then the contact, as a drain does, and frees the old
operator's place after its commit: the queue drains then (docs/locking.md).
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from ..exceptions import ContactNotOpen
from ..models import Bot, Contact, ContactEvent, Operator, OperatorEvent
from ..webhooks import record_events
from . import choice, statements
from .figures import day_of
from .queue import bots_of, drain_queue

Kind, Reason = ContactEvent.Kind, ContactEvent.Reason


def accept_contact(*, contact: Contact, by: User | None = None, bot: Bot | None = None) -> Contact:
    """Record that the contact's operator took it (rule 8); taking it twice changes nothing.

    Raise ContactNotOpen for a contact that waits or is closed.
    """
    with transaction.atomic():
        if bot is not None:
            # As a bot's close: the event names the bot, whose lock comes first (docs/locking.md).
            Bot.objects.select_for_update(no_key=True).filter(pk=bot.pk).values_list("pk").get()
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        if locked.status != Contact.Status.OPEN:
            raise ContactNotOpen(locked)
        if locked.accepted_at is None:
            locked.accepted_at = timezone.now()
            locked.save(update_fields=["accepted_at"])
            event = ContactEvent(
                contact=locked,
                kind=Kind.ACCEPTED,
                at=locked.accepted_at,
                reason=Reason.BOT if bot else Reason.OPERATOR,
                actor=by,
                operator_id=locked.operator_id,
                bot=bot,
            )
            record_events([event])
    contact.accepted_at, contact.overdue_since = locked.accepted_at, locked.overdue_since
    return contact


@dataclass
class PassOns:
    passed_on: list[Contact] = field(default_factory=list)  # to another operator
    overdue: list[Contact] = field(default_factory=list)  # nobody else could take them
    away: list[Operator] = field(default_factory=list)  # switched away for missing too many
    assigned: list[Contact] = field(default_factory=list)  # from the queue, into the places freed


def pass_on_due(now: datetime | None = None) -> PassOns:
    """Pass on every new contact past its deadline; switch away who missed too many in a row.

    Safe in several processes at once: each deadline is missed and passed on once.
    """
    now = now or timezone.now()
    done = PassOns()
    missed_by: set[int] = set()
    due = (
        Contact.objects.filter(status=Contact.Status.OPEN, accepted_at=None, answer_by__lte=now)
        .order_by("answer_by", "pk")
        .values_list("pk", "bot_id", "operator_id", "answer_by")
    )
    for pk, bot_id, operator_id, deadline in list(due):
        outcome = _pass_on(pk, bot_id, expected=(operator_id, deadline), missed=True)
        if outcome is not None:
            contact, moved = outcome
            missed_by.add(operator_id)
            (done.passed_on if moved else done.overdue).append(contact)
            if moved:
                done.assigned += drain_queue(bot_ids=bots_of(operator_id))
    for operator in _missed_too_many(missed_by):
        done.away.append(operator)
        done.passed_on += _away_for_misses(operator)
    return done


def _pass_on(
    pk: int, bot_id: int, *, expected: tuple[int, datetime | None], missed: bool
) -> tuple[Contact, bool] | None:
    """Give the new contact to another eligible operator, in one transaction.

    Return the contact and whether it moved; None when nothing changed. A contact nobody else can
    take stays, overdue. With `missed`, its operator's miss is recorded once.
    """
    with transaction.atomic():
        locked = statements.lock_bot(bot_id)
        contact = (
            Contact.objects.select_for_update()
            .select_related("bot", "lead")
            .filter(pk=pk, status=Contact.Status.OPEN, accepted_at=None)
            .first()
        )
        if locked is None or contact is None or (contact.operator_id, contact.answer_by) != expected:
            return None
        now = timezone.now()
        events = []
        if missed and contact.overdue_since is None:
            events.append(
                ContactEvent(contact=contact, kind=Kind.MISSED, at=now, operator_id=contact.operator_id)
            )
        # Each operator misses a contact once: who missed it never gets it back by a pass-on.
        missed_it = set(
            ContactEvent.objects.filter(contact_id=pk, kind=Kind.MISSED)
            .exclude(operator=None)
            .values_list("operator_id", flat=True)
        )
        chosen = choice.choose(locked.candidates, excluded={contact.operator_id, *missed_it})
        if chosen is None:
            if not (missed and contact.overdue_since is None):
                return None
            contact.overdue_since = contact.answer_by or now
            contact.save(update_fields=["overdue_since"])
            record_events(events)
            return contact, False
        contact.operator, contact.assigned_at = chosen.operator, now
        contact.answer_by = choice.answer_by(now, locked.answer_within, hours=locked.hours)
        contact.overdue_since = None
        contact.save(update_fields=["operator", "assigned_at", "answer_by", "overdue_since"])
        statements.count_assignments(bot_id=bot_id, operator_id=chosen.operator.pk, day=day_of(now))
        events.append(
            ContactEvent(
                contact=contact, kind=Kind.ASSIGNED, at=now, reason=Reason.PASSED_ON, operator=chosen.operator
            )
        )
        record_events(events)
        return contact, True


def _missed_too_many(operator_ids: set[int]) -> list[Operator]:
    """Return the switched-on operators among these whose last AWAY_AFTER_MISSED contacts were missed."""
    limit = settings.AWAY_AFTER_MISSED
    if not limit or not operator_ids:
        return []
    away = []
    for operator in Operator.objects.filter(pk__in=operator_ids, is_active=True).order_by("pk"):
        history = ContactEvent.objects.filter(operator=operator, kind__in=[Kind.MISSED, Kind.ACCEPTED])
        last = list(history.order_by("-at", "-pk").values_list("kind", flat=True)[:limit])
        if len(last) == limit and all(kind == Kind.MISSED for kind in last):
            away.append(operator)
    return away


def _away_for_misses(operator: Operator) -> list[Contact]:
    """Switch the operator away for its misses and pass on its new contacts; return those moved."""
    reason = OperatorEvent.Reason.MISSED
    with transaction.atomic():
        switched = Operator.objects.filter(pk=operator.pk, is_active=True).update(
            is_active=False, away_reason=reason
        )
        if not switched:
            return []
        OperatorEvent.objects.create(operator=operator, kind=OperatorEvent.Kind.AWAY, reason=reason)
    operator.is_active, operator.away_reason = False, reason
    return pass_on_new(operator)


def pass_on_new(operator: Operator) -> list[Contact]:
    """Pass an operator's new contacts on to others who can take them; return those moved.

    Its taken ones stay. For an operator just switched away: for misses, or at its shift's end.
    """
    moved = []
    new = Contact.objects.filter(operator=operator, status=Contact.Status.OPEN, accepted_at=None)
    for pk, bot_id, deadline in list(
        new.order_by("created_at", "pk").values_list("pk", "bot_id", "answer_by")
    ):
        if (outcome := _pass_on(pk, bot_id, expected=(operator.pk, deadline), missed=False)) and outcome[1]:
            moved.append(outcome[0])
    return moved
