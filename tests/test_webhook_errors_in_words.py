"""Why a webhook got no answer, in words a manager reads (in English and in Russian), never an
errno such as "[Errno 111] Connection refused"."""

import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.utils import translation

from distribution import outbound, webhooks
from distribution.outbound import OutboundError, post

from .visible_text import visible_text


def post_json(url: str) -> int:
    return post(url, b"{}", {"Content-Type": "application/json"}, timeout=5)


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        return listener.getsockname()[1]


def test_it_says_a_connection_was_refused_in_words():
    port = free_port()

    with pytest.raises(OutboundError) as refused:
        post_json(f"http://127.0.0.1:{port}/hook")

    assert str(refused.value) == f"127.0.0.1 refused the connection: nothing answers on port {port}."
    with translation.override("ru"):
        assert str(refused.value) == f"127.0.0.1 отказал в соединении: на порту {port} никто не отвечает."


def test_it_says_a_secure_connection_failed_in_words():
    server = HTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(OutboundError) as failed:
            post_json(f"https://127.0.0.1:{server.server_address[1]}/hook")
    finally:
        server.shutdown()
        server.server_close()

    assert str(failed.value) == "The secure connection with 127.0.0.1 failed."


def test_it_says_a_name_has_no_address(monkeypatch):
    def getaddrinfo(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    with pytest.raises(OutboundError) as unknown:
        post_json("https://hooks.example.com/hook")

    assert str(unknown.value) == "hooks.example.com has no address."


def test_the_bots_page_shows_a_refused_delivery_in_words(
    manager_client, bot_with_operators, send, monkeypatch
):
    bot, _ = bot_with_operators(weights=[10])
    webhooks.save_webhook(bot=bot, url="https://hooks.example.com/minicrm", events=["contact.assigned"])
    send(bot)

    def refuse(url, body, headers, *, timeout):
        target = outbound._target(url)
        raise outbound._no_answer(ConnectionRefusedError(111, "Connection refused"), target)

    monkeypatch.setattr(outbound, "post", refuse)
    webhooks.deliver_due()

    page = manager_client.get(f"/bots/{bot.pk}/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    text = " ".join(visible_text(page))
    assert "hooks.example.com отказал в соединении: на порту 443 никто не отвечает." in text
    assert "Errno" not in text
