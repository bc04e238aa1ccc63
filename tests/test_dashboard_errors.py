"""What the dashboard answers to input it cannot use, and while the database is unavailable:
a form error, a 404 or a 503 page, never a 500."""

from unittest import mock

import pytest
from django.db import OperationalError, connection

from distribution.models import Bot

from .conftest import htmx

TOO_BIG_FOR_ANY_ID = 2**63  # one more than the largest id either database can hold


@pytest.mark.parametrize("page", ["/report/", "/contacts/"])
@pytest.mark.parametrize(("start", "end"), [("9999-12-31", "9999-12-31"), ("0001-01-01", "0001-01-01")])
def test_it_refuses_dates_at_the_ends_of_the_calendar_with_a_form_error(
    manager_client, settings, page, start, end
):
    settings.TIME_ZONE = "Asia/Tokyo"  # ahead of UTC: the first day's midnight is in year 0 in UTC

    response = manager_client.get(page, {"start": start, "end": end})

    assert response.status_code == (422 if page == "/report/" else 200)
    assert "Choose a date between" in response.content.decode()


def test_it_still_reports_a_custom_period(manager_client):
    response = manager_client.get("/report/", {"start": "2026-01-01", "end": "2026-01-31"})

    assert response.status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        f"/bots/1/operators/{TOO_BIG_FOR_ANY_ID}/weight",
        f"/bots/{TOO_BIG_FOR_ANY_ID}/operators/1/weight",
        f"/operators/{TOO_BIG_FOR_ANY_ID}/switch",
        f"/contacts/{TOO_BIG_FOR_ANY_ID}/close",
        f"/leads/{10**40}/merge",
    ],
)
def test_it_answers_404_for_an_id_no_database_can_hold(manager_client, url):
    response = manager_client.post(url, {"weight": "5"})

    assert response.status_code == 404


def test_it_still_finds_the_largest_id(manager_client, bot_with_operators):
    bot, _ = bot_with_operators(weights=[])
    largest = 2**63 - 1

    response = manager_client.post(f"/bots/{bot.pk}/operators/{largest}/weight", {"weight": "5"})

    assert response.status_code == 404  # matched the route, found no such operator


@pytest.mark.parametrize("query", ["\x00", "anna\x00", "+7 916\x00"])
def test_it_refuses_a_search_with_a_nul_character(manager_client, query):
    response = manager_client.get("/leads/", {"q": query})

    assert response.status_code == 422
    assert "Null characters are not allowed." in response.content.decode()


def test_an_htmx_search_with_a_nul_character_gets_the_error_in_place(manager_client):
    response = manager_client.get("/leads/", {"q": "\x00"}, **htmx("lead-results"))

    assert response.status_code == 422
    assert response.content.decode().lstrip().startswith('<section id="lead-results"')


def test_it_cuts_a_long_name_into_a_slug_that_fits_and_is_free(manager_client):
    # Two names alike in their first 100 characters: cut, their slugs would be the same.
    names = ["b" * 199 + "1", "b" * 199 + "2"]

    for name in names:
        manager_client.post("/bots/", {"name": name})

    first, second = Bot.objects.order_by("pk")
    assert (first.name, second.name) == tuple(names)
    assert first.slug == "b" * 100
    assert second.slug == "b" * 98 + "-2"


def test_it_still_refuses_a_slug_typed_by_hand_that_is_taken(manager_client):
    manager_client.post("/bots/", {"name": "Sales"})

    response = manager_client.post("/bots/", {"name": "Other", "slug": "sales"})

    assert response.status_code == 422
    assert Bot.objects.count() == 1


def test_it_refuses_a_name_longer_than_the_field(manager_client):
    response = manager_client.post("/bots/", {"name": "b" * 201})

    assert response.status_code == 422
    assert "at most 200 characters" in response.content.decode()
    assert not Bot.objects.exists()


# The database unavailable ------------------------------------------------------------------------


def database_locked(*args, **kwargs):
    raise OperationalError("database is locked")


def test_it_answers_a_503_page_while_the_database_is_unavailable(manager_client):
    with mock.patch("distribution.selectors.operators_with_load", database_locked):
        response = manager_client.get("/operators/")

    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert response["Content-Type"].startswith("text/html")
    assert "The database is busy" in response.content.decode()


def test_an_htmx_action_gets_the_error_in_the_messages_area(manager_client, make_operator):
    operator = make_operator(active=False)

    with mock.patch("distribution.routing.set_operator_active", database_locked):
        response = manager_client.post(
            f"/operators/{operator.pk}/switch", {"is_active": "on"}, **htmx(f"operator-{operator.pk}")
        )

    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert response["HX-Retarget"] == "#messages"
    assert response["HX-Reswap"] == "innerHTML"
    html = response.content.decode()
    assert html.lstrip().startswith('<p class="message error">')
    assert "The database is busy" in html


def test_it_answers_503_when_the_database_cannot_even_load_the_session(manager_client):
    # Nothing of the page may need the database: not the user, not the messages.
    with mock.patch.object(connection, "cursor", database_locked):
        response = manager_client.get("/")

    assert response.status_code == 503
    assert "The database is busy" in response.content.decode()


def test_htmx_is_told_to_swap_a_503(client):
    html = client.get("/login/").content.decode()

    assert '{"code": "503", "swap": true, "error": true}' in html


@pytest.mark.parametrize("next_page", ["1", "contacts", "overview"])
def test_it_goes_back_to_the_contacts_when_next_is_not_a_path(
    manager_client, bot_with_operators, send, next_page
):
    bot, _ = bot_with_operators(weights=[10])
    contact = send(bot)

    response = manager_client.post(f"/contacts/{contact.pk}/close", {"next": next_page})

    assert response.status_code == 302
    assert response["Location"] == "/contacts/"
