"""Rule 9 in the workspace: each new contact counts down to its deadline, an overdue one says so in
words, and a taken one says when it was taken."""

import datetime
import math

import pytest

from distribution import routing
from distribution.templatetags.countdown import clock as clock_text

from .conftest import htmx

MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def scene(settings, bot_with_operators, operator_login):
    """A bot with a 5-minute answer time and its one operator, with a login."""
    settings.ANSWER_WITHIN = 5 * MINUTE
    bot, _ = bot_with_operators(weights=[])
    operator, user = operator_login(name="Operator A")
    routing.set_weight(bot=bot, operator=operator, weight=10)
    return bot, operator, user


@pytest.fixture
def operator_client(client, scene):
    client.force_login(scene[2])
    return client


def row(html: str, contact) -> str:
    start = html.index(f'<tr id="my-contact-{contact.pk}"')
    return html[start : html.index("</tr>", start)]


def seconds_left(contact, now) -> int:
    """Seconds to the contact's deadline, rounded up: PostgreSQL stamps the assignment by its own
    clock, a moment after the tests' frozen one."""
    contact.refresh_from_db()
    return math.ceil((contact.answer_by - now).total_seconds())


def test_it_counts_down_to_a_new_contacts_deadline(operator_client, scene, send, clock):
    contact = send(scene[0])
    clock.advance(MINUTE + datetime.timedelta(seconds=30))

    html = row(operator_client.get("/me/", **htmx("my-contacts")).content.decode(), contact)

    left = seconds_left(contact, clock.now)
    assert 210 <= left <= 212
    time = f'<time class="deadline" datetime="{contact.answer_by.isoformat()}" data-left="{left}">'
    assert f"{time}{clock_text(left)} left</time>" in html
    assert f'data-new="#{contact.pk} · {contact.lead} · {scene[0].name}"' in html
    assert 'class="overdue"' not in html


def test_it_says_in_words_that_a_contact_is_overdue(operator_client, scene, send, clock):
    contact = send(scene[0])
    clock.advance(5 * MINUTE + datetime.timedelta(seconds=30))

    html = row(operator_client.get("/me/").content.decode(), contact)

    left = seconds_left(contact, clock.now)
    assert html.startswith(f'<tr id="my-contact-{contact.pk}" class="overdue"')
    assert f'data-left="{left}">Overdue by {clock_text(-left)}</time>' in html
    assert 28 <= -left <= 30


def test_a_contact_nobody_else_could_take_stays_overdue(operator_client, scene, send, clock):
    contact = send(scene[0])
    clock.advance(6 * MINUTE)
    assert routing.pass_on_due().overdue == [contact]

    html = row(operator_client.get("/me/").content.decode(), contact)

    assert html.startswith(f'<tr id="my-contact-{contact.pk}" class="overdue"')
    assert f"Overdue by {clock_text(-seconds_left(contact, clock.now))}" in html
    assert f"Take #{contact.pk}" in html


def test_it_shows_when_a_taken_contact_was_taken(operator_client, scene, send, clock):
    contact = send(scene[0])
    routing.accept_contact(contact=contact)
    clock.advance(7 * MINUTE)

    html = row(operator_client.get("/me/").content.decode(), contact)

    assert f'<time class="elapsed" datetime="{contact.accepted_at.isoformat()}">' in html
    assert "Taken 7\xa0minutes ago" in html
    assert "data-left" not in html
    assert "data-new" not in html
    assert "overdue" not in html


def test_it_counts_nothing_down_without_an_answer_time(operator_client, scene, send, settings):
    settings.ANSWER_WITHIN = None
    contact = send(scene[0])

    html = row(operator_client.get("/me/").content.decode(), contact)

    assert "data-left" not in html
    assert f"Take #{contact.pk}" in html
    assert "data-new" in html


def test_it_counts_hours_past_an_hour():
    assert [clock_text(seconds) for seconds in (0, 59, 61, 3600, 3725)] == [
        "0:00",
        "0:59",
        "1:01",
        "1:00:00",
        "1:02:05",
    ]
