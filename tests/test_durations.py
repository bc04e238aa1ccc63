# ruff: noqa: RUF001  (Russian units: their Cyrillic letters that look Latin are meant)
"""AUTO_CLOSE_AFTER and WAITING_EXPIRES_AFTER: durations as people write them, refused when malformed."""

import datetime
import re

import pytest
from django.utils import translation

from minicrm.durations import format_duration, parse_duration

from .test_settings import settings_of
from .visible_text import NAME_ELEMENTS, UNSEEN_ELEMENTS, visible_text


def visible(html: str) -> str:
    # <code> holds names, among them the token's random prefix ("…T33s…" once failed this).
    return " ".join(visible_text(html, unseen=UNSEEN_ELEMENTS | NAME_ELEMENTS))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24h", datetime.timedelta(hours=24)),
        ("90m", datetime.timedelta(minutes=90)),
        ("2d", datetime.timedelta(days=2)),
        ("1h30m", datetime.timedelta(hours=1, minutes=30)),
        (" 45 s ", datetime.timedelta(seconds=45)),
        ("365d", datetime.timedelta(days=365)),
    ],
)
def test_it_reads_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "24", "h", "24 hours", "1.5h", "-1h", "0m", "366d", "9" * 30 + "d"])
def test_it_refuses_what_is_not_a_duration(text):
    with pytest.raises(ValueError, match=r"duration|longer"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "written"),
    [("24h", "1d"), ("90m", "1h30m"), ("2d", "2d"), ("1d1h1m1s", "1d1h1m1s"), ("45s", "45s")],
)
def test_it_writes_durations_in_their_shortest_form(text, written):
    with translation.override("en"):
        assert format_duration(parse_duration(text)) == written
    assert parse_duration(written) == parse_duration(text)


def test_a_malformed_setting_stops_the_service_and_names_the_variable():
    result = settings_of(DEBUG="true", AUTO_CLOSE_AFTER="24 hours")

    assert result.returncode != 0
    assert "ImproperlyConfigured: AUTO_CLOSE_AFTER: '24 hours' is not a duration" in result.stderr


def test_a_malformed_expiry_names_its_variable():
    result = settings_of(DEBUG="true", WAITING_EXPIRES_AFTER="soon")

    assert "ImproperlyConfigured: WAITING_EXPIRES_AFTER" in result.stderr


def test_both_are_off_by_default(settings):
    assert settings.AUTO_CLOSE_AFTER is None
    assert settings.WAITING_EXPIRES_AFTER is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24ч", datetime.timedelta(hours=24)),
        ("90 м", datetime.timedelta(minutes=90)),
        ("2Д", datetime.timedelta(days=2)),
        ("1ч30м", datetime.timedelta(hours=1, minutes=30)),
        ("45с", datetime.timedelta(seconds=45)),
    ],
)
def test_it_reads_durations_with_russian_units(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize(("text", "written"), [("24h", "1д"), ("90m", "1ч30м"), ("1d1h1m1s", "1д1ч1м1с")])
def test_it_writes_durations_in_russian_units_in_russian(text, written):
    with translation.override("ru"):
        assert format_duration(parse_duration(text)) == written
    assert parse_duration(written) == parse_duration(text)


def test_it_says_a_bots_auto_close_time_in_russian(manager_client, bot_and_token):
    bot, _token = bot_and_token

    response = manager_client.post(
        f"/bots/{bot.pk}/auto-close", {"auto_close_after": "2ч"}, HTTP_ACCEPT_LANGUAGE="ru", follow=True
    )

    html = response.text
    assert "закрываются через 2ч после назначения" in html
    assert not re.search(r"\d[smhd]\b", visible(html))
    refused = manager_client.post(
        f"/bots/{bot.pk}/auto-close", {"auto_close_after": "abc"}, HTTP_ACCEPT_LANGUAGE="ru", follow=True
    )
    assert "например 90м, 24ч или 2д (не больше 365д)" in refused.text
