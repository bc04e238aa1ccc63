# ruff: noqa: RUF001, RUF002  (the Russian units: their Cyrillic letters that look Latin are meant)
"""Durations as people write them in settings and forms: `90m`, `24h`, `2d`, `1h30m`, and in
Russian `90м`, `24ч`, `2д`, `1ч30м`."""

import re
from datetime import timedelta

from django.utils.translation import pgettext

# Longer makes no sense for a contact, and keeps every date computed with it far inside the
# calendar and the database's interval range.
MAX_DURATION = timedelta(days=365)
# A Russian-speaking manager writes the units in Russian: both are read in every language.
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
    """`24h` or `24ч` -> timedelta(hours=24). Raises ValueError unless the text is one or more numbers
    each with a unit (s, m, h, d or с, м, ч, д) and the total is positive and at most MAX_DURATION."""
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
    """The shortest text parse_duration reads back as `value` (whole seconds), with the units of
    the active language."""
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
