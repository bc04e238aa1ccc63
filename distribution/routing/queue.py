"""Rule 5: contacts that nobody could take wait, and are assigned oldest first when room appears."""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from .. import schedules
from ..models import Bot, BotOperator, Contact, ContactEvent
from ..webhooks import record_events
from . import choice, statements
from .figures import day_of


def drain_queue(*, bot_ids: Iterable[int]) -> list[Contact]:
    """Assign the waiting contacts of these bots, oldest first, while an operator can take them.

    Each assignment is its own transaction. Return the contacts assigned.
    """
    pending = set(bot_ids)
    assigned: list[Contact] = []
    while pending:
        room = statements.with_room(pending)
        # Rule 11: a closed bot's contacts wait for its opening.
        closed = {bot for bot, hours in room.items() if not schedules.opening(hours, timezone.now())[0]}
        pending -= closed
        if not room.keys() - closed:
            break
        # An unlocked read that only picks the bot whose waiting contact is oldest. A contact
        # queued by a request still holding its bot's lock is invisible here, so "nothing waits"
        # is only believed after waiting for those locks.
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


def bots_of(operator_id: int) -> list[int]:
    """Return the bots an operator is linked to: whose queues its freed room may serve."""
    return list(BotOperator.objects.filter(operator_id=operator_id).values_list("bot_id", flat=True))


def _nothing_waits_under_lock(bot_ids: set[int]) -> bool:
    """Wait for every assignment in flight for these bots to commit, then look again."""
    with transaction.atomic():
        list(Bot.objects.select_for_update().filter(pk__in=bot_ids).order_by("pk").values_list("pk"))
        return not Contact.objects.filter(bot_id__in=bot_ids, status=Contact.Status.WAITING).exists()


def _assign_oldest_waiting(bot_id: int) -> Contact | None:
    """Give the bot's oldest waiting contact to an operator, in one transaction.

    Return None when nothing waits or nobody can take it, and the contact still waiting when it
    changed meanwhile (closed by a manager), so that the caller looks again.
    """
    with transaction.atomic():
        locked = statements.lock_bot(bot_id)
        contact = (
            Contact.objects.select_related("lead", "bot")
            .filter(bot_id=bot_id, status=Contact.Status.WAITING)
            .order_by("created_at", "pk")
            .first()
        )
        assigned_at = timezone.now()
        if locked is None or contact is None or not schedules.opening(locked.hours, assigned_at)[0]:
            return None
        returning_to = choice.returning_operator(
            contact.lead_id, within=locked.return_within, now=assigned_at
        )
        chosen = choice.choose(locked.candidates, returning_to=returning_to)
        if chosen is None:
            transaction.set_rollback(True)
            return None
        answer_by = choice.answer_by(assigned_at, locked.answer_within, hours=locked.hours)
        # Closing a contact does not take the bot's lock, so make sure it is still waiting.
        updated = Contact.objects.filter(pk=contact.pk, status=Contact.Status.WAITING).update(
            status=Contact.Status.OPEN, operator=chosen.operator, assigned_at=assigned_at, answer_by=answer_by
        )
        if not updated:
            transaction.set_rollback(True)
            return contact
        contact.status, contact.operator, contact.assigned_at = (
            Contact.Status.OPEN,
            chosen.operator,
            assigned_at,
        )
        contact.answer_by = answer_by
        statements.count_assignments(bot_id=bot_id, operator_id=chosen.operator.pk, day=day_of(assigned_at))
        reason = ContactEvent.Reason.RETURNED if chosen.returned else ContactEvent.Reason.QUEUE
        record_events(
            [
                ContactEvent(
                    contact=contact,
                    kind=ContactEvent.Kind.ASSIGNED,
                    at=assigned_at,
                    reason=reason,
                    operator=chosen.operator,
                )
            ]
        )
        return contact
