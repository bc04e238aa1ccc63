"""The distribution report: weight share beside actual share, per bot and per operator."""

import datetime
import re

import pytest
from django.utils import timezone

from distribution import routing, selectors
from distribution.models import Contact, ContactEvent

from .conftest import htmx


@pytest.fixture
def month(bot_with_operators, send):
    sales, (light, heavy) = bot_with_operators(weights=[10, 30], name="Sales")
    support, _ = bot_with_operators(weights=[], name="Support")
    routing.set_weight(bot=support, operator=light, weight=10)
    for _ in range(8):
        send(sales)
    routing.set_operator_active(operator=heavy, is_active=False)
    for _ in range(2):
        send(sales)  # heavy is off: both go to light
    send(support)
    old = send(support)
    twenty_days_ago = timezone.now() - datetime.timedelta(days=20)
    Contact.objects.filter(pk=old.pk).update(created_at=twenty_days_ago, assigned_at=twenty_days_ago)
    ContactEvent.objects.filter(contact=old).update(at=twenty_days_ago)
    routing.rebuild_daily_counts()  # that write went around the routing service
    return sales, support, light, heavy


def test_it_compares_weight_shares_with_actual_shares(month):
    sales, support, light, heavy = month
    start, end = selectors.period_bounds("7d")

    report = selectors.distribution_report(start=start, end=end)

    by_bot = {bot_report.bot: bot_report for bot_report in report.bots}
    shares = {share.operator: share for share in by_bot[sales].shares}
    assert (shares[light].weight_percent, shares[heavy].weight_percent) == (25, 75)
    assert (shares[light].contacts, shares[heavy].contacts) == (4, 6)
    assert (shares[light].actual_percent, shares[heavy].actual_percent) == (40, 60)
    assert by_bot[sales].assigned == 10
    assert by_bot[support].assigned == 1  # the older one is outside the period
    totals = {total.operator: total.contacts for total in report.operators}
    assert totals == {light: 5, heavy: 6}
    assert report.assigned == 11


def test_it_keeps_an_unlinked_operators_contacts(month):
    sales, _support, light, heavy = month
    routing.remove_operator(bot=sales, operator=heavy)

    start, end = selectors.period_bounds("today")
    report = selectors.distribution_report(start=start, end=end)

    sales_report = next(bot_report for bot_report in report.bots if bot_report.bot == sales)
    shares = {share.operator: share for share in sales_report.shares}
    assert (shares[heavy].weight, shares[heavy].contacts) == (0, 6)
    assert shares[light].weight_percent == 100


@pytest.mark.parametrize(("period", "days"), [("today", 1), ("7d", 7), ("30d", 30)])
def test_named_periods_end_tomorrow_and_span_their_days(period, days):
    start, end = selectors.period_bounds(period)

    assert (end - start).days == days
    assert end == selectors.start_of_today() + datetime.timedelta(days=1)


def test_a_custom_period_includes_both_dates():
    start, end = selectors.period_bounds(
        "custom", start_date=datetime.date(2026, 1, 1), end_date=datetime.date(2026, 1, 31)
    )

    assert (start.date(), end.date(), (end - start).days) == (
        datetime.date(2026, 1, 1),
        datetime.date(2026, 2, 1),
        31,
    )


def test_the_page_draws_both_shares_as_bars(manager_client, month):
    html = manager_client.get("/report/", {"period": "7d"}).content.decode()

    assert '<progress class="expected" max="100" value="75.0"' in html
    assert '<progress class="actual" max="100" value="60.0"' in html


def test_a_period_change_gets_only_the_report(manager_client, month):
    response = manager_client.get("/report/", {"period": "30d"}, **htmx("report"))

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="report">')
    assert "12 assignments" in html


def test_a_bad_period_is_a_form_error(manager_client, month):
    response = manager_client.get("/report/", {"period": "custom", "start": "2026-03-01"})

    assert response.status_code == 422
    assert "Give both dates of the period." in response.content.decode()


def test_the_page_opens_on_seven_days_and_says_so(manager_client, month):
    html = manager_client.get("/report/").content.decode()

    assert '<option value="7d" selected>' in html
    assert "(7 days): 11 assignments" in html


def test_dates_alone_mean_from_to(manager_client, month):
    html = manager_client.get("/report/", {"start": "2000-01-01", "end": "2100-12-31"}).content.decode()

    assert '<option value="custom" selected>' in html
    assert "12 assignments" in html


def test_every_bar_is_a_share_of_100_percent(manager_client, month):
    html = manager_client.get("/report/", {"period": "7d"}).content.decode()

    # heavy has 6 of 11 (54.5 %): its bar is half full, on the same scale as the per-bot bars.
    assert '<progress max="100" value="54.5"' in html
    assert '<progress max="100" value="45.5"' in html
    bars = re.findall(r"<progress[^>]*>", html)
    assert len(bars) == 2 + 3 * 2  # two operators overall; three operator rows in the bots, two bars each
    assert all('max="100"' in bar for bar in bars)


def test_it_reports_on_one_chosen_bot(manager_client, month):
    sales, support, *_ = month

    response = manager_client.get("/report/", {"period": "30d", "bot": support.pk}, **htmx("report"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "(30 days): 2 assignments" in html
    assert f'href="{support.get_absolute_url()}"' in html
    assert f'href="{sales.get_absolute_url()}"' not in html
    assert "Operators across bots" not in html


def test_the_closes_by_reason_follow_the_chosen_bot(manager_client, month):
    sales, support, *_ = month
    routing.close_contact(contact=Contact.objects.filter(bot=sales).first())
    for contact in Contact.objects.filter(bot=support):
        routing.close_contact(contact=contact, reason=ContactEvent.Reason.BOT, bot=support)

    html = manager_client.get(
        "/report/", {"period": "30d", "bot": sales.pk}, **htmx("report")
    ).content.decode()

    closes = re.findall(r'<th scope="row">([^<]+)</th><td class="num">(\d+)</td>', html)
    assert ("By a manager", "1") in closes
    assert not [row for row in closes if row[0] == "By the bot"]


def test_the_report_form_offers_every_bot(manager_client, month):
    sales, support, *_ = month

    html = manager_client.get("/report/", {"bot": sales.pk}).content.decode()

    assert '<option value="">All bots</option>' in html
    assert f'<option value="{sales.pk}" selected>Sales</option>' in html
    assert f'<option value="{support.pk}">Support</option>' in html


@pytest.mark.parametrize("bot", ["999999", "abc", "1" * 30])
def test_an_unknown_bot_is_a_form_error(manager_client, month, bot):
    response = manager_client.get("/report/", {"bot": bot})

    assert response.status_code == 422
    assert "Select a valid choice." in response.content.decode()


def test_the_daily_figures_follow_every_assignment(bot_with_operators, send):
    """Assignments, drains and hand-overs keep the report's figures equal to a recount."""
    from distribution.models import DailyAssignments

    bot, (_first, second) = bot_with_operators(weights=[10, 10], capacities=[2, 2])
    contacts = [send(bot) for _ in range(6)]  # four open, two waiting
    routing.close_contact(contact=contacts[0])  # a waiting one is assigned
    routing.hand_over_contacts(operator=second)  # its contacts wait, some go to first

    def figures():
        return sorted(
            DailyAssignments.objects.exclude(contacts=0).values_list("bot", "operator", "day", "contacts")
        )

    kept = figures()
    routing.rebuild_daily_counts()
    assert kept == figures()
    assert sum(row[3] for row in kept) == ContactEvent.objects.filter(kind=ContactEvent.Kind.ASSIGNED).count()


def test_the_report_counts_a_day_by_the_local_calendar(bot_with_operators, send, settings):
    settings.TIME_ZONE = "Asia/Vladivostok"  # UTC+10
    bot, _ = bot_with_operators(weights=[10])
    contact = send(bot)
    late_evening_utc = datetime.datetime(2026, 3, 1, 20, 0, tzinfo=datetime.UTC)  # 2 March there
    Contact.objects.filter(pk=contact.pk).update(created_at=late_evening_utc, assigned_at=late_evening_utc)
    ContactEvent.objects.filter(contact=contact).update(at=late_evening_utc)
    routing.rebuild_daily_counts()

    tz = timezone.get_current_timezone()
    march_2 = datetime.datetime(2026, 3, 2, tzinfo=tz), datetime.datetime(2026, 3, 3, tzinfo=tz)
    report = selectors.distribution_report(start=march_2[0], end=march_2[1])

    assert report.assigned == 1
