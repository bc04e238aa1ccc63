"""The intake's per-bot rate limit: 429 with Retry-After, counted per bot over a sliding window."""

import datetime
import itertools
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import hypothesis
import pytest
from django.db import connection
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from distribution import ratelimit
from distribution.models import Contact, IntakeWindow
from distribution.tokens import create_bot

MOMENT = datetime.datetime(2026, 11, 25, 12, 0, 10, tzinfo=datetime.UTC)
_names = itertools.count(1)


@pytest.fixture
def limited(settings):
    settings.INTAKE_RATE_LIMIT = 3
    settings.INTAKE_RATE_WINDOW = 60


def post(client, token, number):
    return client.post(
        "/api/contacts",
        json.dumps({"lead": {"external_id": f"tg-{number}"}}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def at(moment):
    return mock.patch("distribution.ratelimit.timezone.now", return_value=moment)


def seconds(value: float) -> datetime.timedelta:
    return datetime.timedelta(seconds=value)


def accepted(bot, moment) -> bool:
    with at(moment):
        return ratelimit.retry_after(bot) is None


def test_it_answers_429_beyond_the_limit(client, db, limited):
    _bot, token = create_bot(name="Chatty")

    with at(MOMENT):
        statuses = [post(client, token, n).status_code for n in range(4)]
        refused = post(client, token, 99)

    assert statuses == [202, 202, 202, 429]
    # The three requests count in the slot 12:00:10-12:00:11, which leaves the window at 12:01:11.
    assert refused["Retry-After"] == "61"
    assert "error" in refused.json()
    assert Contact.objects.count() == 3


def test_it_counts_each_bot_apart(client, db, limited):
    _chatty, chatty_token = create_bot(name="Chatty")
    _quiet, quiet_token = create_bot(name="Quiet")

    with at(MOMENT):
        for n in range(4):
            post(client, chatty_token, n)
        assert post(client, quiet_token, 100).status_code == 202


def test_it_refuses_a_second_allowance_at_a_windows_edge(db, settings):
    settings.INTAKE_RATE_LIMIT, settings.INTAKE_RATE_WINDOW = 600, 60
    bot, _token = create_bot(name="Chatty")
    end_of_a_minute = datetime.datetime(2026, 11, 25, 12, 0, 59, 900_000, tzinfo=datetime.UTC)

    assert all(accepted(bot, end_of_a_minute) for _ in range(600))
    with at(end_of_a_minute + seconds(0.2)):
        wait = ratelimit.retry_after(bot)

    assert wait == 60  # the 600 leave the window at 12:02:00
    assert not accepted(bot, end_of_a_minute + seconds(59))
    assert accepted(bot, end_of_a_minute + seconds(60.1))


def test_it_gives_an_honest_retry_after(db, limited):
    bot, _token = create_bot(name="Chatty")
    for offset in (0, 10.5, 20):
        assert accepted(bot, MOMENT + seconds(offset))

    with at(MOMENT + seconds(30)):
        wait = ratelimit.retry_after(bot)

    assert wait == 31  # the first request's slot, 12:00:10-12:00:11, leaves the window at 12:01:11
    assert not accepted(bot, MOMENT + seconds(30 + wait - 1))
    assert accepted(bot, MOMENT + seconds(30 + wait))


def test_refused_requests_do_not_count(db, limited):
    bot, _token = create_bot(name="Chatty")
    for _ in range(3):
        assert accepted(bot, MOMENT)

    assert not any(accepted(bot, MOMENT + seconds(second)) for second in range(1, 61))
    assert accepted(bot, MOMENT + seconds(61))


def test_it_forgets_the_slots_that_left_the_window(db, settings):
    settings.INTAKE_RATE_LIMIT, settings.INTAKE_RATE_WINDOW = 1000, 60
    bot, _token = create_bot(name="Chatty")

    for second in range(150):
        assert accepted(bot, MOMENT + seconds(second))

    slots = IntakeWindow.objects.filter(bot=bot)
    assert slots.count() <= ratelimit.SLOTS + 1
    assert slots.earliest("started_at").started_at > MOMENT + seconds(149 - 60 - 1)


@hypothesis.settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(gaps=st.lists(st.integers(min_value=0, max_value=4000), min_size=1, max_size=40))
def test_no_window_ever_holds_more_than_the_limit(db, settings, gaps):
    """Whatever the arrival times (gaps in milliseconds), every interval one window long holds at
    most the limit, and a request is refused only when the window was full, give or take a slot."""
    settings.INTAKE_RATE_LIMIT, settings.INTAKE_RATE_WINDOW = 5, 10
    window, slot = seconds(10), seconds(10) / ratelimit.SLOTS
    bot, _token = create_bot(name=f"Bot {next(_names)}")
    moments = list(itertools.accumulate((datetime.timedelta(milliseconds=g) for g in gaps), initial=MOMENT))

    answers = [(moment, accepted(bot, moment)) for moment in moments]

    taken = [moment for moment, ok in answers if ok]
    for moment in taken:
        assert sum(moment - window < other <= moment for other in taken) <= 5
    for moment, ok in answers:
        if not ok:
            assert sum(moment - window - slot < other <= moment for other in taken) >= 5


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_take_no_more_than_the_limit(limited):
    bot, _token = create_bot(name="Chatty")
    barrier = threading.Barrier(12)

    def request(_number):
        try:
            barrier.wait()
            return ratelimit.retry_after(bot)
        finally:
            connection.close()

    with at(MOMENT), ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(request, range(12)))

    assert answers.count(None) == 3
    assert IntakeWindow.objects.get(bot=bot).requests == 3


def test_it_is_off_when_the_limit_is_zero(client, db, settings):
    settings.INTAKE_RATE_LIMIT = 0
    _bot, token = create_bot(name="Chatty")

    assert {post(client, token, n).status_code for n in range(5)} == {202}
    assert not IntakeWindow.objects.exists()
