"""Contacts: filters, pages, and closing one (which may assign a waiting one)."""

import datetime

import pytest
from django.utils import timezone

from distribution.models import Contact

from .conftest import htmx


@pytest.fixture
def contacts(bot_with_operators, send):
    sales, (olga,) = bot_with_operators(weights=[10], capacities=[1], name="Sales")
    support, (ivan,) = bot_with_operators(weights=[10], name="Support")
    busy = send(sales)
    waiting = send(sales)
    old = send(support)
    Contact.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=40))
    return {
        "sales": sales,
        "support": support,
        "olga": olga,
        "ivan": ivan,
        "busy": busy,
        "waiting": waiting,
        "old": old,
    }


def shown(response) -> set[int]:
    html = response.content.decode()
    return {int(part.split('"')[0]) for part in html.split('<tr id="contact-')[1:]}


def test_it_lists_every_contact(manager_client, contacts):
    assert shown(manager_client.get("/contacts/")) == {contacts[k].pk for k in ("busy", "waiting", "old")}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "waiting"}, {"waiting"}),
        ({"status": "open"}, {"busy", "old"}),
        ({"bot": "support"}, {"old"}),
        ({"operator": "olga"}, {"busy"}),
        ({"period": "7d"}, {"busy", "waiting"}),
        ({"period": "custom", "start": "2000-01-01", "end": "2100-01-01"}, {"busy", "waiting", "old"}),
    ],
)
def test_it_filters(manager_client, contacts, params, expected):
    query = {
        key: contacts[value].pk if key in ("bot", "operator") else value for key, value in params.items()
    }

    assert shown(manager_client.get("/contacts/", query)) == {contacts[k].pk for k in expected}


def test_a_filter_by_htmx_gets_only_the_results(manager_client, contacts):
    response = manager_client.get("/contacts/", {"status": "open"}, **htmx("contact-results"))

    assert response.content.decode().lstrip().startswith('<section id="contact-results"')


def test_a_bad_filter_says_so_and_shows_nothing(manager_client, contacts):
    response = manager_client.get(
        "/contacts/", {"period": "custom", "start": "2026-02-01", "end": "2026-01-01"}
    )

    assert "The end date is before the start date." in response.content.decode()
    assert shown(response) == set()


def test_it_pages_long_lists(manager_client, bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[])
    for _ in range(55):
        send(bot)

    first = manager_client.get("/contacts/", {"status": "waiting"})
    second = manager_client.get("/contacts/", {"status": "waiting", "page": "2"})

    assert len(shown(first)) == 50
    assert len(shown(second)) == 5
    assert "Page 1 of 2 (55)" in first.content.decode()
    assert 'href="?status=waiting&amp;page=2"' in first.content.decode()


def test_closing_swaps_the_row_and_the_assigned_waiting_one(manager_client, contacts):
    busy, waiting = contacts["busy"], contacts["waiting"]

    response = manager_client.post(f"/contacts/{busy.pk}/close", **htmx())

    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="contact-{busy.pk}">')
    assert f'<tr id="contact-{waiting.pk}" hx-swap-oob="true">' in html
    assert f"Contact #{waiting.pk} from the queue went to {contacts['olga'].name}." in html
    waiting.refresh_from_db()
    assert waiting.status == Contact.Status.OPEN


def test_a_plain_close_goes_back_to_the_filtered_list(manager_client, contacts):
    response = manager_client.post(
        f"/contacts/{contacts['busy'].pk}/close", {"next": "/contacts/?status=open"}
    )

    assert response.status_code == 302
    assert response.url == "/contacts/?status=open"


def test_a_close_never_redirects_off_site(manager_client, contacts):
    response = manager_client.post(
        f"/contacts/{contacts['busy'].pk}/close", {"next": "https://evil.example/"}
    )

    assert response.url == "/contacts/"


def test_closing_without_javascript_asks_first_and_closes_nothing(manager_client, contacts):
    busy = contacts["busy"]

    response = manager_client.get(f"/contacts/{busy.pk}/close", {"next": "/contacts/?status=open"})

    html = response.content.decode()
    assert response.status_code == 200
    assert f"Close contact #{busy.pk} of {busy.lead}? Only a manager can reopen it." in html
    assert f'<form method="post" action="/contacts/{busy.pk}/close">' in html
    assert '<input type="hidden" name="next" value="/contacts/?status=open">' in html
    assert 'href="/contacts/?status=open">Cancel' in html
    busy.refresh_from_db()
    assert busy.status == Contact.Status.OPEN


def test_the_confirmation_page_closes_and_goes_back(manager_client, contacts):
    busy = contacts["busy"]

    response = manager_client.post(f"/contacts/{busy.pk}/close?next=/contacts/%3Fstatus%3Dopen")

    assert response.url == "/contacts/?status=open"
    busy.refresh_from_db()
    assert busy.status == Contact.Status.CLOSED


def test_the_close_button_asks_before_closing(manager_client, contacts):
    busy = contacts["busy"]

    html = manager_client.get("/contacts/").content.decode()

    assert f'hx-confirm="Close contact #{busy.pk} of {busy.lead}? Only a manager can reopen it."' in html
    assert f'<form method="post" action="/contacts/{busy.pk}/close"' in html


def test_it_asks_in_russian_without_javascript_what_the_close_button_asks(manager_client, contacts):
    busy = contacts["busy"]

    listed = manager_client.get("/contacts/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    page = manager_client.get(f"/contacts/{busy.pk}/close", HTTP_ACCEPT_LANGUAGE="ru").content.decode()

    question = f"Закрыть контакт #{busy.pk} ({busy.lead})? Открыть его снова сможет только менеджер."  # noqa: RUF001
    assert f'hx-confirm="{question}"' in listed
    assert question in page
