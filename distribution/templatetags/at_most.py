import datetime

from django import template

from minicrm.durations import format_duration

from ..response_times import BEYOND, SCALE

register = template.Library()


@register.filter
def at_most(value: datetime.timedelta | None) -> str:
    """A percentile of the response times, the bound of its bucket: "≤ 1m30s"; "—" when none."""
    if value is None:
        return "—"
    if value == BEYOND:
        return f"> {format_duration(datetime.timedelta(seconds=SCALE[-1]))}"
    return f"≤ {format_duration(value)}"
