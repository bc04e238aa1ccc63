"""Working hours (rule 11): a week of open intervals in a time zone, with dates off.

Times are wall-clock times of the zone, so a schedule keeps its hours across daylight-saving
changes. A time the clocks skip reads as that time after the change (02:30 on the spring night is
03:30), and a time they show twice is its first showing. An interval may end at 24:00; one ending
at 24:00 and the next day's starting at 00:00 are one stretch, which is how a shift runs over
midnight.
"""

import functools
import itertools
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError

logger = logging.getLogger(__name__)

MINUTES_A_DAY = 24 * 60
MAX_INTERVALS_A_DAY = 4
# How far a schedule is searched for its next opening or for enough open time.
HORIZON = timedelta(days=400)
_TIME = re.compile(r"([01]?\d|2[0-4]):([0-5]\d)")

Interval = tuple[int, int]  # minutes since the day's midnight: 0 <= start < end <= 1440


class ScheduleError(ValueError):
    """A schedule that cannot be kept: the message says why."""


def parse_time(text: str) -> int:
    """Return the minutes since midnight of "HH:MM" (24:00 included)."""
    match = _TIME.fullmatch(text.strip())
    if not match or (int(match[1]) == 24 and match[2] != "00"):
        raise ScheduleError(f"{text!r} is not a time like 09:00")
    return int(match[1]) * 60 + int(match[2])


def format_time(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class Schedule:
    time_zone: ZoneInfo
    week: tuple[tuple[Interval, ...], ...]  # Monday first
    days_off: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if len(self.week) != 7:
            raise ScheduleError("A week has 7 days.")
        for day in self.week:
            if len(day) > MAX_INTERVALS_A_DAY:
                raise ScheduleError(f"At most {MAX_INTERVALS_A_DAY} intervals a day.")
            for start, end in day:
                if not 0 <= start < end <= MINUTES_A_DAY:
                    raise ScheduleError(
                        f"{format_time(start)} to {format_time(end)} does not end after it starts."
                    )
            for (_, end), (start, _) in itertools.pairwise(day):
                if start < end:
                    raise ScheduleError("Intervals of a day overlap or are out of order.")

    # Stored form ------------------------------------------------------------------------------

    @classmethod
    def from_json(cls, data: dict) -> "Schedule":
        """Build a schedule from its stored form; raise ScheduleError when it is not one."""
        try:
            zone = ZoneInfo(data["time_zone"])
            week = tuple(
                tuple((parse_time(start), parse_time(end)) for start, end in day) for day in data["week"]
            )
            days_off = frozenset(date.fromisoformat(day) for day in data.get("days_off", []))
        except (KeyError, TypeError, ValueError, ZoneInfoNotFoundError) as error:
            raise ScheduleError(f"Not a schedule: {error}") from None
        return cls(zone, week, days_off)

    def to_json(self) -> dict:
        return {
            "time_zone": self.time_zone.key,
            "week": [[[format_time(start), format_time(end)] for start, end in day] for day in self.week],
            "days_off": sorted(day.isoformat() for day in self.days_off),
        }

    # Open time -------------------------------------------------------------------------------

    def _moment(self, day: date, minutes: int) -> datetime:
        """Return the UTC moment the zone's clocks show `minutes` past midnight of `day`."""
        day, minutes = day + timedelta(days=minutes // MINUTES_A_DAY), minutes % MINUTES_A_DAY
        return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=self.time_zone).astimezone(UTC)

    def _day_intervals(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        if day in self.days_off:
            return
        for start, end in self.week[day.weekday()]:
            opens, closes = self._moment(day, start), self._moment(day, end)
            if opens < closes:
                yield opens, closes

    def stretches(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """Return the open stretches between `start` and `end`, clipped and merged, in order."""
        first = start.astimezone(self.time_zone).date() - timedelta(days=1)
        last = end.astimezone(self.time_zone).date() + timedelta(days=1)
        merged: list[list[datetime]] = []
        day = first
        while day <= last:
            for opens, closes in self._day_intervals(day):
                if merged and opens <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], closes)
                else:
                    merged.append([opens, closes])
            day += timedelta(days=1)
        return [
            (max(opens, start), min(closes, end))
            for opens, closes in merged
            if closes > start and opens < end
        ]

    def is_open(self, at: datetime) -> bool:
        return any(opens <= at < closes for opens, closes in self.stretches(at, at + timedelta(minutes=1)))

    def _pieces(self, start: datetime, backwards: bool) -> Iterator[tuple[datetime, datetime]]:
        step = timedelta(days=7)
        for weeks in range(HORIZON // step + 1):
            if backwards:
                high = start - weeks * step
                yield from reversed(self.stretches(high - step, high))
            else:
                low = start + weeks * step
                yield from self.stretches(low, low + step)

    def _scan(self, start: datetime, *, backwards: bool = False) -> Iterator[tuple[datetime, datetime]]:
        """Yield the open stretches from `start` on (or back), whole, up to HORIZON."""
        pending = None
        for opens, closes in self._pieces(start, backwards):
            if pending and (opens, closes)[backwards] == pending[not backwards]:
                # A week's edge cut this stretch in two.
                pending = (pending[0], closes) if not backwards else (opens, pending[1])
                continue
            if pending:
                yield pending
            pending = (opens, closes)
        if pending:
            yield pending

    def next_opening(self, at: datetime) -> datetime | None:
        """Return `at` when open, else the next moment it opens; None when it never does."""
        return next((opens for opens, _ in self._scan(at)), None)

    def next_edge(self, at: datetime) -> datetime | None:
        """Return the next moment after `at` when it opens or closes; None when it never does."""
        stretch = next(self._scan(at), None)
        if stretch is None:
            return None
        opens, closes = stretch
        return opens if opens > at else closes

    def add_open_time(self, start: datetime, duration: timedelta) -> datetime | None:
        """Return when `duration` of open time has passed since `start`; None beyond HORIZON."""
        left = duration
        for opens, closes in self._scan(start):
            if closes - opens >= left:
                return opens + left
            left -= closes - opens
        return None

    def open_time_back(self, end: datetime, duration: timedelta) -> datetime | None:
        """Return the latest moment from which `duration` of open time has passed by `end`."""
        left = duration
        for opens, closes in self._scan(end, backwards=True):
            if closes - opens >= left:
                return closes - left
            left -= closes - opens
        return None

    def open_time(self, start: datetime, end: datetime) -> timedelta:
        """Return how much of `start`..`end` is open."""
        return sum((closes - opens for opens, closes in self.stretches(start, end)), timedelta())


@functools.lru_cache(maxsize=512)
def _parsed(text: str) -> Schedule | None:
    try:
        return Schedule.from_json(json.loads(text))
    except (ScheduleError, ValueError):
        # Forms and the admin validate what they store: this is a row written around them.
        logger.error("Ignoring a stored schedule that is not one: %.200s", text)
        return None


def stored(data: object) -> Schedule | None:
    """Return the schedule stored as `data` (JSON text or its decoded form); None is always open."""
    if data is None:
        return None
    return _parsed(data if isinstance(data, str) else json.dumps(data, sort_keys=True))


def validate(data: object) -> None:
    """Raise Django's ValidationError for a value that is not a schedule's stored form."""
    if data is not None:
        try:
            Schedule.from_json(data)  # type: ignore[arg-type]
        except ScheduleError as error:
            raise ValidationError(str(error)) from None


def opening(data: object, now: datetime) -> tuple[bool, datetime | None]:
    """Return whether these stored hours are open at `now`, and if not when they open, in their zone."""
    schedule = stored(data)
    if schedule is None or schedule.is_open(now):
        return True, None
    opens = schedule.next_opening(now)
    return False, opens and opens.astimezone(schedule.time_zone)
