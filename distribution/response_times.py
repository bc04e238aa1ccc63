"""Response times (issue 19): how fast operators take their contacts, per bot and operator.

Everything comes from the contacts' events. _walk() reads one contact's history and counts each
fact on the day of the event that completes it: an assignment (how it was made, and the wait since
arrival for the contact's first), a take (its time since the assignment, and whether it beat the
deadline), a miss, a close (taken or not, and its time since arrival). fold(), which the worker
runs with each sweep, keeps running sums of these per bot, operator and day in ResponseFigures, so
that a period costs two rows per bot and operator whatever its length; period_figures() walks
the events of what the fold has not reached yet.

Durations count the bot's open hours only, by its working hours as they are now (rule 11), and are
counted in the buckets of SCALE; a percentile is read as "at most" the bound of its bucket: exact
at the scale's steps, at most a third too high between them.
"""

import dataclasses
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import accumulate, groupby
from operator import add, itemgetter, sub

from django.db import transaction
from django.utils import timezone

from . import schedules
from .models import Bot, ContactEvent, ResponseFigures, ResponseFold, figures_day

Kind, Reason = ContactEvent.Kind, ContactEvent.Reason
ONE_DAY = timedelta(days=1)
# What has surely committed: an event is written in a short transaction, stamped when it begins.
FOLD_MARGIN = timedelta(minutes=1)

# The buckets' upper bounds, in seconds: a duration d is in the first bucket whose bound is >= d,
# or in one more bucket past the last. Round values, a third apart at most from 4 s on.
SCALE: tuple[int, ...] = tuple(
    round(unit * step)
    for unit, steps in (
        (1, (1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50)),
        (60, (1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50)),
        (3600, (1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10, 12, 15, 18, 21)),
        (86400, (1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 9, 11, 14, 18, 22, 28, 35, 45, 55, 70, 90, 110)),
        (86400, (140, 180, 225, 280, 365)),
    )
    for step in steps
)
BUCKETS = len(SCALE) + 1
BEYOND = timedelta.max  # a percentile past the scale's last bound


def bucket(duration: timedelta) -> int:
    return bisect_left(SCALE, duration.total_seconds())


def percentile(counts: list[int], p: int) -> timedelta | None:
    """The p-th percentile (nearest rank) of the durations counted per bucket, as its bucket's
    bound: at least p % of them took at most that long. None when there are none."""
    total = sum(counts)
    if not total:
        return None
    rank = -(-p * total // 100)
    index = next(index for index, seen in enumerate(accumulate(counts)) if seen >= rank)
    return timedelta(seconds=SCALE[index]) if index < len(SCALE) else BEYOND


def _no_durations() -> list[int]:
    return [0] * BUCKETS


DURATIONS = ("to_take", "to_assign", "to_close")


@dataclass
class Figures:
    """What the report shows of a bot, an operator, or both, over some time."""

    assigned: int = 0  # however it was made: on arrival, from the queue, passed on, moved, reopened
    taken: int = 0
    missed: int = 0  # deadlines passed before a take (rule 9)
    passed_on: int = 0  # assignments of contacts that another operator had missed
    returned: int = 0  # assignments to the lead's own operator (rule 10)
    closed_untaken: int = 0
    due: int = 0  # assignments with a deadline that were taken or missed: the in-time share's whole
    in_time: int = 0
    to_take: list[int] = field(default_factory=_no_durations)  # from assignment to take
    to_assign: list[int] = field(default_factory=_no_durations)  # from arrival to first assignment
    to_close: list[int] = field(default_factory=_no_durations)  # from arrival to close

    def _combine(self, other: "Figures", op: Callable[[int, int], int]) -> "Figures":
        # Spelled out: the report adds a few thousand of these a request.
        return Figures(
            op(self.assigned, other.assigned),
            op(self.taken, other.taken),
            op(self.missed, other.missed),
            op(self.passed_on, other.passed_on),
            op(self.returned, other.returned),
            op(self.closed_untaken, other.closed_untaken),
            op(self.due, other.due),
            op(self.in_time, other.in_time),
            list(map(op, self.to_take, other.to_take)),
            list(map(op, self.to_assign, other.to_assign)),
            list(map(op, self.to_close, other.to_close)),
        )

    def __add__(self, other: "Figures") -> "Figures":
        return self._combine(other, add)

    def __sub__(self, other: "Figures") -> "Figures":
        return self._combine(other, sub)

    def as_json(self) -> dict:
        data = dataclasses.asdict(self)
        for value in data.values():
            if isinstance(value, list):  # trailing zeros left out
                while value and not value[-1]:
                    value.pop()
        return data

    @classmethod
    def from_json(cls, data: dict) -> "Figures":
        figures = cls(**data)
        for name in DURATIONS:
            counts = getattr(figures, name)
            counts += [0] * (BUCKETS - len(counts))
        return figures

    def __bool__(self) -> bool:
        return bool(self.assigned or self.taken or self.missed or self.closed_untaken or any(self.to_close))

    @property
    def take_p50(self) -> timedelta | None:
        return percentile(self.to_take, 50)

    @property
    def take_p90(self) -> timedelta | None:
        return percentile(self.to_take, 90)

    @property
    def wait_p50(self) -> timedelta | None:
        return percentile(self.to_assign, 50)

    @property
    def wait_p90(self) -> timedelta | None:
        return percentile(self.to_assign, 90)

    @property
    def close_p50(self) -> timedelta | None:
        return percentile(self.to_close, 50)

    @property
    def in_time_percent(self) -> float | None:
        return 100 * self.in_time / self.due if self.due else None


# Walking the events --------------------------------------------------------------------------------

# (bot id, operator id), and with the day the facts fall on.
Pair = tuple[int, int]
DayPair = tuple[date, int, int]
# The kinds that complete a fact, and those that a contact's history needs besides.
COUNTED = [Kind.ASSIGNED, Kind.ACCEPTED, Kind.MISSED, Kind.CLOSED]
WALKED = [*COUNTED, Kind.HANDED_BACK]
HISTORY = (
    "contact_id",
    "kind",
    "at",
    "reason",
    "operator_id",
    "contact__bot_id",
    "contact__created_at",
    "contact__assigned_at",
    "contact__answer_by",
    "contact__bot__hours",
)


@dataclass
class _Assignment:
    at: datetime
    taken: bool = False
    missed: bool = False


def tally(
    start: datetime, end: datetime, *, since_contact: int = 0, bot: Bot | None = None
) -> dict[DayPair, Figures]:
    """The facts that the events in [start, end) complete, per day, bot and operator (one query).

    Contacts up to `since_contact` are left out; with `bot`, only its contacts count.
    """
    touched = ContactEvent.objects.filter(
        at__gte=start, at__lt=end, kind__in=COUNTED, contact_id__gt=since_contact
    )
    if bot is not None:
        touched = touched.filter(contact__bot=bot)
    # Each touched contact's history up to `end`: a take needs its assignment, however old.
    histories = (
        ContactEvent.objects.filter(contact__in=touched.values("contact_id"), at__lt=end, kind__in=WALKED)
        .order_by("contact_id", "at", "pk")
        .values_list(*HISTORY)
    )
    figures: dict[DayPair, Figures] = defaultdict(Figures)
    outside = Figures()  # where the facts of events outside [start, end) go, to be forgotten
    for _contact, history in groupby(histories.iterator(chunk_size=5000), key=itemgetter(0)):
        _walk(history, start, end, figures, outside)
    return figures


def _walk(
    history: Iterable[tuple],
    start: datetime,
    end: datetime,
    figures: dict[DayPair, Figures],
    outside: Figures,
) -> None:
    """Count the facts of one contact's history (oldest first) whose events are in [start, end)."""
    assignment: _Assignment | None = None
    assigned_before = False
    for _, kind, at, reason, operator_id, bot_id, created_at, assigned_at, answer_by, hours in history:
        counted = start <= at < end and operator_id is not None
        mine = figures[(figures_day(at), bot_id, operator_id)] if counted else outside
        if kind == Kind.ASSIGNED:
            mine.assigned += 1
            mine.passed_on += reason == Reason.PASSED_ON
            mine.returned += reason == Reason.RETURNED
            if not assigned_before:
                mine.to_assign[bucket(_open_time(hours, created_at, at))] += 1
            assignment, assigned_before = _Assignment(at), True
        elif kind == Kind.MISSED:
            mine.missed += 1
            mine.due += 1
            if assignment is not None:
                assignment.missed = True
        elif kind == Kind.ACCEPTED:
            if assignment is None or assignment.taken:
                continue
            assignment.taken = True
            mine.taken += 1
            mine.to_take[bucket(_open_time(hours, assignment.at, at))] += 1
            # The deadline is the contact's while this is its assignment still; an older one
            # beat its deadline if the sweep recorded no miss. A contact without a deadline has
            # none to beat, and a late take after a miss was counted with the miss.
            if answer_by is not None and not assignment.missed:
                mine.due += 1
                mine.in_time += (at <= answer_by) if assigned_at == assignment.at else 1
        elif kind == Kind.CLOSED:
            mine.to_close[bucket(_open_time(hours, created_at, at))] += 1
            mine.closed_untaken += assignment is None or not assignment.taken
            assignment = None
        else:  # handed back to the queue
            assignment = None


def _open_time(hours: object, start: datetime, end: datetime) -> timedelta:
    """Return how much of `start`..`end` a bot with these stored hours was open: all of it without."""
    schedule = schedules.stored(hours) if hours is not None else None
    return end - start if schedule is None else schedule.open_time(start, end)


# Folding and reading ---------------------------------------------------------------------------------


def _state() -> ResponseFold:
    return ResponseFold.objects.filter(pk=1).first() or ResponseFold(pk=1)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


def fold(*, until: datetime | None = None) -> int:
    """Sum the events before `until` (FOLD_MARGIN ago by default) into ResponseFigures; return the
    number of days summed.

    The day the last fold reached is summed again whole, so an event that committed late is
    counted. Safe in several processes at once: a fold that another one overtook writes nothing.
    """
    until = until or timezone.now() - FOLD_MARGIN
    state = _state()
    if state.folded_until is None:
        # Every fact comes with or after an assignment: the (kind, at) index finds the first.
        first = (
            ContactEvent.objects.filter(kind=Kind.ASSIGNED, contact_id__gt=state.since_contact)
            .order_by("at")
            .values_list("at", flat=True)
            .first()
        )
        if first is None or first >= until:
            return 0  # nothing yet: a bulk load may still add events in the past
        first_day = figures_day(first)
    elif state.folded_until >= until:
        return 0
    else:
        first_day = figures_day(state.folded_until)
    sums: dict[Pair, Figures] = {
        (row.bot_id, row.operator_id): Figures.from_json(row.figures)
        for row in ResponseFigures.objects.filter(day=first_day - ONE_DAY)
    }
    rows = []
    day = first_day
    while _midnight(day) < until:
        start, end = _midnight(day), min(_midnight(day + ONE_DAY), until)
        day_figures = tally(start, end, since_contact=state.since_contact)
        for (_day, bot_id, operator_id), figures in day_figures.items():
            sums[(bot_id, operator_id)] = sums.get((bot_id, operator_id), Figures()) + figures
        rows += [
            ResponseFigures(day=day, bot_id=bot_id, operator_id=operator_id, figures=figures.as_json())
            for (bot_id, operator_id), figures in sums.items()
        ]
        day += ONE_DAY
    with transaction.atomic():
        locked, _ = ResponseFold.objects.select_for_update().get_or_create(pk=1)
        if locked.folded_until != state.folded_until:
            return 0
        ResponseFigures.objects.filter(day__gte=first_day).delete()
        ResponseFigures.objects.bulk_create(rows, batch_size=1000)
        locked.folded_until = until
        locked.save(update_fields=["folded_until"])
    return (day - first_day).days


def rebuild(*, until: datetime | None = None) -> int:
    """Fold every event again (before `until`, as fold()): after a bulk load wrote events in the
    past, or TIME_ZONE changed."""
    with transaction.atomic():
        ResponseFigures.objects.all().delete()
        ResponseFold.objects.filter(pk=1).update(folded_until=None)
    return fold(until=until)


def period_figures(
    *, start: datetime, end: datetime, bot: Bot | None = None
) -> tuple[dict[Pair, Figures], ResponseFold]:
    """The figures of [start, end), two local midnights, per bot (`bot` only, if given) and operator,
    and the fold's state; at most three queries.

    What the fold summed is the difference of two rows per bot and operator; what it has not
    reached yet is walked from the events.
    """
    state = _state()
    sums: dict[Pair, Figures] = defaultdict(Figures)
    live_from, folded = start, state.folded_until
    if folded is not None and folded > start:
        if end <= folded:
            last_day, live_from = figures_day(end) - ONE_DAY, end
        else:
            last_day, live_from = figures_day(folded), folded
        rows = ResponseFigures.objects.filter(day__in=[figures_day(start) - ONE_DAY, last_day])
        if bot is not None:
            rows = rows.filter(bot=bot)
        for bot_id, operator_id, day, data in rows.values_list("bot_id", "operator_id", "day", "figures"):
            figures = Figures.from_json(data)
            pair = (bot_id, operator_id)
            sums[pair] = sums[pair] + figures if day == last_day else sums[pair] - figures
    if live_from < end:
        for (_day, bot_id, operator_id), figures in tally(
            live_from, end, since_contact=state.since_contact, bot=bot
        ).items():
            sums[(bot_id, operator_id)] += figures
    return sums, state
