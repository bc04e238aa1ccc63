# ruff: noqa: RUF001  (Russian text: its Cyrillic letters that look Latin are meant)
"""What a person reads or hears on a page, for the tests of its language: the text of the page
(its <title> included, scripts and styles not) and the attributes a browser shows or a screen
reader says (aria-label, title, placeholder, alt, a button's value) or htmx asks (hx-confirm).
The words checked leave out names no language translates: <code> (settings, headers, events),
elements marked translate="no" (the time zones' list) and dotted names (contact.assigned,
hooks.example.com) wherever they stand.

    english_words(html, allowed={"Olga"})  -> ASCII words of 3+ letters a Russian page should not have
    russian_words(html)                    -> Cyrillic words an English page should not have
"""

import re
from html.parser import HTMLParser

from django.conf import settings

SAID_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt", "hx-confirm"}
# Not read by anyone: their content is code or data for code.
UNSEEN_ELEMENTS = {"script", "style", "template"}
# Read, but names rather than words: settings, headers, events, a token's prefix.
NAME_ELEMENTS = {"code", "[translate=no]"}
# Names that stay as they are in every language: the product, the zone's name, the other
# language's name in the switch, keys, the program and the format files are downloaded for.
NAMES = {"mini", "crm", "utc", "english", "ctrl", "django", "excel", "csv"}

ENGLISH_WORD = re.compile(r"(?<![A-Za-z])[A-Za-z]{3,}(?![A-Za-z])")
RUSSIAN_WORD = re.compile(r"[А-Яа-яЁё]+")
DOTTED_NAME = re.compile(r"\b[a-z_]+(?:\.[a-z_]+)+\b")


class _Reader(HTMLParser):
    def __init__(self, unseen: set[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.unseen_elements = unseen
        self.unseen = 0
        # The translate="no" elements open, each with how many of its tag are open in it.
        self.untranslated: list[list] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if tag in self.unseen_elements:
            self.unseen += 1
        if self.untranslated and self.untranslated[-1][0] == tag:
            self.untranslated[-1][1] += 1
        elif attributes.get("translate") == "no" and "[translate=no]" in self.unseen_elements:
            self.untranslated.append([tag, 1])
            self.unseen += 1
        # hx-confirm="unset" tells htmx not to ask: nothing is said.
        self.parts += [
            value
            for name, value in attrs
            if name in SAID_ATTRIBUTES and value and not (name == "hx-confirm" and value == "unset")
        ]
        if (
            tag == "input"
            and attributes.get("type") in ("submit", "button", "reset")
            and attributes.get("value")
        ):
            self.parts.append(attributes["value"])

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        # <input ... /> has no content: only its attributes count.
        self.handle_starttag(tag, attrs)
        if tag in self.unseen_elements:
            self.unseen -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.unseen_elements:
            self.unseen -= 1
        if self.untranslated and self.untranslated[-1][0] == tag:
            self.untranslated[-1][1] -= 1
            if not self.untranslated[-1][1]:
                self.untranslated.pop()
                self.unseen -= 1

    def handle_data(self, data: str) -> None:
        if not self.unseen and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str, *, unseen: set[str] = UNSEEN_ELEMENTS) -> list[str]:
    """The page's text pieces and said attributes, in document order, but for the `unseen` elements."""
    reader = _Reader(unseen)
    reader.feed(html)
    reader.close()
    return reader.parts


def english_words(html: str, allowed: set[str] = frozenset()) -> list[str]:
    """The ASCII words of three letters or more left in a page, but for the product's names, the
    site's time zone and the `allowed` ones (the page's data: names, e-mails, usernames),
    compared without case. A page in Russian has none."""
    known = {word.lower() for word in {*NAMES, *allowed, *re.split(r"[^A-Za-z]+", settings.TIME_ZONE)}}
    text = " ".join(visible_text(html, unseen=UNSEEN_ELEMENTS | NAME_ELEMENTS))
    words = ENGLISH_WORD.findall(DOTTED_NAME.sub(" ", text))
    return [word for word in words if word.lower() not in known]


def russian_words(html: str, allowed: set[str] = frozenset()) -> list[str]:
    """The Cyrillic words of a page but for the language switch's "Русский" and the `allowed` ones
    (the page's data). A page in English has none."""
    known = {word.lower() for word in {"Русский", *allowed}}
    words = RUSSIAN_WORD.findall(" ".join(visible_text(html)))
    return [word for word in words if word.lower() not in known]
