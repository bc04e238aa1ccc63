"""The report's shares are written by |percent: the same text as floatformat:1 (and "1u"), in either
language, for the shares a report can hold."""

import pytest
from django.template.defaultfilters import floatformat
from django.utils import translation

from distribution.templatetags.percent import percent

SHARES = sorted(
    {0, 100, 12.25, 12.35, 0.05, 99.95, 99.96}
    | {100 * part / whole for whole in range(1, 120) for part in range(whole + 1)}
)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_it_writes_what_floatformat_writes(language):
    with translation.override(language):
        assert [percent(share) for share in SHARES] == [floatformat(share, 1) for share in SHARES]
        assert [percent(share, "u") for share in SHARES] == [floatformat(share, "1u") for share in SHARES]


def test_it_writes_the_language_s_decimal_separator():
    with translation.override("ru"):
        assert (percent(100 / 3), percent(100 / 3, "u")) == ("33,3", "33.3")
