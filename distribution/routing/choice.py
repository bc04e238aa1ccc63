"""Rules 3, 4, 9 and 10: who gets the next contact, and by when they should take it.

The intake, the queue and the pass-on all choose here; intake_function.py is the SQL copy.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from django.conf import settings
from django.db import connection

from .. import schedules
from ..models import Contact, Operator
from . import statements
from .statements import Candidate


@dataclass(frozen=True)
class Chosen:
    candidate: Candidate
    returned: bool  # rule 10: the lead's own operator, outside the round robin

    @cached_property
    def operator(self) -> Operator:
        """The chosen operator, built from its locked row's columns without a query."""
        assert self.candidate.operator_name is not None  # an eligible row's operator is switched on
        return switched_on_operator(
            self.candidate.operator_id, self.candidate.operator_name, self.candidate.capacity
        )


def eligible(candidates: list[Candidate]) -> list[Candidate]:
    """Rule 3: linked with a weight, switched on, and below capacity."""
    return [
        candidate
        for candidate in candidates
        if candidate.weight > 0
        and candidate.operator_name is not None
        and candidate.load < candidate.capacity
    ]


def smooth_choice(rows: list) -> tuple:
    """Take rule 4's step over eligible rows, in place; return the chosen row and the weights' sum."""
    # Rows that are not eligible keep their current_weight: the shares re-spread over the eligible
    # operators, and an operator who comes back has no credit to catch up with.
    for row in rows:
        row.current_weight += row.weight
    chosen = max(rows, key=lambda row: (row.current_weight, -row.operator_id))
    total = sum(row.weight for row in rows)
    chosen.current_weight -= total
    return chosen, total


def choose(
    candidates: list[Candidate], *, excluded: Collection[int | None] = (), returning_to: int | None = None
) -> Chosen | None:
    """Choose the next contact's operator under statements.lock_bot's locks; None if nobody can.

    `returning_to` gets it when eligible, without a step of the round robin (rule 10).
    """
    rows = [row for row in eligible(candidates) if row.operator_id not in excluded]
    if not rows:
        return None
    back = next((row for row in rows if row.operator_id == returning_to), None)
    if back is not None:
        return Chosen(back, returned=True)
    chosen, total = smooth_choice(rows)
    statements.advance(eligible=[row.link_id for row in rows], chosen=chosen.link_id, total=total)
    return Chosen(chosen, returned=False)


def answer_within(own: timedelta | None) -> timedelta | None:
    """Return a bot's time to take a new contact: its own, else ANSWER_WITHIN; None is off."""
    within = settings.ANSWER_WITHIN if own is None else own
    return within or None


def answer_by(assigned_at: datetime, own: timedelta | None, *, hours: object = None) -> datetime | None:
    """Return rule 9's deadline of an assignment at `assigned_at`, counted in the bot's open hours."""
    within = answer_within(own)
    if not within:
        return None
    schedule = schedules.stored(hours)
    return assigned_at + within if schedule is None else schedule.add_open_time(assigned_at, within)


def returning_operator(lead_id: int, *, within: timedelta | None, now: datetime) -> int | None:
    """Return rule 10's operator: who had the lead's latest contact assigned within `within`."""
    if within is None:
        return None
    return (
        Contact.objects.filter(lead_id=lead_id, assigned_at__gte=now - within)
        .exclude(operator=None)
        .order_by("-assigned_at", "-pk")
        .values_list("operator_id", flat=True)
        .first()
    )


def switched_on_operator(operator_id: int, name: str, capacity: int) -> Operator:
    """Build the chosen operator from its locked row's columns, without a query."""
    columns = ["id", "name", "is_active", "max_open_contacts"]
    return Operator.from_db(connection.alias, columns, [operator_id, name, True, capacity])
