"""The contacts list downloads as a CSV file for Excel: the rows the list shows on all its pages,
in UTF-8 with a byte order mark and ";" between cells, times in the site's time zone, formulas
made plain text, and a bounded number of queries however many rows."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from distribution import exports, routing
from distribution.models import Contact, Lead
from distribution.views import contacts as contacts_view

from .conftest import ANNA


def rows_of(response) -> list[list[str]]:
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def test_it_exports_a_contact_with_its_lead_bot_operator_and_times(manager_client, contact, settings):
    settings.TIME_ZONE = "Europe/Moscow"
    Contact.objects.filter(pk=contact.pk).update(
        created_at=datetime.datetime(2026, 12, 6, 9, 30, tzinfo=datetime.UTC)
    )

    response = manager_client.get("/contacts/export.csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="contacts-{today}.csv"'
    header, row = rows_of(response)
    assert header == [
        "Contact", "Lead", "External id", "E-mail", "Phone", "Bot", "Operator", "Status", "Message",
        "Created (Europe/Moscow)", "Assigned (Europe/Moscow)", "Taken (Europe/Moscow)",
        "Closed (Europe/Moscow)", "Resolution",
    ]  # fmt: skip
    assert row[:10] == [
        str(contact.pk), "Anna", "tg-5511", "anna@example.com", "'+79991234567", "Telegram Sales", "Olga",
        "Open", "Hi", "2026-12-06 12:30:00",
    ]  # fmt: skip


def test_it_speaks_the_pages_language(manager_client, contact):
    response = manager_client.get("/contacts/export.csv", HTTP_ACCEPT_LANGUAGE="ru")

    header, row = rows_of(response)
    assert header[:3] == ["Контакт", "Лид", "Внешний ID"]
    assert row[7] == "Открыт"


def test_it_exports_the_rows_of_every_page_of_the_list(manager_client, bot_with_operators, send, monkeypatch):
    monkeypatch.setattr(contacts_view, "PAGE_SIZE", 2)
    bot, _ = bot_with_operators(weights=[])
    other, _ = bot_with_operators(weights=[10])
    send(other)
    waiting = [send(bot) for _ in range(5)]
    query = f"?status=waiting&bot={bot.pk}&period=today"

    listed = []
    for page in (1, 2, 3):
        html = manager_client.get(f"/contacts/{query}&page={page}").content.decode()
        listed += [int(part.split('"')[0]) for part in html.split('<tr id="contact-')[1:]]
    exported = [int(row[0]) for row in rows_of(manager_client.get(f"/contacts/export.csv{query}"))[1:]]

    assert exported == listed == [contact.pk for contact in reversed(waiting)]


def test_the_list_links_to_the_export_with_its_filters(manager_client, bot_with_operators):
    bot, _ = bot_with_operators(weights=[])

    html = manager_client.get(f"/contacts/?status=waiting&bot={bot.pk}").content.decode()

    assert f'href="/contacts/export.csv?status=waiting&amp;bot={bot.pk}"' in html


def test_it_shows_a_cyrillic_email_domain_in_unicode(manager_client, bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])
    send(bot, lead=routing.LeadIdentity(email="ivan@пример.рф"))

    (_header, row) = rows_of(manager_client.get("/contacts/export.csv"))

    assert row[1] == row[3] == "ivan@пример.рф"


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1"])
def test_it_makes_formulas_plain_text(manager_client, bot_with_operators, send, text):
    bot, _ = bot_with_operators(weights=[10])
    contact = send(bot, message=text)
    Lead.objects.filter(pk=contact.lead_id).update(name=text)

    (_header, row) = rows_of(manager_client.get("/contacts/export.csv"))

    assert row[1] == row[8] == "'" + text


@pytest.mark.parametrize(
    "query", ["?start=2026-01-05&end=2026-01-01", "?bot=nothing", "?status=lost", "?period=forever"]
)
def test_it_says_what_is_wrong_with_a_filter(manager_client, query):
    response = manager_client.get(f"/contacts/export.csv{query}")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "Fix the filter:" in response.content.decode()


def test_it_makes_as_many_queries_for_many_rows_as_for_few(
    manager_client, bot_with_operators, send, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)
    bot, _ = bot_with_operators(weights=[10])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            rows_of(manager_client.get("/contacts/export.csv"))
        return len(captured)

    send(bot)
    few = queries()
    for _ in range(9):
        send(bot)

    # The session, the user and its permissions are 4; the contacts one.
    with django_assert_max_num_queries(5):
        rows_of(manager_client.get("/contacts/export.csv"))
    assert queries() == few


def test_an_empty_list_gives_its_headers_only(manager_client, db):
    assert len(rows_of(manager_client.get("/contacts/export.csv?status=closed"))) == 1


def test_anna_is_named_as_on_the_page(manager_client, bot_and_token):
    bot, _ = bot_and_token
    routing.register_contact(bot=bot, identity=routing.LeadIdentity(external_id=ANNA.external_id))

    (_header, row) = rows_of(manager_client.get("/contacts/export.csv"))

    assert row[1] == row[2] == "tg-5511"
    assert row[6] == ""  # waiting: no operator
