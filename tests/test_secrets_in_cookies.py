"""A bot's token (and its webhook's secret) is shown once, in the response that issues it, and is
found in no cookie and no session row: Django's signed cookies and sessions are readable without
the secret key."""

import base64
import binascii
import zlib

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.sessions.models import Session
from django.http import HttpResponse

from distribution import logins, signatures, tokens, webhooks
from distribution.models import Webhook

from .conftest import htmx


def readable(value: str) -> list[str]:
    """The value, and what each of its ':'-separated parts decodes to as Django's signing writes
    them (URL-safe base64, zlib-compressed when it starts with a dot): no key needed."""
    texts = [value]
    for part in value.split(":"):
        compressed = part.startswith(".")
        try:
            data = base64.urlsafe_b64decode(part.removeprefix(".") + "=" * (-len(part.removeprefix(".")) % 4))
            if compressed:
                data = zlib.decompress(data)
        except (binascii.Error, ValueError, zlib.error):
            continue
        texts.append(data.decode("utf-8", "replace"))
    return texts


def cookie_texts(response: HttpResponse) -> list[str]:
    texts = [response.cookies.output()]
    for morsel in response.cookies.values():
        texts += readable(morsel.value)
    return texts


def session_texts() -> list[str]:
    texts = []
    for session in Session.objects.all():
        texts += [*readable(session.session_data), repr(session.get_decoded())]
    return texts


def recorded(monkeypatch, module, name: str) -> list[str]:
    """Every value `module.name` (a maker of secrets) returns during the test."""
    made = []
    make = getattr(module, name)

    def recording(*args) -> str:
        made.append(make(*args))
        return made[-1]

    monkeypatch.setattr(module, name, recording)
    return made


def assert_shown_once_and_kept_out(secret: str, response, following, stored: list[str]) -> None:
    """The answer shows `secret` in its field; no cookie, no session (`stored` then, now) and not
    the page that follows hold it."""
    for text in cookie_texts(response) + cookie_texts(following) + stored + session_texts():
        assert secret not in text
    assert response.status_code == 200
    assert f'value="{secret}"' in response.content.decode()
    assert secret not in following.content.decode()


@pytest.fixture
def issued(monkeypatch):
    """Every token issued during the test, however the page shows it (or fails to)."""
    return recorded(monkeypatch, tokens, "issue_token")


@pytest.fixture
def superuser_client(client, db):
    client.force_login(get_user_model().objects.create_superuser("admin", password="admin-password"))
    return client


def admin_add(client, bot):
    data = {"name": "Viber Sales", "slug": "viber-sales", "links-TOTAL_FORMS": 0, "links-INITIAL_FORMS": 0}
    return client.post("/admin/distribution/bot/add/", data)


def admin_rotate(client, bot):
    return client.post("/admin/distribution/bot/", {"action": "rotate_tokens", "_selected_action": [bot.pk]})


def dashboard_add(client, bot):
    return client.post("/bots/", {"name": "Viber Sales", "slug": "viber-sales"})


def dashboard_rotate(client, bot):
    return client.post(f"/bots/{bot.pk}/rotate-token")


def dashboard_rotate_htmx(client, bot):
    return client.post(f"/bots/{bot.pk}/rotate-token", **htmx("token"))


# Each flow that shows a token, and the page a manager sees next (where messages are shown).
FLOWS = [
    pytest.param(admin_add, "/admin/distribution/bot/", id="admin-add"),
    pytest.param(admin_rotate, "/admin/distribution/bot/", id="admin-rotate"),
    pytest.param(dashboard_add, "/bots/", id="dashboard-add"),
    pytest.param(dashboard_rotate, "/bots/", id="dashboard-rotate"),
    pytest.param(dashboard_rotate_htmx, "/bots/", id="dashboard-rotate-htmx"),
]


@pytest.fixture
def old_bot(db):
    bot, _token = tokens.create_bot(name="Telegram Sales")
    return bot


@pytest.mark.parametrize(("flow", "next_page"), FLOWS)
def test_it_keeps_new_tokens_out_of_cookies_and_sessions(superuser_client, old_bot, issued, flow, next_page):
    response = flow(superuser_client, old_bot)
    following = superuser_client.get(next_page, follow=True)

    (token,) = issued
    for text in cookie_texts(response) + cookie_texts(following) + session_texts():
        assert token not in text


@pytest.mark.parametrize(("flow", "next_page"), FLOWS)
def test_it_shows_each_new_token_once(superuser_client, old_bot, issued, flow, next_page):
    response = flow(superuser_client, old_bot)
    following = superuser_client.get(next_page, follow=True)

    (token,) = issued
    assert response.status_code == 200
    assert f'value="{token}"' in response.content.decode()
    assert tokens.find_bot(token) is not None
    assert token not in following.content.decode()


def test_it_rotates_several_bots_at_once_in_the_admin(superuser_client, issued):
    bots = [tokens.create_bot(name=name)[0] for name in ("One", "Two")]
    issued.clear()

    response = superuser_client.post(
        "/admin/distribution/bot/", {"action": "rotate_tokens", "_selected_action": [bot.pk for bot in bots]}
    )

    html = response.content.decode()
    assert [tokens.find_bot(token) for token in issued] == bots
    assert all(f'value="{token}"' in html for token in issued)


def test_it_reads_what_the_cookie_storage_writes(rf):
    # The reader above is the attacker's: it must see a message that Django's cookie storage wrote.
    request = rf.get("/")
    storage = CookieStorage(request)
    response = HttpResponse()
    storage._store([Message(constants.WARNING, "the-secret-in-a-message " * 20)], response)

    assert any("the-secret-in-a-message" in text for text in readable(response.cookies["messages"].value))


def test_it_keeps_messages_in_the_session(superuser_client, make_operator):
    operator = make_operator(active=False)

    response = superuser_client.post(
        "/admin/distribution/operator/", {"action": "switch_on", "_selected_action": [operator.pk]}
    )

    assert response.status_code == 302
    assert "messages" not in response.cookies
    assert any("switched on" in text for text in session_texts())


# An operator's login: the generated password follows the same rules as a token.


@pytest.fixture
def passwords(monkeypatch):
    """Every password generated during the test."""
    return recorded(monkeypatch, logins, "generate_password")


def login_create(client, operator, **headers):
    return client.post(f"/operators/{operator.pk}/login/create", {"username": "anna"}, **headers)


def login_reset(client, operator, **headers):
    logins.create_login(operator=operator, username="anna")
    return client.post(f"/operators/{operator.pk}/login/reset", **headers)


LOGIN_FLOWS = [
    pytest.param(login_create, {}, id="create"),
    pytest.param(login_create, htmx("operator-login"), id="create-htmx"),
    pytest.param(login_reset, {}, id="reset"),
    pytest.param(login_reset, htmx("operator-login"), id="reset-htmx"),
]


@pytest.mark.parametrize(("flow", "headers"), LOGIN_FLOWS)
def test_it_shows_a_new_password_once_and_keeps_it_out_of_cookies_and_sessions(
    superuser_client, make_operator, passwords, flow, headers
):
    operator = make_operator()

    response = flow(superuser_client, operator, **headers)
    stored = session_texts()
    following = superuser_client.get(f"/operators/{operator.pk}/", follow=True)

    assert_shown_once_and_kept_out(passwords[-1], response, following, stored)


# A bot's webhook secret: shown when the webhook is made and when it is rotated, like a token.


@pytest.fixture
def webhook_secrets(monkeypatch):
    """Every webhook secret made during the test."""
    return recorded(monkeypatch, signatures, "new_secret")


def webhook_add(client, bot, **headers):
    data = {"url": "https://hooks.example.com/minicrm", "events": ["contact.assigned"]}
    return client.post(f"/bots/{bot.pk}/webhook", data, **headers)


def webhook_rotate(client, bot, **headers):
    webhooks.save_webhook(bot=bot, url="https://hooks.example.com/minicrm", events=["contact.closed"])
    return client.post(f"/bots/{bot.pk}/webhook/rotate-secret", **headers)


WEBHOOK_FLOWS = [
    pytest.param(webhook_add, {}, id="add"),
    pytest.param(webhook_add, htmx("webhook"), id="add-htmx"),
    pytest.param(webhook_rotate, {}, id="rotate"),
    pytest.param(webhook_rotate, htmx("webhook"), id="rotate-htmx"),
]


@pytest.mark.parametrize(("flow", "headers"), WEBHOOK_FLOWS)
def test_it_shows_a_webhook_secret_once_and_keeps_it_out_of_cookies_and_sessions(
    superuser_client, old_bot, webhook_secrets, flow, headers
):
    response = flow(superuser_client, old_bot, **headers)
    stored = session_texts()
    following = superuser_client.get(f"/bots/{old_bot.pk}/", follow=True)

    secret = webhook_secrets[-1]
    assert Webhook.objects.get().secret == secret
    assert_shown_once_and_kept_out(secret, response, following, stored)
    assert response.content.decode().count(secret) == 1  # in no message either
