# ruff: noqa: RUF001  (Cyrillic units that look Latin are meant)
"""Durations as people write them: `90m`, `24h`, `1h30m`, or in Russian `90м`, `24ч`, `1ч30м`."""

import re
from datetime import timedelta

from django.utils.translation import pgettext

# Keeps every date computed with it far inside the calendar and the databases' interval range.
MAX_DURATION = timedelta(days=365)
# Both alphabets are read in every language.
UNITS = {
    "s": "seconds",
    "m": "minutes",
    "h": "hours",
    "d": "days",
    "с": "seconds",
    "м": "minutes",
    "ч": "hours",
    "д": "days",
}
_PART = re.compile(r"(\d+)\s*([smhdсмчд])")
_WHOLE = re.compile(r"(?:\d+\s*[smhdсмчд]\s*)+")


def parse_duration(text: str) -> timedelta:
    """Return the timedelta that `text` writes (`24h`, `1ч30м`).

    Raise ValueError unless it is a positive duration of at most MAX_DURATION."""
    text = text.strip().lower()
    if not _WHOLE.fullmatch(text):
        raise ValueError(f"{text!r} is not a duration like 90m, 24h or 2d.")
    try:
        total = sum(
            (timedelta(**{UNITS[unit]: int(number)}) for number, unit in _PART.findall(text)), timedelta()
        )
    except OverflowError as error:
        raise ValueError(f"{text!r} is longer than {MAX_DURATION.days} days.") from error
    if total <= timedelta(0):
        raise ValueError(f"{text!r} is not a positive duration.")
    if total > MAX_DURATION:
        raise ValueError(f"{text!r} is longer than {MAX_DURATION.days} days.")
    return total


def format_duration(value: timedelta) -> str:
    """Return the shortest text that parse_duration reads as `value`, in the language's units."""
    seconds = int(value.total_seconds())
    units = [
        (pgettext("duration unit: days", "d"), 86400),
        (pgettext("duration unit: hours", "h"), 3600),
        (pgettext("duration unit: minutes", "m"), 60),
        (pgettext("duration unit: seconds", "s"), 1),
    ]
    parts = []
    for unit, size in units:
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or f"0{units[-1][0]}"
