"""Rule 11 for operators: the worker switches an operator on and away at its shifts' edges.

Only at an edge: a manager's or the operator's own switch inside a shift lasts until the next.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .. import schedules
from ..models import Contact, Operator, OperatorEvent
from .answering import pass_on_new
from .queue import bots_of, drain_queue


def apply_shift_edges(now: datetime | None = None) -> tuple[list[Operator], list[Contact]]:
    """Switch the operators whose shift began or ended; return them and the contacts assigned.

    At a shift's end its new contacts pass on (rule 9), its taken ones stay. Safe in several
    processes at once: an edge is applied by whoever moves the operator's next edge first.
    """
    now = now or timezone.now()
    switched, assigned = [], []
    due = Operator.objects.filter(
        Q(shift_edge_at=None) | Q(shift_edge_at__lte=now), shifts__isnull=False, archived_at=None
    )
    for operator in list(due.order_by("pk")):
        schedule = schedules.stored(operator.shifts)
        on = schedule is None or schedule.is_open(now)
        edge = schedule.next_edge(now) if schedule else None
        with transaction.atomic():
            claimed = Operator.objects.filter(pk=operator.pk, shift_edge_at=operator.shift_edge_at).update(
                shift_edge_at=edge
            )
            if not claimed:
                continue  # another worker applied this edge
            changed = Operator.objects.filter(pk=operator.pk, is_active=not on).update(
                is_active=on, away_reason=""
            )
            if changed:
                kind = OperatorEvent.Kind.ON if on else OperatorEvent.Kind.AWAY
                OperatorEvent.objects.create(
                    operator=operator, kind=kind, reason=OperatorEvent.Reason.SHIFT, at=now
                )
        if not changed:
            continue
        operator.is_active, operator.shift_edge_at = on, edge
        switched.append(operator)
        if on:
            assigned += drain_queue(bot_ids=bots_of(operator.pk))
        else:
            assigned += pass_on_new(operator)
    return switched, assigned


def set_operator_shifts(*, operator: Operator, shifts: schedules.Schedule | None) -> None:
    """Give this operator shifts (rule 11), None for none; the worker applies them at its next sweep."""
    stored = shifts.to_json() if shifts else None
    Operator.objects.filter(pk=operator.pk).update(shifts=stored, shift_edge_at=None)
    operator.shifts, operator.shift_edge_at = stored, None
