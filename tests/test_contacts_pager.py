"""The contacts page counts the matching contacts up to a cap and no further: beyond it the pager
says "more than" and still pages on, the filters still apply, and the queries stay as many."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from distribution.models import Contact, Lead
from distribution.views import contacts as contacts_view


@pytest.fixture
def small_pages(monkeypatch):
    """Pages of 2 contacts, counted up to 5."""
    monkeypatch.setattr(contacts_view, "PAGE_SIZE", 2)
    monkeypatch.setattr(contacts_view, "COUNT_CAP", 5)


@pytest.fixture
def waiting(bot_with_operators, send):
    """8 waiting contacts of a bot nobody answers for, and 1 open one of another bot."""
    bot, _ = bot_with_operators(weights=[])
    other, _ = bot_with_operators(weights=[10])
    send(other)
    return [send(bot) for _ in range(8)]


def shown(response) -> list[int]:
    html = response.content.decode()
    return [int(part.split('"')[0]) for part in html.split('<tr id="contact-')[1:]]


def newest_first(contacts) -> list[int]:
    return sorted((contact.pk for contact in contacts), reverse=True)


def test_it_counts_no_further_than_the_cap(manager_client, small_pages, waiting):
    with CaptureQueriesContext(connection) as captured:
        response = manager_client.get("/contacts/", {"status": "waiting"})

    html = response.content.decode()
    assert "Page 1 (more than 5)" in html
    assert 'href="?status=waiting&amp;page=2"' in html
    assert shown(response) == newest_first(waiting)[:2]
    (count,) = [query["sql"] for query in captured if "COUNT(" in query["sql"]]
    assert "LIMIT 6" in count


def test_it_pages_on_beyond_the_cap(manager_client, small_pages, waiting):
    third = manager_client.get("/contacts/", {"status": "waiting", "page": "3"})
    last = manager_client.get("/contacts/", {"status": "waiting", "page": "4"})

    assert shown(third) == newest_first(waiting)[4:6]
    assert 'href="?status=waiting&amp;page=4"' in third.content.decode()
    assert shown(last) == newest_first(waiting)[6:8]
    assert "Page 4 (more than 5)" in last.content.decode()
    assert "page=5" not in last.content.decode()
    assert 'href="?status=waiting&amp;page=3"' in last.content.decode()


def test_a_page_past_the_end_is_empty_and_leads_back(manager_client, small_pages, waiting):
    response = manager_client.get("/contacts/", {"status": "waiting", "page": "9"})

    assert response.status_code == 200
    assert shown(response) == []
    assert 'href="?status=waiting&amp;page=8"' in response.content.decode()


@pytest.mark.parametrize("number", ["0", "-3", "x", str(10**30)])
def test_a_page_that_is_no_page_number_beyond_the_cap_is_the_first(
    manager_client, small_pages, waiting, number
):
    response = manager_client.get("/contacts/", {"status": "waiting", "page": number})

    assert shown(response) == newest_first(waiting)[:2]
    assert "Page 1 (more than 5)" in response.content.decode()


def test_it_counts_exactly_up_to_the_cap(manager_client, small_pages, bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[])
    for _ in range(5):
        send(bot)

    response = manager_client.get("/contacts/")

    assert "Page 1 of 3 (5)" in response.content.decode()


def test_the_filters_apply_beyond_the_cap(manager_client, small_pages, waiting):
    bot = waiting[0].bot
    response = manager_client.get("/contacts/", {"bot": bot.pk, "page": "2"})

    assert shown(response) == newest_first(waiting)[2:4]
    assert f'href="?bot={bot.pk}&amp;page=3"' in response.content.decode()


def test_a_capped_page_makes_as_many_queries_as_a_counted_one(
    manager_client, small_pages, waiting, django_assert_num_queries
):
    # session, user, the user's and its groups' permissions, the filter's bots and operators,
    # the count, the page
    with django_assert_num_queries(8):
        manager_client.get("/contacts/", {"page": "2"})
    with django_assert_num_queries(8):
        manager_client.get("/contacts/", {"status": "open"})


@pytest.mark.parametrize(
    ("language", "text"), [("ru", "Страница 1 (более 1\xa0000)"), ("en", "Page 1 (more than 1,000)")]
)
def test_it_says_more_than_in_the_reader_s_language(
    manager_client, monkeypatch, bot_with_operators, language, text
):
    monkeypatch.setattr(contacts_view, "COUNT_CAP", 1000)
    bot, _ = bot_with_operators(weights=[])
    lead = Lead.objects.create(name="Anna", external_id="anna")
    Contact.objects.bulk_create(
        Contact(lead=lead, bot=bot, status=Contact.Status.WAITING) for _ in range(1001)
    )

    html = manager_client.get("/contacts/", HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert text in html
    if language == "ru":
        assert "more than" not in html
