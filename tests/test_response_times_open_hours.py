"""The report's response times count a bot's open hours only (rule 11): a weekend between a
contact's arrival and its take is not the operator's slowness."""

import datetime

import pytest

from distribution import response_times, routing, selectors
from distribution.models import Bot, Contact, Operator

from .conftest import htmx

MINUTE = datetime.timedelta(minutes=1)
# Friday 2027-01-08, ahead of the real clock as PostgreSQL's intake needs; the pages' zone is UTC.
FRIDAY = datetime.datetime(2027, 1, 8, tzinfo=datetime.UTC)
MONDAY = FRIDAY + datetime.timedelta(days=3)
OFFICE = {"time_zone": "UTC", "week": [[["09:00", "18:00"]]] * 5 + [[], []]}


@pytest.fixture
def weekend(bot_with_operators, send, clock):
    """An office bot open 9 to 18 on weekdays, with Anna. c1 arrives on Friday at 17:50 and goes to
    Anna, who takes it on Monday at 09:05 and closes it at 09:10: 15 and 20 open minutes. c2
    arrives on Saturday, waits, and is assigned at Monday's opening: no open time waited."""
    clock.now = FRIDAY + datetime.timedelta(hours=17, minutes=50)
    bot, (anna,) = bot_with_operators(weights=[10], name="Office")
    Bot.objects.filter(pk=bot.pk).update(hours=OFFICE, answer_within=datetime.timedelta(0))
    bot.refresh_from_db()
    first = send(bot)
    clock.now = FRIDAY + datetime.timedelta(days=1, hours=10)
    second = send(bot)
    assert (first.operator, second.status) == (anna, Contact.Status.WAITING)

    clock.now = MONDAY + datetime.timedelta(hours=9, seconds=1)
    assert routing.sweep_idle_contacts().assigned == [second]
    clock.now = MONDAY + datetime.timedelta(hours=9, minutes=5)
    routing.accept_contact(contact=Contact.objects.get(pk=first.pk))
    clock.now = MONDAY + datetime.timedelta(hours=9, minutes=10)
    routing.close_contact(contact=Contact.objects.get(pk=first.pk))
    clock.now = MONDAY + datetime.timedelta(hours=10)
    return anna


def anna_figures(anna: Operator) -> response_times.Figures:
    start, end = selectors.period_bounds("7d")
    report = selectors.response_report(
        start=start, end=end, bots=list(Bot.objects.all()), operators=[anna], bot=None
    )
    return next(row.figures for row in report.operators if row.subject == anna)


def test_it_counts_the_time_to_take_the_wait_and_the_time_to_close_in_open_hours(weekend):
    figures = anna_figures(weekend)

    assert figures.take_p50 == 15 * MINUTE
    assert figures.wait_p90 == datetime.timedelta(seconds=1)
    assert figures.close_p50 == 20 * MINUTE


def test_the_fold_counts_them_in_open_hours_too(weekend):
    walked = anna_figures(weekend)

    assert response_times.fold() > 0
    assert anna_figures(weekend) == walked


def test_the_report_page_says_so(manager_client, weekend, manager):
    manager_client.force_login(manager)  # a session of the frozen clock's time

    html = manager_client.get("/report/", {"period": "7d"}, **htmx("report")).content.decode()

    assert "Times count open hours only: while a bot is closed by its working hours, its clock stops." in html
