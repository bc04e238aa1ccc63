"""The report's response times (issue 19): per operator and per bot, from the contacts' events."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from distribution import response_times, routing, selectors, tasks
from distribution.models import Bot, Contact, ContactEvent, Operator, ResponseFigures, ResponseFold
from distribution.response_times import Figures

from .conftest import ANNA, htmx

MINUTE = datetime.timedelta(minutes=1)


def noon_tomorrow() -> datetime.datetime:
    """A frozen clock's time: in the future, so that PostgreSQL's intake, which stamps an
    assignment no earlier than its own clock, stamps the frozen time; mid-day, far from midnight."""
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    return datetime.datetime.combine(tomorrow, datetime.time(12), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def scene(bot_with_operators, send, clock, settings):
    """Sales (Anna and Boris, a 5-minute answer time, leads return) and Support (Carol, capacity 1,
    no answer time), over twenty minutes of a day:

    - Anna takes c1 after a minute, and closes it at 20 min; its lead writes again at 21 min and
      goes back to her;
    - Boris misses c2: at 5 min it passes on to Anna, who takes it 2 minutes later;
    - Carol closes c3 untaken at 10 min; c4, waiting behind it, goes to her then, and she takes it
      2 minutes later.
    """
    settings.ANSWER_WITHIN, settings.AWAY_AFTER_MISSED = 5 * MINUTE, 0
    clock.now = start = noon_tomorrow()
    sales, (anna, boris) = bot_with_operators(weights=[10, 10], name="Sales")
    support, (carol,) = bot_with_operators(weights=[10], capacities=[1], name="Support")
    Bot.objects.filter(pk=sales.pk).update(return_within=30 * 24 * 60 * MINUTE)
    Bot.objects.filter(pk=support.pk).update(answer_within=datetime.timedelta(0))
    c1, c2 = send(sales, lead=ANNA), send(sales)
    c3, c4 = send(support), send(support)
    assert (c1.operator, c2.operator, c3.operator, c4.operator) == (anna, boris, carol, None)

    def at(minutes: float) -> None:
        clock.now = start + minutes * MINUTE

    at(1)
    routing.accept_contact(contact=c1)
    at(5 + 1 / 60)
    assert routing.pass_on_due().passed_on == [c2]
    at(7 + 1 / 60)
    routing.accept_contact(contact=c2)
    at(10)
    routing.close_contact(contact=c3)
    at(12)
    routing.accept_contact(contact=Contact.objects.get(pk=c4.pk))
    at(20)
    routing.close_contact(contact=c1)
    at(21)
    assert send(sales, lead=ANNA).operator == anna
    at(30)
    return {
        "start": start,
        "sales": sales,
        "support": support,
        "anna": anna,
        "boris": boris,
        "carol": carol,
        "contacts": (c1, c2, c3, c4),
    }


def report(*, period: str = "7d", bot: Bot | None = None, start=None, end=None) -> selectors.ResponseReport:
    start_at, end_at = selectors.period_bounds(period, start_date=start, end_date=end)
    return selectors.response_report(
        start=start_at,
        end=end_at,
        bots=[bot] if bot else list(Bot.objects.all()),
        operators=list(Operator.objects.all()),
        bot=bot,
    )


def counts(figures: Figures) -> tuple:
    return (
        figures.assigned,
        figures.taken,
        figures.missed,
        figures.passed_on,
        figures.returned,
        figures.closed_untaken,
    )


def times(figures: Figures) -> tuple:
    """Time to take p50, p90; queue wait p50, p90; time to close p50, in seconds (None: none)."""
    values = (figures.take_p50, figures.take_p90, figures.wait_p50, figures.wait_p90, figures.close_p50)
    return tuple(None if value is None else value.total_seconds() for value in values)


def test_it_counts_each_operators_assignments_takes_and_misses(scene):
    by_operator = {row.subject: row.figures for row in report().operators}

    assert counts(by_operator[scene["anna"]]) == (3, 2, 0, 1, 1, 0)
    assert counts(by_operator[scene["boris"]]) == (1, 0, 1, 0, 0, 0)
    assert counts(by_operator[scene["carol"]]) == (2, 1, 0, 0, 0, 1)


def test_it_measures_each_operators_times(scene):
    by_operator = {row.subject: row.figures for row in report().operators}

    assert times(by_operator[scene["anna"]]) == (60, 120, 1, 1, 1200)
    assert times(by_operator[scene["boris"]]) == (None, None, 1, 1, None)
    # c3 arrived and was assigned at once; c4 waited 10 minutes for Carol.
    assert times(by_operator[scene["carol"]]) == (120, 120, 1, 600, 600)


def test_the_share_in_time_counts_takes_and_misses_where_a_bot_gives_an_answer_time(scene):
    by_operator = {row.subject: row.figures for row in report().operators}

    anna, boris, carol = by_operator[scene["anna"]], by_operator[scene["boris"]], by_operator[scene["carol"]]
    assert (anna.due, anna.in_time, anna.in_time_percent) == (2, 2, 100)
    assert (boris.due, boris.in_time, boris.in_time_percent) == (1, 0, 0)
    assert (carol.due, carol.in_time_percent) == (0, None)  # Support has no answer time


def test_it_sums_per_bot_and_in_all(scene):
    result = report()

    by_bot = {row.subject: row.figures for row in result.bots}
    assert counts(by_bot[scene["sales"]]) == (4, 2, 1, 1, 1, 0)
    assert counts(by_bot[scene["support"]]) == (2, 1, 0, 0, 0, 1)
    assert counts(result.total) == (6, 3, 1, 1, 1, 1)
    assert times(result.total) == (120, 120, 1, 600, 600)
    assert (result.total.due, result.total.in_time) == (3, 2)


def test_it_reports_on_one_bot(scene):
    result = report(bot=scene["support"])

    assert [row.subject for row in result.operators] == [scene["carol"]]
    assert [row.subject for row in result.bots] == [scene["support"]]
    assert counts(result.total) == (2, 1, 0, 0, 0, 1)


def test_a_period_counts_what_happened_in_it(scene):
    c3, c4 = scene["contacts"][2:]
    # Support's two contacts, ten days earlier.
    for event in ContactEvent.objects.filter(contact__in=[c3, c4]):
        ContactEvent.objects.filter(pk=event.pk).update(at=event.at - datetime.timedelta(days=10))
    Contact.objects.filter(pk__in=[c3.pk, c4.pk]).update(
        created_at=scene["start"] - datetime.timedelta(days=10)
    )

    assert counts(report(period="7d").total) == (4, 2, 1, 1, 1, 0)
    assert counts(report(period="30d").total) == (6, 3, 1, 1, 1, 1)
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    assert not report(period="custom", start=yesterday, end=yesterday).total
    ten_days_before = today - datetime.timedelta(days=10)
    assert counts(report(period="custom", start=ten_days_before, end=ten_days_before).total) == (
        2,
        1,
        0,
        0,
        0,
        1,
    )


def test_a_take_counts_on_its_own_day(scene, clock):
    c2 = scene["contacts"][1]
    taken = ContactEvent.objects.get(contact=c2, kind=ContactEvent.Kind.ACCEPTED)
    ContactEvent.objects.filter(pk=taken.pk).update(at=taken.at + datetime.timedelta(days=1))

    today = report(period="today")
    tomorrow_start = timezone.localdate() + datetime.timedelta(days=1)
    tomorrow = report(period="custom", start=tomorrow_start, end=tomorrow_start)

    assert (today.total.taken, tomorrow.total.taken) == (2, 1)
    assert tomorrow.total.take_p50 == datetime.timedelta(days=1.25)  # 1 day 2 minutes, on the scale


def test_contacts_from_before_taking_are_left_out(scene):
    c1 = scene["contacts"][0]
    ResponseFold.objects.create(pk=1, since_contact=c1.pk, since=scene["start"])

    result = report()

    by_operator = {row.subject: row.figures for row in result.operators}
    assert counts(by_operator[scene["anna"]]) == (2, 1, 0, 1, 1, 0)  # c1's assignment, take, close gone
    assert result.since == scene["start"]


def test_the_migration_marks_the_contacts_that_exist_as_from_before_taking(scene):
    import importlib

    from django.apps import apps

    importlib.import_module("distribution.migrations.0018_response_times").record_the_change(apps, None)

    fold = ResponseFold.objects.get()
    assert fold.since_contact == Contact.objects.order_by("-pk").first().pk
    assert fold.since is not None


def test_the_fold_gives_the_figures_that_the_events_give(scene, clock):
    walked = report()

    # Folded up to the 6th minute, the rest walked; then everything folded.
    assert response_times.fold(until=scene["start"] + 6 * MINUTE) == 1
    halfway = report()
    assert response_times.fold() == 1
    folded = report()

    assert halfway.total == walked.total == folded.total
    assert [(row.subject, row.figures) for row in folded.operators] == [
        (row.subject, row.figures) for row in walked.operators
    ]


def test_the_fold_sums_each_day_onto_the_days_before(scene, clock):
    c3, c4 = scene["contacts"][2:]
    for event in ContactEvent.objects.filter(contact__in=[c3, c4]):
        ContactEvent.objects.filter(pk=event.pk).update(at=event.at - datetime.timedelta(days=3))
    Contact.objects.filter(pk__in=[c3.pk, c4.pk]).update(
        created_at=scene["start"] - datetime.timedelta(days=3)
    )

    assert response_times.rebuild() == 4
    folded = (report(period="today").total, report(period="7d").total)
    ResponseFold.objects.all().delete()
    walked = (report(period="today").total, report(period="7d").total)

    assert folded == walked
    assert counts(folded[0]) == (4, 2, 1, 1, 1, 0)
    assert counts(folded[1]) == (6, 3, 1, 1, 1, 1)


def test_a_fold_counts_events_that_committed_late(scene, clock):
    response_times.fold()
    c1 = scene["contacts"][0]
    # Stamped before the fold's moment, committed after it.
    ContactEvent.objects.create(
        contact=c1, kind=ContactEvent.Kind.MISSED, at=scene["start"] + MINUTE, operator=scene["anna"]
    )
    clock.advance(10 * MINUTE)
    response_times.fold()

    assert report().total.missed == 2


def test_a_fold_overtaken_by_another_writes_nothing(scene, clock, monkeypatch):
    tally = response_times.tally

    def overtaken(*args, **kwargs):
        ResponseFold.objects.update_or_create(pk=1, defaults={"folded_until": scene["start"]})
        return tally(*args, **kwargs)

    monkeypatch.setattr(response_times, "tally", overtaken)

    assert response_times.fold() == 0
    assert ResponseFold.objects.get().folded_until == scene["start"]


def test_the_worker_folds_with_each_sweep(scene, clock):
    tasks.sweep_idle_contacts.enqueue()

    assert ResponseFold.objects.get().folded_until == clock.now - response_times.FOLD_MARGIN
    assert ResponseFigures.objects.filter(day=timezone.localdate()).count() == 3  # Anna, Boris, Carol


def test_rebuilddailycounts_sums_the_response_times_again(scene):
    walked = report()
    response_times.fold()
    ResponseFigures.objects.update(figures={})

    output = io.StringIO()
    call_command("rebuilddailycounts", stdout=output)

    assert output.getvalue().splitlines()[1] == "Response times summed again: 1 day."
    assert report() == walked


@pytest.mark.parametrize(
    ("durations", "p50", "p90"),
    [
        ([60, 120, 120], 120, 120),
        ([1, 2, 3, 4, 5, 6, 8, 10, 12, 15], 5, 12),
        ([61], 75, 75),  # between two steps: the step above
        ([400 * 86400], None, None),  # past the scale
    ],
)
def test_a_percentile_is_the_step_of_the_scale_at_or_above_it(durations, p50, p90):
    counts = [0] * response_times.BUCKETS
    for seconds in durations:
        counts[response_times.bucket(datetime.timedelta(seconds=seconds))] += 1

    def seconds(p):
        value = response_times.percentile(counts, p)
        return None if value == response_times.BEYOND else value.total_seconds()

    assert (seconds(50), seconds(90)) == (p50, p90)


def test_the_page_shows_the_response_times_and_says_what_they_mean(manager_client, scene):
    html = manager_client.get("/report/", {"period": "7d"}, **htmx("report")).content.decode()

    assert "Response times" in html
    assert "≤ 1m" in html
    assert "≤ 20m" in html
    assert "66.7 %" in html  # two in time of three due, in all
    assert "From the assignment to the take." in html
    assert "are left out" not in html


def test_the_page_says_which_contacts_are_left_out(manager_client, scene):
    ResponseFold.objects.create(pk=1, since_contact=scene["contacts"][0].pk, since=scene["start"])

    html = manager_client.get("/report/", {"period": "7d"}).content.decode()

    assert "Contacts that arrived before" in html
    assert "are left out: taking was not recorded then." in html


def test_the_page_says_when_nothing_happened(manager_client, db):
    html = manager_client.get("/report/", {"period": "today"}).content.decode()

    assert "No contact was assigned, taken or closed in this period." in html
