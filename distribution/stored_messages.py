"""Messages stored to be shown later (a webhook delivery's error, why a webhook stopped): kept as
their English msgid and parameters, not as text, because whoever stores them (the webhook worker)
does not know the language of the page that will show them."""

from django.utils.translation import gettext


def stored_message(message: str, params: dict) -> str:
    """The stored message in the active language."""
    if not message:
        # gettext("") is the catalogue's header.
        return ""
    text = gettext(message)
    return text % params if params else text
