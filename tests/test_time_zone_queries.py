"""Reading a login's zone costs a page no query (the session has it), and the bots' API neither
looks for it nor reads a session."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from distribution.models import LoginSettings
from distribution.time_zones import SESSION_KEY


def queries_of(client, url: str, **extra) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def reading(table: str, queries: list[str]) -> list[str]:
    return [sql for sql in queries if f'"{table}"' in sql]


def test_a_page_reads_the_zone_from_the_session(client, manager):
    LoginSettings.objects.create(user=manager, time_zone="Asia/Tokyo")
    client.force_login(manager)

    assert reading("distribution_loginsettings", queries_of(client, "/contacts/")) == []


def test_a_session_from_before_zones_looks_it_up_once(client, manager):
    LoginSettings.objects.create(user=manager, time_zone="Asia/Tokyo")
    client.force_login(manager)
    session = client.session
    del session[SESSION_KEY]
    session.save()

    first, second = queries_of(client, "/contacts/"), queries_of(client, "/contacts/")

    assert len(reading("distribution_loginsettings", first)) == 1
    assert reading("distribution_loginsettings", second) == []
    assert "Time: Asia/Tokyo" in client.get("/contacts/").content.decode()


def test_the_api_reads_neither_the_zone_nor_the_session(client, manager, contact, bot_and_token):
    _bot, token = bot_and_token
    LoginSettings.objects.create(user=manager, time_zone="Asia/Tokyo")
    client.force_login(manager)  # a browser that also calls the API keeps its cookie

    queries = queries_of(client, f"/api/contacts/{contact.pk}", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert reading("distribution_loginsettings", queries) == []
    assert reading("django_session", queries) == []
