"""Working hours and shifts (rule 11) as the pages say them, in the pages' time zone: "closed until
09:00", "off shift until tomorrow, 14:00"."""

import datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .. import schedules

register = template.Library()


def _day(moment: datetime.datetime) -> str:
    """Return "" for today, "tomorrow", or the weekday and date of a local moment."""
    days = (moment.date() - timezone.localdate()).days
    if days == 0:
        return ""
    if days == 1:
        return pgettext("day", "tomorrow")
    return f"{date_format(moment, 'D')} {date_format(moment, 'SHORT_DATE_FORMAT')}"


def when(moment: datetime.datetime) -> str:
    """Return a moment to come as "09:00", "tomorrow, 09:00" or "Mon 2027-01-11, 09:00"."""
    moment = timezone.localtime(moment)
    day, time = _day(moment), date_format(moment, "H:i")
    return _("%(day)s, %(time)s") % {"day": day, "time": time} if day else time


def _state(stored: object) -> tuple[bool, datetime.datetime | None] | None:
    """Return whether these hours are open now and until when (its next edge); None without hours."""
    schedule = schedules.stored(stored)
    if schedule is None:
        return None
    now = timezone.now()
    return schedule.is_open(now), schedule.next_edge(now)


def closed_until(hours: object) -> str:
    """Say "closed until 09:00" for a bot closed now by its hours, else nothing."""
    state = _state(hours)
    if state is None or state[0]:
        return ""
    return _("closed until %(when)s") % {"when": when(state[1])} if state[1] else _("closed")


def off_shift_until(shifts: object) -> str:
    """Say "off shift until 14:00" for an operator outside its shifts now, else nothing."""
    state = _state(shifts)
    if state is None or state[0]:
        return ""
    return _("off shift until %(when)s") % {"when": when(state[1])} if state[1] else _("off shift")


@register.filter
def closed_badge(hours: object) -> str:
    """Show a badge "closed until 09:00" beside a bot closed now by its hours."""
    text = closed_until(hours)
    return format_html(' <span class="badge warn">{}</span>', text) if text else ""


@register.filter
def off_shift_badge(shifts: object) -> str:
    """Show a badge "off shift until 14:00" beside an operator outside its shifts now."""
    text = off_shift_until(shifts)
    return format_html(' <span class="badge">{}</span>', text) if text else ""


@register.filter
def hours_now(hours: object) -> str:
    """Say whether a bot is open now by its hours, and until when."""
    state = _state(hours)
    if state is None:
        return _("Always open: no working hours.")
    is_open, edge = state
    if is_open:
        return _("Open now, until %(when)s.") % {"when": when(edge)} if edge else _("Open now.")
    return _("Closed now, until %(when)s.") % {"when": when(edge)} if edge else _("Closed: it never opens.")


@register.filter
def shift_now(shifts: object) -> str:
    """Say whether an operator is on shift now, and until when."""
    state = _state(shifts)
    if state is None:
        return _("No shifts: switched on and away by hand only.")
    on, edge = state
    if on:
        return _("On shift now, until %(when)s.") % {"when": when(edge)} if edge else _("On shift now.")
    return (
        _("Off shift now, until %(when)s.") % {"when": when(edge)}
        if edge
        else _("Off shift: no shift to come.")
    )


@register.filter
def my_shift(shifts: object) -> str:
    """Say to an operator whether it is on shift now, and until when; nothing without shifts."""
    return shift_now(shifts) if shifts is not None else ""
