"""Messages stored as their English msgid and parameters, for a page to show in its language."""

from django.utils.translation import gettext


def stored_message(message: str, params: dict) -> str:
    """Return the stored message in the active language."""
    if not message:
        # gettext("") is the catalogue's header.
        return ""
    text = gettext(message)
    return text % params if params else text
