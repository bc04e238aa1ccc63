"""The dashboard's colours, read from static/css/minicrm.css's custom properties, keep the contrast
WCAG 2.1 asks of what is not text (1.4.11): 3:1 for the focus ring against every background it
appears on, and for the bars against the white card and against their track. docs/dashboard.md
lists the ratios."""

import re
from pathlib import Path

from django.conf import settings

CSS = Path(settings.BASE_DIR) / "static" / "css" / "minicrm.css"
NON_TEXT = 3.0


def colours() -> dict[str, str]:
    """The :root block's custom properties whose value is a hex colour."""
    root = re.search(r":root \{(.*?)\}", CSS.read_text(), re.S).group(1)
    found = dict(re.findall(r"--([\w-]+): #([0-9a-fA-F]{6}|[0-9a-fA-F]{3});", root))
    return {
        name: "#" + (value if len(value) == 6 else "".join(c * 2 for c in value))
        for name, value in found.items()
    }


def luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted([luminance(first), luminance(second)], reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


# (foreground, background) pairs that must reach NON_TEXT, by custom property name.
PAIRS = [
    ("focus", "card"),
    ("focus", "bg"),
    ("focus", "topbar"),
    ("focus-on-dark", "topbar"),
    ("track-edge", "card"),
    *[
        (bar, background)
        for bar in ("ok", "warn", "danger", "accent", "expected")
        for background in ("card", "track")
    ],
]


def test_it_keeps_the_focus_ring_and_the_bars_at_3_to_1():
    palette = colours()
    ratios = {(fg, bg): round(contrast(palette[fg], palette[bg]), 2) for fg, bg in PAIRS}

    assert {pair: ratio for pair, ratio in ratios.items() if ratio < NON_TEXT} == {}


def test_it_computes_the_ratios_of_wcag():
    assert round(contrast("#ffffff", "#000000"), 2) == 21.0
    # The old focus ring on a white card, as the audit measured it.
    assert round(contrast("#ffbf47", "#ffffff"), 2) == 1.64
