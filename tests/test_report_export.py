"""The report downloads as a CSV file for Excel: its period and bot, the shares, the response
times and the closes, with the page's words, in a bounded number of queries."""

import csv
import io

import pytest
from django.utils import timezone

from distribution import routing

from .test_contacts_export import rows_of


@pytest.fixture
def sales(bot_with_operators, send):
    """Sales (light 10, heavy 30): 4 contacts each way round, one closed; Support with none."""
    sales, (light, heavy) = bot_with_operators(weights=[10, 30], name="Sales")
    bot_with_operators(weights=[10], name="Support")
    contacts = [send(sales) for _ in range(4)]
    routing.close_contact(contact=contacts[0], by=None, note="")
    return sales, light, heavy


def test_it_exports_the_reports_tables(manager_client, sales):
    bot, light, heavy = sales
    today = timezone.localdate().isoformat()

    response = manager_client.get("/report/export.csv?period=today")

    assert response["Content-Disposition"] == f'attachment; filename="report-{today}-{today}.csv"'
    rows = rows_of(response)
    assert rows[0] == ["Distribution report", today, today, "All bots"]
    assert rows[2] == ["Bot", "Operator", "Weight", "Weight share, %", "Actual share, %", "Contacts"]
    assert [bot.name, light.name, "10", "25.0", "25.0", "1"] in rows
    assert [bot.name, heavy.name, "30", "75.0", "75.0", "3"] in rows
    assert ["Operator", "Assigned", "Taken", "Missed"] in [row[:4] for row in rows]
    assert ["Total", "4"] in [row[:2] for row in rows]
    assert rows[-2:] == [["Closed", "Contacts"], ["by a manager", "1"]]


def test_it_exports_one_bot_and_names_it(manager_client, sales):
    bot, _light, _heavy = sales

    response = manager_client.get(f"/report/export.csv?bot={bot.pk}&period=7d")

    assert response["Content-Disposition"].startswith(f'attachment; filename="report-{bot.slug}-')
    rows = rows_of(response)
    assert rows[0][3] == "Sales"
    assert "Support" not in {row[0] for row in rows if row}


def test_it_writes_shares_with_the_languages_decimal_comma(manager_client, sales):
    rows = rows_of(manager_client.get("/report/export.csv", HTTP_ACCEPT_LANGUAGE="ru"))

    assert rows[0][0] == "Отчёт о распределении"  # noqa: RUF001
    assert ["Sales", sales[1].name, "10", "25,0", "25,0", "1"] in rows


def test_the_report_links_to_the_export_with_its_period(manager_client, sales):
    html = manager_client.get(f"/report/?bot={sales[0].pk}&period=30d").content.decode()

    assert f'href="/report/export.csv?bot={sales[0].pk}&amp;period=30d"' in html


@pytest.mark.parametrize("query", ["?start=2026-01-05&end=2026-01-01", "?bot=nothing", "?bot=99999"])
def test_it_says_what_is_wrong_with_the_period_or_bot(manager_client, sales, query):
    response = manager_client.get(f"/report/export.csv{query}")

    assert response.status_code == 422
    assert response["Content-Type"].startswith("text/html")
    assert '<p class="error">' in response.content.decode()


def test_it_makes_a_bounded_number_of_queries(manager_client, sales, django_assert_max_num_queries):
    # As the page: 4 for the login, the bots, the report's shares, the closes, the response times.
    with django_assert_max_num_queries(12):
        content = b"".join(manager_client.get("/report/export.csv?period=30d").streaming_content)

    assert list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
