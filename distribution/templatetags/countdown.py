import datetime
import math

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

register = template.Library()


def clock(seconds: int) -> str:
    """Return a duration as a clock shows it: "4:05", or "1:02:03" past an hour."""
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"


@register.simple_tag
def countdown(deadline: datetime.datetime | None, now: datetime.datetime) -> SafeString | str:
    """The time left until a new contact's deadline, or how late it is, in a <time> that
    static/js/workspace.js counts on each second from `data-left` (seconds as of `now`)."""
    if deadline is None:
        return ""
    # Whole seconds, rounded up: "0:01 left" until the deadline, overdue from it on.
    left = math.ceil((deadline - now).total_seconds())
    if left > 0:
        text, late = gettext("%(time)s left") % {"time": clock(left)}, ""
    else:
        text, late = gettext("Overdue by %(time)s") % {"time": clock(-left)}, " overdue"
    return format_html(
        '<time class="deadline{}" datetime="{}" data-left="{}">{}</time>',
        late,
        deadline.isoformat(),
        left,
        text,
    )
