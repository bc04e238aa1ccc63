"""The overview counts the contacts not taken yet, the overdue ones and today's pass-ons (rules 8
and 9), each with its list, and names the operators switched away for their misses, to switch
them back on."""

import datetime

import pytest

from distribution import routing
from distribution.models import Operator, OperatorEvent

from .conftest import htmx

MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def answering(settings):
    settings.ANSWER_WITHIN = 5 * MINUTE
    settings.AWAY_AFTER_MISSED = 0


@pytest.fixture
def late(answering, bot_with_operators, send, clock):
    """Sales (two operators): one contact passed on, one taken, one new; Solo (one operator): one
    overdue."""
    sales, _ = bot_with_operators(weights=[10, 10])
    solo, _ = bot_with_operators(weights=[10])
    passed_on, overdue = send(sales), send(solo)
    clock.advance(6 * MINUTE)
    routing.pass_on_due()
    taken = send(sales)
    routing.accept_contact(contact=taken)
    new = send(sales)
    return {"passed_on": passed_on, "overdue": overdue, "taken": taken, "new": new}


def test_it_counts_new_overdue_and_passed_on_contacts(manager_client, late):
    html = " ".join(manager_client.get("/").content.decode().split())

    assert "4</span> open" in html
    assert '<a href="/contacts/?status=new"> <span class="number">3</span> not taken yet' in html
    assert (
        '<div class="stat warn"><a href="/contacts/?status=overdue"> <span class="number">1</span> overdue'
        in html
    )
    assert "1</span> passed on today" in html


def test_a_deadline_passed_is_overdue_before_the_sweep_sees_it(manager_client, late, clock):
    clock.advance(6 * MINUTE)

    html = manager_client.get("/", **htmx("counts")).content.decode()

    assert '<span class="number">3</span> overdue' in html


@pytest.mark.parametrize(
    ("status", "shown"), [("new", ["passed_on", "overdue", "new"]), ("overdue", ["overdue"])]
)
def test_the_contacts_list_filters_them(manager_client, late, status, shown):
    response = manager_client.get(f"/contacts/?status={status}")

    listed = [contact.pk for contact in response.context["page"]]
    assert sorted(listed) == sorted(late[name].pk for name in shown)
    html = response.content.decode()
    assert f'<option value="{status}" selected>' in html
    expected_badge = "overdue" if status == "overdue" else "not taken yet"
    assert f'<span class="badge{" warn" if status == "overdue" else ""}">{expected_badge}</span>' in html


@pytest.fixture
def away(answering, settings, bot_with_operators, send, clock):
    """Anna missed a contact, one miss being too many: switched away by the service."""
    settings.AWAY_AFTER_MISSED = 1
    bot, (anna, _boris) = bot_with_operators(weights=[10, 10])
    send(bot)
    clock.advance(6 * MINUTE)
    assert routing.pass_on_due().away == [anna]
    return anna


def test_it_names_the_operators_away_for_misses(manager_client, away, make_operator):
    make_operator(active=False)  # switched off by a manager: not listed there

    html = manager_client.get("/").content.decode()

    section = html.split('id="away-for-misses"')[1].split("</div>")[0]
    assert section.count("<li>") == 1
    assert f'<a href="/operators/{away.pk}/">{away.name}</a>' in section
    assert f'hx-post="/operators/{away.pk}/switch" hx-target="#load"' in section
    assert 'name="is_active" value="on"' in section


def test_switching_one_on_there_answers_with_the_load(manager_client, away):
    response = manager_client.post(f"/operators/{away.pk}/switch", {"is_active": "on"}, **htmx("load"))

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="load"')
    assert "away-for-misses" not in html
    assert f"{away.name} switched on." in html
    operator = Operator.objects.get(pk=away.pk)
    assert (operator.is_active, operator.away_reason) == (True, "")
    assert operator.events.last().kind == OperatorEvent.Kind.ON


def test_switching_one_on_without_javascript_comes_back_to_the_overview(manager_client, away):
    response = manager_client.post(f"/operators/{away.pk}/switch", {"is_active": "on", "next": "/"})

    assert response.url == "/"
    assert Operator.objects.get(pk=away.pk).is_active


def test_nobody_away_for_misses_shows_no_list(manager_client, late):
    assert "away-for-misses" not in manager_client.get("/").content.decode()
