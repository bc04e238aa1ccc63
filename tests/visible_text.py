# ruff: noqa: RUF001  (Russian text: its Cyrillic letters that look Latin are meant)
"""What a person reads or hears on a page, for the tests of its language: the text of the page
(its <title> included, scripts and styles not) and the attributes a browser shows or a screen
reader says (aria-label, title, placeholder, alt, a button's value) or htmx asks (hx-confirm).

    english_words(html, allowed={"Olga"})  -> ASCII words of 3+ letters a Russian page should not have
    russian_words(html)                    -> Cyrillic words an English page should not have
"""

import re
from html.parser import HTMLParser

from django.conf import settings

SAID_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt", "hx-confirm"}
# Not read by anyone: their content is code or data for code.
UNSEEN_ELEMENTS = {"script", "style", "template"}
# Names that stay as they are in every language: the product, the zone's name, the other
# language's name in the switch, keys.
NAMES = {"mini", "crm", "utc", "english", "ctrl", "django"}

ENGLISH_WORD = re.compile(r"(?<![A-Za-z])[A-Za-z]{3,}(?![A-Za-z])")
RUSSIAN_WORD = re.compile(r"[А-Яа-яЁё]+")


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.unseen = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if tag in UNSEEN_ELEMENTS:
            self.unseen += 1
        self.parts += [value for name, value in attrs if name in SAID_ATTRIBUTES and value]
        if (
            tag == "input"
            and attributes.get("type") in ("submit", "button", "reset")
            and attributes.get("value")
        ):
            self.parts.append(attributes["value"])

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        # <input ... /> has no content: only its attributes count.
        self.handle_starttag(tag, attrs)
        if tag in UNSEEN_ELEMENTS:
            self.unseen -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in UNSEEN_ELEMENTS:
            self.unseen -= 1

    def handle_data(self, data: str) -> None:
        if not self.unseen and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> list[str]:
    """The page's text pieces and said attributes, in document order."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.parts


def english_words(html: str, allowed: set[str] = frozenset()) -> list[str]:
    """The ASCII words of three letters or more left in a page, but for the product's names, the
    site's time zone and the `allowed` ones (the page's data: names, e-mails, usernames),
    compared without case. A page in Russian has none."""
    known = {word.lower() for word in {*NAMES, *allowed, *re.split(r"[^A-Za-z]+", settings.TIME_ZONE)}}
    words = ENGLISH_WORD.findall(" ".join(visible_text(html)))
    return [word for word in words if word.lower() not in known]


def russian_words(html: str, allowed: set[str] = frozenset()) -> list[str]:
    """The Cyrillic words of a page but for the language switch's "Русский" and the `allowed` ones
    (the page's data). A page in English has none."""
    known = {word.lower() for word in {"Русский", *allowed}}
    words = RUSSIAN_WORD.findall(" ".join(visible_text(html)))
    return [word for word in words if word.lower() not in known]
