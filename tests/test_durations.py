"""AUTO_CLOSE_AFTER and WAITING_EXPIRES_AFTER: durations as people write them, refused when malformed."""

import datetime

import pytest

from minicrm.durations import format_duration, parse_duration

from .test_settings import settings_of


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
