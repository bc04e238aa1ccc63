"""One range per page: the period chosen decides, dates count only with "From … to", and the
page's list, its label, its date fields, its links and its address all say the same range."""

import datetime
import re

import pytest
from django.http import QueryDict
from django.utils import timezone

from distribution import routing
from distribution.forms import ContactFilterForm, ReportForm
from distribution.models import Contact, ContactEvent

from .conftest import htmx

STALE = {"start": "2026-11-20", "end": "2026-11-21"}


@pytest.fixture
def old_and_new(bot_with_operators, send):
    """A contact created on 20 November 2026 and one created now."""
    bot, _ = bot_with_operators(weights=[10])
    old, new = send(bot), send(bot)
    november_20 = datetime.datetime(2026, 11, 20, 12, tzinfo=timezone.get_current_timezone())
    Contact.objects.filter(pk=old.pk).update(created_at=november_20, assigned_at=november_20)
    ContactEvent.objects.filter(contact=old).update(at=november_20)
    routing.rebuild_daily_counts()  # those writes went around the routing service
    return old, new


def shown(response) -> set[int]:
    return {int(pk) for pk in re.findall(r'<tr id="contact-(\d+)"', response.content.decode())}


def form(data: dict, form_class=ContactFilterForm, **kwargs):
    query = QueryDict(mutable=True)
    query.update(data)
    bound = form_class(query, **kwargs)
    assert bound.is_valid(), bound.errors
    return bound


def test_it_lets_a_named_period_win_over_stale_dates(db):
    period = form({"period": "today", **STALE}).period_used()

    today = timezone.localdate()
    assert (period.name, period.first_day, period.last_day) == ("today", today, today)


def test_it_uses_the_dates_of_a_custom_period(db):
    period = form({"period": "custom", **STALE}).period_used()

    assert (period.first_day, period.last_day) == (datetime.date(2026, 11, 20), datetime.date(2026, 11, 21))
    assert (period.end - period.start).days == 2


def test_dates_alone_mean_from_to(db):
    assert form(STALE).period_used().name == "custom"


def test_it_ignores_a_bad_date_that_a_named_period_does_not_use(db):
    period = form({"period": "7d", "start": "2026-13-45", "end": "x"}).period_used()

    assert period.name == "7d"


def test_any_time_has_no_dates(db):
    period = form({"period": "all", **STALE}).period_used()

    assert (period.start, period.first_day) == (None, None)


def test_the_report_resolves_the_same_way(db):
    period = form({"period": "today", **STALE}, ReportForm, bots=[]).period_used()

    assert period.first_day == timezone.localdate()


def test_the_contacts_list_shows_today_after_a_custom_range(manager_client, old_and_new):
    _old, new = old_and_new

    response = manager_client.get("/contacts/", {"period": "today", **STALE})

    html = response.content.decode()
    assert shown(response) == {new.pk}
    today = timezone.localdate()
    assert f'<time datetime="{today.isoformat()}">' in html.split('id="contacts-period"')[1].split("</p>")[0]
    assert f'value="{today.isoformat()}"' in html  # the date fields say the range used
    assert 'value="2026-11-20"' not in html


def test_the_contacts_list_shows_a_custom_range(manager_client, old_and_new):
    old, _new = old_and_new

    response = manager_client.get("/contacts/", {"period": "custom", **STALE})

    assert shown(response) == {old.pk}
    assert "Created from" in response.content.decode()


def test_links_and_the_pushed_address_carry_the_range_used(manager_client, old_and_new):
    response = manager_client.get(
        "/contacts/", {"period": "today", **STALE, "status": ""}, **htmx("contact-results")
    )

    assert response["HX-Push-Url"] == "/contacts/?period=today"
    html = response.content.decode()
    assert 'name="next" value="/contacts/?period=today"' in html
    # The form's dates, outside the swapped results, are set to today's out of band.
    today = timezone.localdate().isoformat()
    assert re.search(rf'<p class="field" id="filter-start" hx-swap-oob="true">.*value="{today}"', html, re.S)


def test_a_custom_range_keeps_its_dates_in_links(manager_client, old_and_new):
    response = manager_client.get("/contacts/", {"period": "custom", **STALE}, **htmx("contact-results"))

    assert response["HX-Push-Url"] == "/contacts/?period=custom&start=2026-11-20&end=2026-11-21"
    assert 'hx-swap-oob="true"' not in response.content.decode().split('id="messages"')[0]


def test_the_report_uses_and_pushes_the_range_it_used(manager_client, old_and_new):
    response = manager_client.get("/report/", {"period": "today", **STALE}, **htmx("report"))

    html = response.content.decode()
    assert "(1 day): 1 assignment." in html
    assert response["HX-Push-Url"] == "/report/?period=today"
    assert 'id="filter-end" hx-swap-oob="true"' in html


def test_a_full_page_has_no_out_of_band_dates(manager_client, old_and_new):
    html = manager_client.get("/contacts/", {"period": "today", **STALE}).content.decode()

    assert html.count('id="filter-start"') == 1
