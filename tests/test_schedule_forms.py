# ruff: noqa: RUF001  (Russian text and dashes between dates: meant as they are)
"""The schedule forms of the bot's and the operator's pages (rule 11): a week typed as it reads,
refused with errors that say what to mend, in Russian and in English."""

import datetime

import pytest
from django.utils import translation

from distribution import schedules
from distribution.forms import HoursForm, ShiftsForm

NINE_TO_SIX = {"day0-0-start": "09:00", "day0-0-end": "18:00"}


def form(data: dict, *, language: str = "en", kind=HoursForm) -> tuple[bool, dict]:
    with translation.override(language):
        bound = kind({"time_zone": "Europe/Moscow", **data}, stored=None)
        valid = bound.is_valid()
        return valid, ({name: list(errors) for name, errors in bound.errors.items()} or bound.cleaned_data)


def test_it_keeps_a_week_with_dates_off_in_a_zone():
    valid, data = form(
        {
            **NINE_TO_SIX,
            "day4-0-start": "9:00",
            "day4-0-end": "13:00",
            "day4-1-start": "14:00",
            "day4-1-end": "24:00",
            "days_off": "2027-01-01, 2027-05-01 – 2027-05-03",
        }
    )

    assert valid
    schedule = data["schedule"]
    assert schedule.time_zone.key == "Europe/Moscow"
    assert schedule.week == (((540, 1080),), (), (), (), ((540, 780), (840, 1440)), (), ())
    assert schedule.days_off == {
        datetime.date(2027, 1, 1),
        *(datetime.date(2027, 5, day) for day in (1, 2, 3)),
    }


def test_it_reads_dates_off_in_the_russian_format():
    valid, data = form({**NINE_TO_SIX, "days_off": "07.01.2027; 08.03.2027"}, language="ru")

    assert valid
    assert data["schedule"].days_off == {datetime.date(2027, 1, 7), datetime.date(2027, 3, 8)}


def test_it_stores_a_night_over_midnight_on_the_next_day_and_shows_it_as_typed():
    valid, data = form({"day6-0-start": "22:00", "day6-0-end": "06:00"}, kind=ShiftsForm)

    assert valid
    assert data["schedule"].week == (((0, 360),), (), (), (), (), (), ((1320, 1440),))
    shown = ShiftsForm(stored=data["schedule"].to_json())
    assert (shown["day6-0-start"].initial, shown["day6-0-end"].initial) == ("22:00", "06:00")
    assert shown["day0-0-start"].initial == ""


@pytest.mark.parametrize(
    ("data", "field", "english", "russian"),
    [
        (
            {"day0-0-start": "09:00", "day0-0-end": "12:00", "day0-1-start": "11:00", "day0-1-end": "13:00"},
            "day0-0-start",
            "Monday's hours overlap.",
            "Понедельник: интервалы пересекаются.",
        ),
        (
            {"day1-0-start": "09:00", "day1-0-end": "09:00"},
            "day1-0-end",
            "An interval cannot end when it starts.",
            "Интервал не может закончиться в ту же минуту, когда начался.",
        ),
        (
            {"day6-0-start": "22:00", "day6-0-end": "03:00", "day0-0-start": "02:00", "day0-0-end": "04:00"},
            "day0-0-start",
            "Monday's hours overlap the night that runs on from the day before.",
            "Понедельник: интервалы пересекаются с ночным, начатым накануне.",
        ),
        (
            {
                "day6-0-start": "23:00",
                "day6-0-end": "01:00",
                **{f"day0-{n}-start": f"0{2 + 2 * n}:00" for n in range(4)},
                **{f"day0-{n}-end": f"0{3 + 2 * n}:00" for n in range(4)},
            },
            "day0-0-start",
            "Monday has more than 4 intervals, with the night from the day before.",
            "Понедельник: больше 4 интервалов вместе с ночным, начатым накануне.",
        ),
        (
            {"day2-0-start": "9", "day2-0-end": "18:00"},
            "day2-0-start",
            "Write a time like 09:00 or 18:30.",
            "Напишите время в виде 09:00 или 18:30.",
        ),
        (
            {"day2-0-start": "24:00", "day2-0-end": "18:00"},
            "day2-0-start",
            "24:00 ends a day: start at 00:00.",
            "24:00 — конец суток: начните с 00:00.",
        ),
        (
            {"day3-0-start": "09:00"},
            "day3-0-end",
            "Give both the start and the end.",
            "Укажите и начало, и конец.",
        ),
        (
            {**NINE_TO_SIX, "time_zone": "Mars/Olympus"},
            "time_zone",
            "Choose a time zone from the list.",
            "Выберите часовой пояс из списка.",
        ),
        ({}, "__all__", "Give at least one interval, or press “Always open”.", None),
    ],
)
def test_it_refuses_a_week_that_cannot_be_kept(data, field, english, russian):
    for language, text in [("en", english), ("ru", russian)]:
        if text is None:
            continue
        valid, errors = form(data, language=language)

        assert not valid
        assert errors[field] == [text], language


def test_it_asks_for_a_week_in_each_language_by_its_button():
    assert form({}, language="ru")[1]["__all__"] == [
        "Укажите хотя бы один интервал или нажмите «Всегда открыт»."
    ]
    assert form({}, language="ru", kind=ShiftsForm)[1]["__all__"] == [
        "Укажите хотя бы одну смену или нажмите «Без смен»."
    ]
    assert form({}, kind=ShiftsForm)[1]["__all__"] == ["Give at least one shift, or press “No shifts”."]


@pytest.mark.parametrize(
    ("language", "days_off", "error"),
    [
        ("en", "2027-13-01", "“2027-13-01” is not a date: write dates like 2027-01-04."),
        ("ru", "31.02.2027", "«31.02.2027» — не дата: пишите даты в виде 04.01.2027."),
        ("en", "2027-01-01 – 02 – 03", "“2027-01-01 – 02 – 03” is not a date or a range of dates."),
        ("ru", "01.01.2027 – 02 – 03", "«01.01.2027 – 02 – 03» — не дата и не диапазон дат."),
        ("en", "2027-05-03 – 2027-05-01", "“2027-05-03 – 2027-05-01”: a range goes forward, at most a year."),
        (
            "ru",
            "01.05.2027 – 03.05.2028",
            "«01.05.2027 – 03.05.2028»: диапазон идёт вперёд и длится не больше года.",
        ),
    ],
)
def test_it_refuses_a_bad_date_off(clock, language, days_off, error):
    clock.now = datetime.datetime(2027, 1, 4, 12, tzinfo=datetime.UTC)

    valid, errors = form({**NINE_TO_SIX, "days_off": days_off}, language=language)

    assert not valid
    assert errors["days_off"] == [error]


def test_it_refuses_more_days_off_than_it_keeps():
    years = ", ".join(f"{year}-01-01 – {year}-12-31" for year in (2027, 2028, 2029))

    for language, error in [("en", "At most 1000 days off."), ("ru", "Не больше 1000 выходных дней.")]:
        valid, errors = form({**NINE_TO_SIX, "days_off": years}, language=language)

        assert not valid
        assert errors["days_off"] == [error]


def test_it_offers_no_more_intervals_a_day_than_a_schedule_keeps():
    full = {
        f"day0-{n}-{edge}": f"{10 + 2 * n + (edge == 'end')}:00"
        for n in range(4)
        for edge in ("start", "end")
    }

    assert HoursForm(stored=None).columns == 2
    assert HoursForm({"time_zone": "UTC", **NINE_TO_SIX}, stored=None).columns == 2
    assert HoursForm({"time_zone": "UTC", **full}, stored=None).columns == schedules.MAX_INTERVALS_A_DAY
