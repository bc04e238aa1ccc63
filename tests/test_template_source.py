"""The templates as a reader meets them: lines that fit a screen, and no limit typed in that the
models already state."""

import re
from pathlib import Path

TEMPLATES = sorted((Path(__file__).resolve().parent.parent / "templates").rglob("*.html"))
LONGEST_LINE = 160


def test_it_keeps_every_template_line_short():
    long_lines = [
        f"{path.name}:{number}"
        for path in TEMPLATES
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if len(line) > LONGEST_LINE
    ]

    assert long_lines == []


def test_it_types_no_length_limit_into_a_template():
    # maxlength comes from the form or the model's constant (RESOLUTION_LENGTH, WEBHOOK_URL_LENGTH).
    typed = [path.name for path in TEMPLATES if re.search(r'maxlength="\d', path.read_text())]

    assert typed == []
