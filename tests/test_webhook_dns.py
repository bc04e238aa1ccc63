"""Webhooks whose DNS never answers cost their own deliveries a bounded wait, and nobody else's:
each name has its own lookup, never one queued behind another name's."""

import socket
import threading

import pytest

from distribution import outbound
from distribution.models import WebhookDelivery

from .test_webhook_fairness import delivered, wait_for, worst_wait
from .test_webhooks_outbox import hook

Status = WebhookDelivery.Status


@pytest.fixture
def dead_dns(monkeypatch):
    """Names under .dead.test are looked up for ever (until the test ends); the others as usual.
    Returns the names asked for, once per lookup."""
    real, release, asked = socket.getaddrinfo, threading.Event(), []

    def getaddrinfo(host, *args, **kwargs):
        if isinstance(host, str) and host.endswith(".dead.test"):
            asked.append(host)
            release.wait(60)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield asked
    release.set()


def test_a_lookup_that_never_ends_delays_no_other_name(dead_dns, receivers):
    healthy = receivers()
    dead = [threading.Thread(target=post, args=(f"http://hooks-{n}.dead.test/", 0.5)) for n in range(8)]
    for thread in dead:
        thread.start()
    assert wait_for(lambda: len(dead_dns) == 8, timeout=5)

    # The pool of four threads that resolved every name waited on the dead ones: this timed out.
    assert post(healthy.url, 2) == 200
    for thread in dead:
        thread.join()


def test_it_looks_a_name_up_once_while_its_lookup_hangs(dead_dns):
    requests = [threading.Thread(target=post, args=("http://hooks.dead.test/", 0.3)) for _ in range(5)]
    for thread in requests:
        thread.start()
    for thread in requests:
        thread.join()

    with pytest.raises(outbound.OutboundError, match=r"No answer from DNS for hooks\.dead\.test in time"):
        outbound.post("http://hooks.dead.test/", b"{}", {}, timeout=0.1)

    assert dead_dns == ["hooks.dead.test"]


@pytest.mark.django_db(transaction=True)
def test_it_delivers_a_healthy_webhooks_events_while_others_dns_never_answers(
    bot_with_operators, send, settings, dead_dns, receivers, delivery_loop
):
    settings.WEBHOOK_CONCURRENCY, settings.WEBHOOK_TIMEOUT = 4, 2
    for n in range(5):
        dead_bot, _ = bot_with_operators(weights=[10])
        hook(dead_bot, url=f"http://hooks-{n}.dead.test/hook")
        for _ in range(10):
            send(dead_bot)
    healthy = receivers()
    healthy_bot, _ = bot_with_operators(weights=[10])
    hook(healthy_bot, url=healthy.url)
    delivery_loop(every=0.2)
    assert wait_for(lambda: len(dead_dns) >= 4, timeout=10), "the worker looked no name up"

    for _ in range(10):
        send(healthy_bot)

    assert wait_for(lambda: delivered(healthy_bot) == 10, timeout=3 * settings.WEBHOOK_TIMEOUT)
    # The first lookups of the dead names hold every sender for one timeout; then they wait.
    assert worst_wait(healthy_bot) < 1.5 * settings.WEBHOOK_TIMEOUT
    dead = WebhookDelivery.objects.exclude(webhook__bot=healthy_bot)
    assert not dead.filter(status=Status.DELIVERED).exists()
    assert "No answer from DNS" in dead.exclude(attempts=0).first().last_error


def post(url: str, timeout: float) -> int | None:
    try:
        return outbound.post(url, b"{}", {"Content-Type": "application/json"}, timeout=timeout)
    except outbound.OutboundError:
        return None
