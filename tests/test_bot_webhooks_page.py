"""A bot's webhook on its page: URL and events, the secret shown once (when made, when rotated),
sending on and off, removal, and the last deliveries with re-send; each action with htmx and
without JavaScript."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from distribution import webhooks
from distribution.models import Webhook, WebhookDelivery

from .conftest import htmx
from .test_roles import permission_of

EVENTS = ["contact.assigned", "contact.closed"]


def secret_in(html: str) -> str:
    return html.split('id="secret-value" class="token-value" type="text" readonly value="')[1].split('"')[0]


@pytest.fixture
def bot(bot_with_operators):
    bot, _ = bot_with_operators(weights=[10], name="Telegram Sales")
    return bot


@pytest.fixture
def webhook(bot):
    webhooks.save_webhook(bot=bot, url="https://hooks.example.com/minicrm", events=EVENTS)
    return Webhook.objects.get(bot=bot)


def add(client, bot, **headers):
    data = {"url": "https://hooks.example.com/minicrm", "events": EVENTS}
    return client.post(f"/bots/{bot.pk}/webhook", data, **headers)


# The page


def test_it_offers_to_add_a_webhook(manager_client, bot):
    html = manager_client.get(f"/bots/{bot.pk}/").content.decode()

    assert '<div id="webhook">' in html
    assert "Add webhook" in html
    assert 'value="contact.waiting"' in html
    assert "Last deliveries" not in html


def test_it_shows_the_webhook_without_its_secret(manager_client, webhook):
    html = manager_client.get(f"/bots/{webhook.bot_id}/").content.decode()

    assert 'value="https://hooks.example.com/minicrm"' in html
    assert 'value="contact.assigned" checked' in html.replace('id="id_events_0" ', "")
    assert webhook.secret not in html
    assert "secret-value" not in html
    assert "Nothing sent yet." in html


def test_it_serves_the_webhook_section_alone_to_htmx(manager_client, webhook):
    html = manager_client.get(f"/bots/{webhook.bot_id}/", **htmx("webhook")).content.decode()

    assert html.lstrip().startswith('<div id="webhook">')
    assert "<h1" not in html


# Adding and saving


def test_it_adds_a_webhook_and_shows_its_secret_once(manager_client, bot):
    response = add(manager_client, bot)

    assert response.status_code == 200
    webhook = Webhook.objects.get(bot=bot)
    html = response.content.decode()
    assert '<h1 id="bot-heading">Telegram Sales</h1>' in html  # the whole page, without JavaScript
    assert secret_in(html) == webhook.secret
    assert webhook.secret.startswith("whsec_")
    assert (webhook.url, webhook.events, webhook.is_active) == (
        "https://hooks.example.com/minicrm",
        EVENTS,
        True,
    )
    assert webhook.secret not in manager_client.get(f"/bots/{bot.pk}/").content.decode()


def test_it_adds_a_webhook_with_htmx(manager_client, bot):
    response = add(manager_client, bot, **htmx("webhook"))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="webhook">')
    assert secret_in(html) == Webhook.objects.get(bot=bot).secret
    assert 'data-copy="#secret-value"' in html
    assert "shown only once" in html.split('id="messages"')[1]


@pytest.mark.parametrize("headers", [{}, htmx("webhook")], ids=["plain", "htmx"])
def test_it_saves_the_url_and_events_and_keeps_the_secret(manager_client, webhook, headers):
    data = {"url": "https://other.example.com/in", "events": ["contact.waiting"]}

    response = manager_client.post(f"/bots/{webhook.bot_id}/webhook", data, **headers)

    secret = webhook.secret
    webhook.refresh_from_db()
    assert (webhook.url, webhook.events, webhook.secret) == (
        "https://other.example.com/in",
        ["contact.waiting"],
        secret,
    )
    assert secret not in response.content.decode()
    if headers:
        assert response.status_code == 200
        assert "secret-value" not in response.content.decode()
    else:
        assert response.status_code == 302
        assert response.url == f"/bots/{webhook.bot_id}/"


def test_it_stores_the_events_in_their_own_order(manager_client, bot):
    manager_client.post(
        f"/bots/{bot.pk}/webhook",
        {
            "url": "https://hooks.example.com/",
            "events": ["contact.closed", "contact.assigned", "contact.closed"],
        },
    )

    assert Webhook.objects.get().events == ["contact.assigned", "contact.closed"]


REFUSED = [
    pytest.param({"url": "not a url", "events": EVENTS}, "Enter a valid URL.", id="not-a-url"),
    pytest.param({"url": "", "events": EVENTS}, "This field is required.", id="no-url"),
    pytest.param(
        {"url": "http://hooks.example.com/", "events": EVENTS}, "must start with https://", id="http"
    ),
    pytest.param({"url": "ftp://hooks.example.com/", "events": EVENTS}, "must start with https://", id="ftp"),
    pytest.param({"url": "https://127.0.0.1/hook", "events": EVENTS}, "public address", id="loopback"),
    pytest.param({"url": "https://10.0.0.7/hook", "events": EVENTS}, "public address", id="private"),
    pytest.param({"url": "https://169.254.169.254/", "events": EVENTS}, "public address", id="metadata"),
    pytest.param({"url": "https://localhost:8000/", "events": EVENTS}, "public address", id="localhost"),
    pytest.param({"url": "https://hooks.example.com/"}, "Choose at least one event.", id="no-event"),
    pytest.param(
        {"url": "https://hooks.example.com/", "events": ["contact.created"]},
        "Select a valid choice.",
        id="unknown-event",
    ),
    pytest.param(
        {"url": "https://hooks.example.com/" + "a" * 2000, "events": EVENTS}, "at most 2000", id="long"
    ),
]


@pytest.mark.parametrize(("data", "error"), REFUSED)
def test_it_refuses_a_bad_webhook_without_javascript(manager_client, bot, settings, data, error):
    settings.WEBHOOK_ALLOW_PRIVATE = False

    response = manager_client.post(f"/bots/{bot.pk}/webhook", data)

    html = response.content.decode()
    assert response.status_code == 422
    assert '<h1 id="bot-heading">Telegram Sales</h1>' in html
    assert error in html
    assert f'value="{data["url"]}"' in html  # what was typed stays
    assert not Webhook.objects.exists()


@pytest.mark.parametrize(("data", "error"), REFUSED)
def test_it_refuses_a_bad_webhook_with_htmx(manager_client, webhook, settings, data, error):
    settings.WEBHOOK_ALLOW_PRIVATE = False

    response = manager_client.post(f"/bots/{webhook.bot_id}/webhook", data, **htmx("webhook"))

    html = response.content.decode()
    assert response.status_code == 422
    assert html.lstrip().startswith('<div id="webhook">')
    assert error in html
    assert Webhook.objects.get().url == "https://hooks.example.com/minicrm"


def test_it_allows_http_and_private_addresses_when_told_to(manager_client, bot, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True

    response = manager_client.post(
        f"/bots/{bot.pk}/webhook", {"url": "http://127.0.0.1:9000/", "events": EVENTS}
    )

    assert response.status_code == 200
    assert Webhook.objects.get().url == "http://127.0.0.1:9000/"


# Rotating the secret


def test_it_asks_before_rotating_the_secret_without_javascript(manager_client, webhook):
    response = manager_client.get(f"/bots/{webhook.bot_id}/webhook/rotate-secret")

    html = response.content.decode()
    assert f'<form method="post" action="/bots/{webhook.bot_id}/webhook/rotate-secret">' in html
    assert "Rotate secret" in html
    assert Webhook.objects.get().secret == webhook.secret


@pytest.mark.parametrize("headers", [{}, htmx("webhook")], ids=["plain", "htmx"])
def test_it_rotates_the_secret_and_shows_the_new_one_once(manager_client, webhook, headers):
    old = webhook.secret

    response = manager_client.post(f"/bots/{webhook.bot_id}/webhook/rotate-secret", **headers)

    html = response.content.decode()
    webhook.refresh_from_db()
    assert response.status_code == 200
    assert webhook.secret != old
    assert secret_in(html) == webhook.secret
    assert old not in html
    assert html.lstrip().startswith('<div id="webhook">') == bool(headers)
    assert webhook.secret not in manager_client.get(f"/bots/{webhook.bot_id}/").content.decode()


def test_it_rotates_nothing_on_a_bot_without_webhook(manager_client, bot):
    assert manager_client.get(f"/bots/{bot.pk}/webhook/rotate-secret").status_code == 404
    assert manager_client.post(f"/bots/{bot.pk}/webhook/rotate-secret").status_code == 404


# Sending on and off


@pytest.mark.parametrize("headers", [{}, htmx("webhook")], ids=["plain", "htmx"])
def test_it_switches_sending_off(manager_client, webhook, headers):
    response = manager_client.post(f"/bots/{webhook.bot_id}/webhook/switch", {"is_active": "off"}, **headers)

    webhook.refresh_from_db()
    assert not webhook.is_active
    if headers:
        html = response.content.decode()
        assert 'aria-pressed="false"><span class="visually-hidden">Sending</span>' in html
    else:
        assert response.status_code == 302


def test_it_says_why_sending_stopped_by_itself_and_forgets_it_when_switched_on(manager_client, webhook):
    reason = "The receiver answered 410 Gone on 2026-11-28."
    Webhook.objects.filter(pk=webhook.pk).update(is_active=False, disabled_reason=reason)

    page = manager_client.get(f"/bots/{webhook.bot_id}/").content.decode()
    response = manager_client.post(
        f"/bots/{webhook.bot_id}/webhook/switch", {"is_active": "on"}, **htmx("webhook")
    )

    assert f"Switched off by itself: {reason}" in page
    webhook.refresh_from_db()
    assert (webhook.is_active, webhook.disabled_reason) == (True, "")
    assert "Switched off by itself" not in response.content.decode()


# Removing


def test_it_asks_before_removing_without_javascript(manager_client, webhook):
    response = manager_client.get(f"/bots/{webhook.bot_id}/webhook/remove")

    assert f'<form method="post" action="/bots/{webhook.bot_id}/webhook/remove">' in response.content.decode()
    assert Webhook.objects.exists()


@pytest.mark.parametrize("headers", [{}, htmx("webhook")], ids=["plain", "htmx"])
def test_it_removes_the_webhook_and_its_deliveries(manager_client, webhook, send, make_delivery, headers):
    make_delivery(send(webhook.bot))

    response = manager_client.post(f"/bots/{webhook.bot_id}/webhook/remove", **headers)

    assert not Webhook.objects.exists()
    assert not WebhookDelivery.objects.exists()
    if headers:
        html = response.content.decode()
        assert "Add webhook" in html
        assert "Last deliveries" not in html
    else:
        assert response.url == f"/bots/{webhook.bot_id}/"


def test_it_removes_nothing_on_a_bot_without_webhook(manager_client, bot):
    assert manager_client.post(f"/bots/{bot.pk}/webhook/remove").status_code == 404
    assert manager_client.post(f"/bots/{bot.pk}/webhook/switch", {"is_active": "on"}).status_code == 404


# The last deliveries


def test_it_lists_the_last_twenty_deliveries_newest_first(manager_client, webhook, send, make_delivery):
    contact = send(webhook.bot)
    # Only the deliveries made below: not the one the intake just wrote.
    WebhookDelivery.objects.all().delete()
    start = timezone.now() - datetime.timedelta(hours=1)
    deliveries = [
        make_delivery(contact, created_at=start + datetime.timedelta(minutes=n), attempts=n)
        for n in range(25)
    ]

    html = manager_client.get(f"/bots/{webhook.bot_id}/").content.decode()

    shown = [delivery.pk for delivery in deliveries if f'id="delivery-{delivery.pk}"' in html]
    assert shown == [delivery.pk for delivery in deliveries[5:]]
    assert html.index(f'id="delivery-{deliveries[-1].pk}"') < html.index(f'id="delivery-{deliveries[5].pk}"')
    assert f'<a href="/contacts/{contact.pk}/">#{contact.pk}</a>' in html


def test_it_shows_how_each_delivery_went(manager_client, webhook, send, make_delivery):
    contact = send(webhook.bot)
    due = timezone.now() + datetime.timedelta(minutes=5)
    make_delivery(contact, attempts=3, response_status=503, next_attempt_at=due)
    make_delivery(
        contact, event="contact.closed", attempts=2, last_error="Connection refused", status="failed"
    )
    make_delivery(contact, attempts=1, response_status=204, status="delivered")

    html = manager_client.get(f"/bots/{webhook.bot_id}/").content.decode()

    assert "HTTP 503" in html
    assert timezone.localtime(due).strftime("%Y-%m-%d %H:%M:%S") in html
    assert "Connection refused" in html
    assert '<span class="status failed">Failed</span>' in html
    assert "HTTP 204" in html
    assert "<code>contact.closed</code>" in html


def test_it_shows_no_other_bots_deliveries(manager_client, webhook, bot_with_operators, send, make_delivery):
    other_bot, _ = bot_with_operators(weights=[10])
    theirs = make_delivery(send(other_bot))

    html = manager_client.get(f"/bots/{webhook.bot_id}/").content.decode()

    assert f'id="delivery-{theirs.pk}"' not in html


@pytest.mark.parametrize("headers", [{}, htmx()], ids=["plain", "htmx"])
def test_it_resends_a_delivery(manager_client, webhook, send, make_delivery, headers):
    failed = make_delivery(
        send(webhook.bot), status="failed", attempts=17, response_status=500, last_error="HTTP 500"
    )
    before = timezone.now()

    response = manager_client.post(f"/bots/{webhook.bot_id}/deliveries/{failed.pk}/resend", **headers)

    event_id = failed.event_id
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.event_id) == ("pending", 0, event_id)
    assert before <= failed.next_attempt_at <= timezone.now()
    assert failed.claimed_until is None
    if headers:
        html = response.content.decode()
        assert html.lstrip().startswith(f'<tr id="delivery-{failed.pk}">')
        assert '<span class="status pending">Pending</span>' in html
        assert "will be sent again" in html  # the message, swapped in beside the row
    else:
        assert response.status_code == 302
        assert response.url == f"/bots/{webhook.bot_id}/"
        assert "will be sent again" in manager_client.get(response.url).content.decode()


def test_it_says_a_resent_delivery_waits_while_sending_is_off(manager_client, webhook, send, make_delivery):
    delivery = make_delivery(send(webhook.bot), status="failed")
    webhooks.set_webhook_active(webhook=webhook, is_active=False)

    response = manager_client.post(f"/bots/{webhook.bot_id}/deliveries/{delivery.pk}/resend", **htmx())

    assert "will be sent again once sending is switched on" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == "pending"


def test_it_resends_only_through_the_deliveries_bot(
    manager_client, webhook, bot_with_operators, send, make_delivery
):
    other_bot, _ = bot_with_operators(weights=[10])
    theirs = make_delivery(send(other_bot), status="failed")

    response = manager_client.post(f"/bots/{webhook.bot_id}/deliveries/{theirs.pk}/resend")

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "failed"


def test_the_bot_page_makes_as_many_queries_with_many_deliveries(
    manager_client, webhook, send, make_delivery, django_assert_max_num_queries
):
    contacts = [send(webhook.bot) for _ in range(5)]
    for number in range(100):
        make_delivery(contacts[number % 5], response_status=500, next_attempt_at=timezone.now())

    # The 9 of a bot's page (tests/test_query_counts.py) + its webhook + the deliveries.
    with django_assert_max_num_queries(11):
        response = manager_client.get(f"/bots/{webhook.bot_id}/")
    with django_assert_max_num_queries(8):
        manager_client.get(f"/bots/{webhook.bot_id}/", **htmx("webhook"))

    assert response.content.decode().count('<tr id="delivery-') == 20


# Who may


def login_with(client, *codenames: str) -> None:
    user = get_user_model().objects.create_user("clerk")
    user.user_permissions.add(*[permission_of(f"distribution.{codename}") for codename in codenames])
    client.force_login(user)


def test_a_viewer_sees_the_webhook_and_changes_nothing(client, webhook, send, make_delivery):
    delivery = make_delivery(send(webhook.bot), status="failed")
    login_with(client, "view_bot")

    page = client.get(f"/bots/{webhook.bot_id}/")
    refusals = [
        add(client, webhook.bot),
        client.post(f"/bots/{webhook.bot_id}/webhook/switch", {"is_active": "off"}),
        client.post(f"/bots/{webhook.bot_id}/webhook/rotate-secret"),
        client.post(f"/bots/{webhook.bot_id}/webhook/remove"),
        client.post(f"/bots/{webhook.bot_id}/deliveries/{delivery.pk}/resend", **htmx()),
    ]

    assert page.status_code == 200
    assert f'id="delivery-{delivery.pk}"' in page.content.decode()
    assert [response.status_code for response in refusals] == [403] * 5
    assert Webhook.objects.get().secret == webhook.secret
    assert Webhook.objects.get().is_active
    delivery.refresh_from_db()
    assert delivery.status == "failed"


def test_changing_the_webhook_does_not_allow_rotating_its_secret(client, webhook):
    login_with(client, "view_bot", "change_bot")

    response = client.post(f"/bots/{webhook.bot_id}/webhook/rotate-secret")

    assert response.status_code == 403
    assert Webhook.objects.get().secret == webhook.secret


# The services


def test_saving_a_webhook_returns_a_secret_only_when_it_makes_one(bot):
    secret = webhooks.save_webhook(bot=bot, url="https://a.example.com/", events=EVENTS)
    again = webhooks.save_webhook(bot=bot, url="https://b.example.com/", events=["contact.waiting"])

    webhook = Webhook.objects.get()
    assert secret == webhook.secret
    assert again is None
    assert (webhook.url, webhook.events) == ("https://b.example.com/", ["contact.waiting"])
