"""Rules 3 and 4: who is eligible for a bot, and which of them gets the next contact.

The intake and the queue both choose here, over the candidates that statements.lock_bot read
under the bot's locks. The PostgreSQL intake function (intake_function.py) is the SQL copy.
"""

from django.db import connection

from ..models import Operator
from . import statements
from .statements import Candidate


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


def choose(candidates: list[Candidate]) -> Operator | None:
    """Choose the operator for the next contact and write the round robin's step.

    The caller holds the locks of statements.lock_bot; None when nobody is eligible.
    """
    rows = eligible(candidates)
    if not rows:
        return None
    chosen, total = smooth_choice(rows)
    statements.advance(eligible=[row.link_id for row in rows], chosen=chosen.link_id, total=total)
    return switched_on_operator(chosen.operator_id, chosen.operator_name, chosen.capacity)


def switched_on_operator(operator_id: int, name: str, capacity: int) -> Operator:
    """Build the chosen operator from the columns its locked row gave: no query."""
    columns = ["id", "name", "is_active", "max_open_contacts"]
    return Operator.from_db(connection.alias, columns, [operator_id, name, True, capacity])
