import datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from ..time_zones import zone_label

register = template.Library()

FORMATS = {"minutes": "SHORT_DATETIME_FORMAT", "seconds": "DATETIME_FORMAT", "date": "SHORT_DATE_FORMAT"}


@register.filter
def when(value: datetime.datetime | datetime.date | None, precision: str = "minutes") -> str:
    """Show a moment in the site's time zone and the language's format, in a <time> element."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return format_html(
        '<time datetime="{}">{}</time>', value.isoformat(), date_format(value, FORMATS[precision])
    )


@register.simple_tag
def site_time_zone() -> str:
    """Return the page's time zone, the login's or the site's, with its current offset:
    "Europe/Moscow (UTC+03:00)"."""
    return zone_label(timezone.get_current_timezone_name())
