import datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

register = template.Library()

FORMATS = {"minutes": "SHORT_DATETIME_FORMAT", "seconds": "DATETIME_FORMAT", "date": "SHORT_DATE_FORMAT"}


@register.filter
def when(value: datetime.datetime | datetime.date | None, precision: str = "minutes") -> str:
    """A moment as every page shows it: in the site's time zone (TIME_ZONE, named in the header), in
    the active language's one format, inside a <time> that carries the exact instant."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return format_html(
        '<time datetime="{}">{}</time>', value.isoformat(), date_format(value, FORMATS[precision])
    )
