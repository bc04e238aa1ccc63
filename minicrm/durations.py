"""Durations as people write them in settings and forms: `90m`, `24h`, `2d`, `1h30m`."""

import re
from datetime import timedelta

# Longer makes no sense for a contact, and keeps every date computed with it far inside the
# calendar and the database's interval range.
MAX_DURATION = timedelta(days=365)
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_PART = re.compile(r"(\d+)\s*([smhd])")
_WHOLE = re.compile(r"(?:\d+\s*[smhd]\s*)+")


def parse_duration(text: str) -> timedelta:
    """`24h` -> timedelta(hours=24). Raises ValueError unless the text is one or more numbers each
    with a unit (s, m, h, d) and the total is positive and at most MAX_DURATION."""
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
    """The shortest text parse_duration reads back as `value` (whole seconds)."""
    seconds = int(value.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"
