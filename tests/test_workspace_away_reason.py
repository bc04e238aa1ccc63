"""An operator the service switched away for its misses (rule 9) sees why on /me/, also by the
list's refresh, and comes back with "Be available"."""

import datetime

import pytest

from distribution import routing
from distribution.models import BotOperator, OperatorEvent

from .conftest import htmx

REASON = "You were switched away after 3 contacts in a row were not taken in time."


@pytest.fixture
def missed_three(settings, clock, bot_with_operators, operator_login, send):
    """Operator A (with a login) missed three contacts in a row: the service switched it away."""
    settings.ANSWER_WITHIN = datetime.timedelta(minutes=5)
    settings.AWAY_AFTER_MISSED = 3
    bot, _ = bot_with_operators(weights=[1])
    operator, user = operator_login(name="Operator A")
    BotOperator.objects.create(bot=bot, operator=operator, weight=1000)
    assert {send(bot).operator for _ in range(3)} == {operator}
    clock.advance(datetime.timedelta(minutes=6))
    assert routing.pass_on_due().away == [operator]
    return operator, user


@pytest.fixture
def operator_client(client, missed_three):
    client.force_login(missed_three[1])
    return client


def test_it_says_why_the_service_switched_the_operator_away(operator_client):
    html = operator_client.get("/me/").content.decode()

    assert REASON in html
    assert "Be available" in html


def test_the_lists_refresh_brings_the_reason(operator_client):
    response = operator_client.get("/me/", **htmx("my-contacts"))

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="my-contacts"')
    status = html[html.index('<section id="my-status"') :]
    assert status.startswith(
        '<section id="my-status" class="card narrow" aria-label="Availability" hx-swap-oob="morph">'
    )
    assert REASON in status


def test_it_comes_back_and_the_reason_goes(operator_client, missed_three):
    operator, user = missed_three

    response = operator_client.post("/me/available", **htmx("my-status"))

    assert "Away" not in response.content.decode()
    assert REASON not in response.content.decode()
    operator.refresh_from_db()
    assert (operator.is_active, operator.away_reason) == (True, "")
    event = operator.events.latest("at", "pk")
    assert (event.kind, event.reason, event.actor) == (OperatorEvent.Kind.ON, OperatorEvent.Reason.SELF, user)


def test_it_says_nothing_of_misses_after_going_away_itself(operator_client, missed_three):
    operator, user = missed_three
    routing.set_operator_active(operator=operator, is_active=True, by=user)
    routing.set_operator_active(operator=operator, is_active=False, by=user, reason=OperatorEvent.Reason.SELF)

    html = operator_client.get("/me/").content.decode()

    assert "Be available" in html
    assert "in a row" not in html
