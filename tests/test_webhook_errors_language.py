"""A webhook's errors are stored as their English msgid and parameters, not as text in the worker's
language: the same failed delivery reads in Russian on a Russian page and in English on an English
one, wherever the worker ran."""

from unittest import mock

import pytest
from django.utils import translation

from distribution import outbound, webhooks

from .visible_text import visible_text

URL = "https://hooks.example.com/minicrm"


@pytest.fixture
def bot(bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10], name="Telegram Sales")
    webhooks.save_webhook(bot=bot, url=URL, events=["contact.assigned"])
    send(bot)
    return bot


def page(client, bot, language: str) -> str:
    return " ".join(
        visible_text(client.get(f"/bots/{bot.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode())
    )


def test_it_shows_a_delivery_error_in_the_pages_language(manager_client, bot):
    with translation.override("ru"), mock.patch("distribution.outbound.socket.getaddrinfo", return_value=[]):
        webhooks.deliver_due()

    assert "hooks.example.com has no address." in page(manager_client, bot, "en")
    assert "Адрес hooks.example.com не найден." in page(manager_client, bot, "ru")


def test_it_shows_why_a_webhook_stopped_in_the_pages_language(manager_client, admin_client, bot, monkeypatch):
    monkeypatch.setattr(outbound, "post", lambda *args, **kwargs: 410)
    with translation.override("en"):
        webhooks.deliver_due()

    russian = page(manager_client, bot, "ru")
    assert "Получатель ответил 410 Gone:" in russian
    assert "Выключен автоматически: Получатель ответил 410 Gone" in russian
    assert "The receiver" not in russian
    english = page(manager_client, bot, "en")
    assert "The receiver answered 410 Gone: webhook disabled." in english
    assert "Switched off by itself: The receiver answered 410 Gone on" in english
    admin = admin_client.get("/admin/distribution/webhook/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Получатель ответил 410 Gone" in " ".join(visible_text(admin))
