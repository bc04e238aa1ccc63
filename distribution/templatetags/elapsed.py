import datetime

from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext

register = template.Library()


@register.filter
def elapsed(since: datetime.datetime | None, now: datetime.datetime | None = None) -> str:
    """Return Django's timesince, but "less than a minute" rather than "0 minutes"."""
    if since is None:
        return ""
    now = now or timezone.now()
    if now - since < datetime.timedelta(minutes=1):
        return gettext("less than a minute")
    return timesince(since, now)
