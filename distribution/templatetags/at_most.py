import datetime
import functools

from django import template
from django.utils.translation import get_language

from minicrm.durations import format_duration

from ..response_times import BEYOND, SCALE

register = template.Library()


@register.filter
def at_most(value: datetime.timedelta | None) -> str:
    """A percentile of the response times, the bound of its bucket: "≤ 1m30s"; "—" when none."""
    if value is None:
        return "—"
    return _bound(value, get_language())


@functools.cache
def _bound(value: datetime.timedelta, language: str | None) -> str:
    # A few hundred a page, of the scale's 76 values: each written once per language.
    if value == BEYOND:
        return f"> {format_duration(datetime.timedelta(seconds=SCALE[-1]))}"
    return f"≤ {format_duration(value)}"
