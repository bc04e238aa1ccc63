"""The intake's per-bot rate limit: 429 with Retry-After, counted per bot and per window."""

import datetime
import json
from unittest import mock

import pytest

from distribution.models import Contact, IntakeWindow
from distribution.tokens import create_bot

MOMENT = datetime.datetime(2026, 11, 25, 12, 0, 10, tzinfo=datetime.UTC)


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


def test_it_answers_429_beyond_the_limit(client, db, limited):
    _bot, token = create_bot(name="Chatty")

    with at(MOMENT):
        statuses = [post(client, token, n).status_code for n in range(4)]
        refused = post(client, token, 99)

    assert statuses == [202, 202, 202, 429]
    assert refused["Retry-After"] == "50"
    assert "error" in refused.json()
    assert Contact.objects.count() == 3


def test_it_counts_each_bot_apart(client, db, limited):
    _chatty, chatty_token = create_bot(name="Chatty")
    _quiet, quiet_token = create_bot(name="Quiet")

    with at(MOMENT):
        for n in range(4):
            post(client, chatty_token, n)
        assert post(client, quiet_token, 100).status_code == 202


def test_a_new_window_starts_afresh_and_forgets_the_old_ones(client, db, limited):
    bot, token = create_bot(name="Chatty")
    with at(MOMENT):
        for n in range(4):
            post(client, token, n)

    with at(MOMENT + datetime.timedelta(seconds=60)):
        assert post(client, token, 10).status_code == 202
    with at(MOMENT + datetime.timedelta(seconds=120)):
        assert post(client, token, 11).status_code == 202

    # The window just before the current one stays, for processes whose clocks lag a little.
    assert IntakeWindow.objects.filter(bot=bot).count() == 2
    assert not IntakeWindow.objects.filter(bot=bot, requests=4).exists()


def test_a_window_deleted_under_a_request_lets_it_through(db, limited, monkeypatch):
    from django.db.models.query import QuerySet

    from distribution import ratelimit

    bot, _token = create_bot(name="Chatty")
    real_update = QuerySet.update

    def update_then_vanish(self, **kwargs):
        updated = real_update(self, **kwargs)
        IntakeWindow.objects.all().delete()  # another process opened the next window meanwhile
        return updated or 1

    monkeypatch.setattr(QuerySet, "update", update_then_vanish)
    with at(MOMENT):
        assert ratelimit.retry_after(bot) is None


def test_it_is_off_when_the_limit_is_zero(client, db, settings):
    settings.INTAKE_RATE_LIMIT = 0
    _bot, token = create_bot(name="Chatty")

    assert {post(client, token, n).status_code for n in range(5)} == {202}
    assert not IntakeWindow.objects.exists()
