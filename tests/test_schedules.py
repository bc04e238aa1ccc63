"""Rule 11's clock: a week of open hours in a time zone, with dates off, across daylight-saving
changes, midnight and 24:00."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from distribution.schedules import Schedule, ScheduleError

BERLIN = "Europe/Berlin"  # daylight saving: 2026-03-29 02:00 -> 03:00, 2026-10-25 03:00 -> 02:00
MOSCOW = "Europe/Moscow"
NINE_TO_SIX = [["09:00", "18:00"]]
WORKDAYS = {"time_zone": MOSCOW, "week": [NINE_TO_SIX] * 5 + [[], []]}
H = datetime.timedelta(hours=1)


def at(text: str, zone: str = MOSCOW) -> datetime.datetime:
    """A moment written in the zone's wall time."""
    return datetime.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


def schedule(**changes) -> Schedule:
    return Schedule.from_json({**WORKDAYS, **changes})


# 2026-12-07 is a Monday.


def test_it_is_open_within_its_hours_only():
    week = schedule()

    assert week.is_open(at("2026-12-07 09:00"))
    assert week.is_open(at("2026-12-07 17:59"))
    assert not week.is_open(at("2026-12-07 18:00"))
    assert not week.is_open(at("2026-12-07 08:59"))
    assert not week.is_open(at("2026-12-12 12:00"))  # Saturday


def test_it_says_when_it_opens_next():
    week = schedule()

    assert week.next_opening(at("2026-12-07 20:00")) == at("2026-12-08 09:00")
    assert week.next_opening(at("2026-12-11 19:00")) == at("2026-12-14 09:00")  # Friday night
    assert week.next_opening(at("2026-12-07 10:00")) == at("2026-12-07 10:00")  # open: now


def test_a_day_off_inside_the_week_is_closed():
    week = schedule(days_off=["2026-12-08"])

    assert not week.is_open(at("2026-12-08 12:00"))
    assert week.next_opening(at("2026-12-07 20:00")) == at("2026-12-09 09:00")


def test_a_shift_runs_over_midnight():
    nights = Schedule.from_json(
        {"time_zone": MOSCOW, "week": [[["22:00", "24:00"]], [["00:00", "06:00"]], [], [], [], [], []]}
    )

    assert nights.is_open(at("2026-12-07 23:30"))
    assert nights.is_open(at("2026-12-08 05:59"))
    assert nights.next_edge(at("2026-12-07 22:30")) == at("2026-12-08 06:00")  # one stretch
    assert nights.open_time(at("2026-12-07 00:00"), at("2026-12-09 00:00")) == 8 * H


def test_an_interval_ends_at_24_00():
    late = Schedule.from_json({"time_zone": MOSCOW, "week": [[["18:00", "24:00"]]] * 7})

    assert late.is_open(at("2026-12-07 23:59"))
    assert not late.is_open(at("2026-12-08 00:00"))
    assert late.next_edge(at("2026-12-07 19:00")) == at("2026-12-08 00:00")


def test_deadlines_count_open_hours_only():
    week = schedule()

    # Five open minutes from Friday 17:58: two on Friday, three on Monday.
    friday = at("2026-12-11 17:58")
    assert week.add_open_time(friday, datetime.timedelta(minutes=5)) == at("2026-12-14 09:03")
    # Counted back: 24 open hours before Tuesday 12:00 began on the Thursday before, 15:00.
    assert week.open_time_back(at("2026-12-15 12:00"), 24 * H) == at("2026-12-10 15:00")


@pytest.mark.parametrize(
    ("day", "hours"),
    [("2026-03-29", 9), ("2026-10-25", 9), ("2026-03-28", 9)],
    ids=["spring forward", "fall back", "a plain Saturday"],
)
def test_it_keeps_its_wall_clock_hours_across_daylight_saving(day, hours):
    every_day = Schedule.from_json({"time_zone": BERLIN, "week": [NINE_TO_SIX] * 7})
    start = at(f"{day} 00:00", BERLIN)

    assert every_day.open_time(start, start + 2 * 24 * H) == 2 * hours * H
    assert every_day.next_opening(start) == at(f"{day} 09:00", BERLIN)


def test_a_start_the_clocks_skip_opens_after_the_change():
    night = Schedule.from_json({"time_zone": BERLIN, "week": [[["02:30", "05:00"]]] * 7})
    spring = at("2026-03-29 00:00", BERLIN)

    assert night.next_opening(spring) == at("2026-03-29 03:30", BERLIN)


def test_a_night_with_an_hour_the_clocks_show_twice_is_an_hour_longer():
    night = Schedule.from_json({"time_zone": BERLIN, "week": [[["00:00", "04:00"]]] * 7})
    autumn = at("2026-10-25 00:00", BERLIN)

    # 00:00 to 04:00 wall time is five real hours that night, and all are open.
    assert night.open_time(autumn, autumn + 6 * H) == 5 * H


def test_a_schedule_without_hours_never_opens():
    never = Schedule.from_json({"time_zone": MOSCOW, "week": [[]] * 7})

    assert never.next_opening(at("2026-12-07 12:00")) is None
    assert never.add_open_time(at("2026-12-07 12:00"), H) is None


def test_it_reads_back_what_it_stored():
    week = schedule(days_off=["2026-12-31"])

    assert Schedule.from_json(week.to_json()) == week


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({**WORKDAYS, "time_zone": "Mars/Olympus"}, "Not a schedule"),
        ({**WORKDAYS, "week": [NINE_TO_SIX] * 6}, "7 days"),
        ({**WORKDAYS, "week": [[["18:00", "09:00"]]] * 7}, "does not end after it starts"),
        ({**WORKDAYS, "week": [[["09:00", "13:00"], ["12:00", "18:00"]]] * 7}, "overlap"),
        (
            {
                **WORKDAYS,
                "week": [
                    [["0:00", "1:00"], ["2:00", "3:00"], ["4:00", "5:00"], ["6:00", "7:00"], ["8:00", "9:00"]]
                ]
                * 7,
            },
            "At most 4",
        ),
        ({**WORKDAYS, "week": [[["9", "18:00"]]] * 7}, "Not a schedule"),
        ({**WORKDAYS, "week": [[["24:30", "24:40"]]] * 7}, "Not a schedule"),
        ({**WORKDAYS, "days_off": ["31.12.2026"]}, "Not a schedule"),
    ],
)
def test_it_refuses_what_cannot_be_kept(data, error):
    with pytest.raises(ScheduleError, match=error):
        Schedule.from_json(data)
