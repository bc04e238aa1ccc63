"""The report's actual share is of assignments, to whom they were made: a hand-over or a transfer
moves a contact on, not the credit of its earlier assignments."""

import datetime

import pytest
from django.utils import timezone

from distribution import routing, selectors
from distribution.models import Contact, DailyAssignments

from .conftest import htmx


@pytest.fixture
def handed_over(bot_with_operators, send):
    """Five contacts assigned at intake to `first`, then handed over to `second`."""
    bot, (first, second) = bot_with_operators(weights=[10, 10])
    routing.set_operator_active(operator=second, is_active=False)
    for _ in range(5):
        send(bot)
    routing.set_operator_active(operator=second, is_active=True)
    routing.hand_over_contacts(operator=first)
    assert Contact.objects.filter(operator=second, status=Contact.Status.OPEN).count() == 5
    return bot, first, second


def shares_today(bot, **kwargs):
    start, end = selectors.period_bounds("today")
    report = selectors.distribution_report(start=start, end=end, **kwargs)
    bot_report = next(bot_report for bot_report in report.bots if bot_report.bot == bot)
    return report, {share.operator: share for share in bot_report.shares}


def test_it_credits_the_operator_assigned_at_intake_after_a_hand_over(handed_over):
    bot, first, second = handed_over

    _report, shares = shares_today(bot)

    assert (shares[first].contacts, shares[first].actual_percent) == (5, 50)
    assert (shares[second].contacts, shares[second].actual_percent) == (5, 50)


def test_it_credits_assignments_under_a_bot_filter(handed_over):
    bot, first, second = handed_over

    report, shares = shares_today(bot, bots=[bot])

    assert (shares[first].contacts, shares[second].contacts) == (5, 5)
    assert report.assigned == 10


def test_it_counts_a_transfer_for_the_operator_it_goes_to(bot_with_operators, send):
    bot, (first, second) = bot_with_operators(weights=[10, 10])
    contact = send(bot)  # a tie: the lower id
    assert contact.operator == first

    routing.transfer_contact(contact=contact, to=second)

    _report, shares = shares_today(bot)
    assert (shares[first].contacts, shares[second].contacts) == (1, 1)


def test_it_agrees_with_the_workspace_assigned_today(handed_over, send):
    bot, first, second = handed_over
    routing.set_operator_active(operator=first, is_active=True)
    send(bot)  # the round robin's turn

    report, _shares = shares_today(bot)

    totals = {total.operator: total.contacts for total in report.operators}
    for operator in (first, second):
        assert totals[operator] == selectors.operator_today(operator).assigned
    assert totals[first] + totals[second] == 11


def test_it_counts_an_assignment_on_its_own_day(bot_with_operators, send):
    """A contact that waited overnight counts on the day it was assigned, as /me/ counts it."""
    bot, (operator,) = bot_with_operators(weights=[10])
    routing.set_operator_active(operator=operator, is_active=False)
    contact = send(bot)
    Contact.objects.filter(pk=contact.pk).update(created_at=timezone.now() - datetime.timedelta(days=2))

    routing.set_operator_active(operator=operator, is_active=True)

    _report, shares = shares_today(bot)
    assert shares[operator].contacts == 1 == selectors.operator_today(operator).assigned


def test_the_recount_counts_what_the_routing_counted(handed_over):
    _bot, first, _second = handed_over
    routing.set_operator_active(operator=first, is_active=True)
    routing.transfer_contact(contact=Contact.objects.filter(status=Contact.Status.OPEN).first(), to=first)

    def figures():
        return sorted(DailyAssignments.objects.values_list("bot", "operator", "day", "contacts"))

    counted = figures()
    routing.rebuild_daily_counts()

    assert figures() == counted
    assert sum(row[3] for row in counted) == 11


def test_the_page_says_the_share_is_of_assignments(manager_client, handed_over):
    html = manager_client.get("/report/", {"period": "today"}, **htmx("report")).content.decode()

    assert "10 assignments" in html
