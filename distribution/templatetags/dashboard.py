from django import template
from django.utils.html import json_script
from django.utils.translation import gettext

register = template.Library()


@register.simple_tag
def dashboard_strings() -> str:
    """Return what static/js/dashboard.js says, in the page's language, as a JSON data block.

    The Content Security Policy lets a data block through, since it never runs."""
    strings = {
        "copied": gettext("Copied"),
        "pressCtrlC": gettext("Press Ctrl+C"),
        "dismiss": gettext("Dismiss"),
        "refused": gettext(
            "Refused: this page may be out of date (reload it), or your login may not allow this."
        ),
        "notFound": gettext(
            "Not found: it was removed or changed in another tab. Reload the page to see the current state."
        ),
        "conflict": gettext(
            "This conflicts with a change made in the meantime. Reload the page to see the current state."
        ),
        # The script puts the HTTP status in {status}.
        "serverError": gettext(
            "The server answered with an error ({status}). "
            "Reload the page to see the current state, then try again."
        ),
        "unreachable": gettext("The server could not be reached. Check the connection and try again."),
        # The workspace's countdowns (as the countdown tag writes them) and its desktop notification.
        "timeLeft": gettext("%(time)s left"),
        "overdueBy": gettext("Overdue by %(time)s"),
        "newContact": gettext("New contact"),
        # The workspace's live region, for a screen reader: "#934 · Anna · Telegram Sales" in %(contact)s.
        "newContactFrom": gettext("New contact: %(contact)s."),
    }
    return json_script(strings, "dashboard-strings")
