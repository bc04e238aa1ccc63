"""A webhook refused because its host is not public says so without the address the host resolves
to: whoever sets the URL must not learn the internal network's plan from the bot's page, the
delivery's stored error or the log."""

import importlib
import logging
import socket

import pytest
from django.apps import apps
from django.utils import translation

from distribution import outbound, webhooks
from distribution.models import WebhookDelivery

from .visible_text import visible_text

ADDRESS = "10.1.2.3"


@pytest.fixture
def internal_dns(settings, monkeypatch):
    """internal.test resolves to a private address; the SSRF rules are on."""
    settings.WEBHOOK_ALLOW_PRIVATE = False

    def getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ADDRESS, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def page(client, bot, language: str) -> str:
    return " ".join(
        visible_text(client.get(f"/bots/{bot.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode())
    )


def test_it_refuses_a_name_without_saying_where_it_points(internal_dns):
    with pytest.raises(outbound.OutboundError) as refused:
        outbound.post("https://internal.test/hook", b"{}", {}, timeout=1)

    assert str(refused.value) == "internal.test is not a public address."
    with translation.override("ru"):
        assert str(refused.value) == "internal.test — не публичный адрес."
    assert ADDRESS not in repr(refused.value.params)


def test_a_refused_delivery_keeps_the_address_off_its_page_and_the_log(
    internal_dns, bot_with_operators, send, manager_client, caplog
):
    bot, _ = bot_with_operators(weights=[10])
    webhooks.save_webhook(bot=bot, url="https://internal.test/hook", events=["contact.assigned"])
    send(bot)

    with caplog.at_level(logging.INFO, logger="distribution.webhooks"):
        assert webhooks.deliver_due() == 1

    delivery = WebhookDelivery.objects.get()
    assert (delivery.last_error, delivery.last_error_params) == (
        "%(host)s is not a public address.",
        {"host": "internal.test"},
    )
    assert "internal.test is not a public address." in caplog.text
    assert "internal.test is not a public address." in page(manager_client, bot, "en")
    assert "internal.test — не публичный адрес." in page(manager_client, bot, "ru")
    for text in [caplog.text, page(manager_client, bot, "en"), page(manager_client, bot, "ru")]:
        assert ADDRESS not in text


def test_the_refusals_stored_before_lose_their_address(bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])
    webhooks.save_webhook(bot=bot, url="https://internal.test/hook", events=["contact.assigned"])
    resolved, literal, other = send(bot), send(bot), send(bot)
    WebhookDelivery.objects.filter(contact=resolved).update(
        last_error="%(host)s resolves to %(address)s, which is not a public address.",
        last_error_params={"host": "internal.test", "address": ADDRESS},
    )
    WebhookDelivery.objects.filter(contact=literal).update(
        last_error="%(address)s is not a public address.", last_error_params={"address": "10.0.0.7"}
    )
    WebhookDelivery.objects.filter(contact=other).update(
        last_error="The receiver answered %(status)s.", last_error_params={"status": 503}
    )

    importlib.import_module("distribution.migrations.0015_hide_resolved_addresses").hide_addresses(apps, None)

    stored = {d.contact_id: (d.last_error, d.last_error_params) for d in WebhookDelivery.objects.all()}
    assert stored == {
        resolved.pk: ("%(host)s is not a public address.", {"host": "internal.test"}),
        literal.pk: ("%(host)s is not a public address.", {"host": "10.0.0.7"}),
        other.pk: ("The receiver answered %(status)s.", {"status": 503}),
    }
