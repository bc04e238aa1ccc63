"""The leads page counts the matching leads up to a cap and no further, as the contacts page does:
beyond it the pager says "more than" and still pages on, the search still applies, and the queries
stay as many."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from distribution.models import Lead
from distribution.views import leads as leads_view


@pytest.fixture
def small_pages(monkeypatch):
    """Pages of 2 leads, counted up to 5."""
    monkeypatch.setattr(leads_view, "PAGE_SIZE", 2)
    monkeypatch.setattr(leads_view, "COUNT_CAP", 5)


@pytest.fixture
def annas(db):
    """8 leads named Anna, newest first as the page lists them, and one Boris."""
    Lead.objects.create(name="Boris", external_id="boris")
    return [Lead.objects.create(name=f"Anna {n}", external_id=f"anna-{n}") for n in range(8)][::-1]


def shown(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'<span class="muted">#(\d+)</span>', response.content.decode())]


def pks(leads) -> list[int]:
    return [lead.pk for lead in leads]


def test_it_counts_no_further_than_the_cap(manager_client, small_pages, annas):
    with CaptureQueriesContext(connection) as captured:
        response = manager_client.get("/leads/", {"q": "anna"})

    html = response.content.decode()
    assert "Page 1 (more than 5)" in html
    assert 'href="?q=anna&amp;page=2"' in html
    assert shown(response) == pks(annas[:2])
    (count,) = [query["sql"] for query in captured if "LIMIT 6" in query["sql"]]
    assert count.startswith("SELECT COUNT(")
    assert "distribution_contact" not in count  # the leads' own contacts are not counted for the pager


def test_it_pages_on_beyond_the_cap(manager_client, small_pages, annas):
    third = manager_client.get("/leads/", {"q": "anna", "page": "3"})
    last = manager_client.get("/leads/", {"q": "anna", "page": "4"})

    assert shown(third) == pks(annas[4:6])
    assert 'href="?q=anna&amp;page=4"' in third.content.decode()
    assert shown(last) == pks(annas[6:8])
    assert "Page 4 (more than 5)" in last.content.decode()
    assert "page=5" not in last.content.decode()
    assert 'href="?q=anna&amp;page=3"' in last.content.decode()


def test_a_page_past_the_end_is_empty_and_leads_back(manager_client, small_pages, annas):
    response = manager_client.get("/leads/", {"q": "anna", "page": "9"})

    assert response.status_code == 200
    assert shown(response) == []
    assert 'href="?q=anna&amp;page=8"' in response.content.decode()


@pytest.mark.parametrize("number", ["0", "-3", "x", str(10**30)])
def test_a_page_that_is_no_page_number_beyond_the_cap_is_the_first(
    manager_client, small_pages, annas, number
):
    response = manager_client.get("/leads/", {"q": "anna", "page": number})

    assert shown(response) == pks(annas[:2])
    assert "Page 1 (more than 5)" in response.content.decode()


def test_it_counts_exactly_up_to_the_cap(manager_client, small_pages, annas):
    Lead.objects.filter(pk__in=pks(annas[5:])).delete()

    response = manager_client.get("/leads/", {"q": "anna"})

    assert "Page 1 of 3 (5)" in response.content.decode()


def test_a_capped_page_makes_as_many_queries_as_a_counted_one(
    manager_client, small_pages, annas, django_assert_num_queries
):
    # session, user, the user's and its groups' permissions, the count, the page, the leads' bots
    with django_assert_num_queries(7):
        manager_client.get("/leads/", {"page": "2"})
    with django_assert_num_queries(7):
        manager_client.get("/leads/", {"q": "boris"})
