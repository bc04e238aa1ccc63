"""One bot's slow receiver does not hold up another bot's webhook: the worker's delivery loop, with
real receivers on 127.0.0.1, one answering late (inside the timeout) with a backlog of events."""

import time

import pytest

from distribution.models import WebhookDelivery

from .test_webhooks_outbox import hook

pytestmark = pytest.mark.django_db(transaction=True)

Status = WebhookDelivery.Status


def delivered(bot) -> int:
    return WebhookDelivery.objects.filter(webhook__bot=bot, status=Status.DELIVERED).count()


def worst_wait(bot) -> float:
    """The longest time, in seconds, that a delivered event of `bot` waited to be delivered."""
    deliveries = WebhookDelivery.objects.filter(webhook__bot=bot, status=Status.DELIVERED)
    return max((d.delivered_at - d.created_at).total_seconds() for d in deliveries)


def wait_for(condition, *, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_it_delivers_a_quick_webhooks_events_while_a_slow_one_has_a_backlog(
    bot_with_operators, send, settings, receivers, delivery_loop
):
    settings.WEBHOOK_CONCURRENCY, settings.WEBHOOK_TIMEOUT = 4, 2
    slow, quick = receivers(delay=1.5), receivers()
    slow_bot, _ = bot_with_operators(weights=[10])
    quick_bot, _ = bot_with_operators(weights=[10])
    hook(slow_bot, url=slow.url)
    hook(quick_bot, url=quick.url)
    for _ in range(12):
        send(slow_bot)
    delivery_loop(every=0.2)
    assert slow.first.wait(10), "the slow receiver got nothing"

    for _ in range(5):
        send(quick_bot)

    # A round of the slow receiver's backlog alone takes 12 * 1.5 s.
    assert wait_for(lambda: delivered(quick_bot) == 5, timeout=3 * settings.WEBHOOK_TIMEOUT)
    assert worst_wait(quick_bot) < settings.WEBHOOK_TIMEOUT
    assert WebhookDelivery.objects.filter(webhook__bot=slow_bot, status=Status.PENDING).count() >= 6


def test_it_keeps_a_sender_for_quick_receivers_however_many_are_slow(
    bot_with_operators, send, settings, receivers, delivery_loop
):
    settings.WEBHOOK_CONCURRENCY, settings.WEBHOOK_TIMEOUT = 2, 2
    slow_bots = []
    for _ in range(3):
        slow_bot, _ = bot_with_operators(weights=[10])
        hook(slow_bot, url=receivers(delay=1.5).url)
        for _ in range(8):
            send(slow_bot)
        slow_bots.append(slow_bot)
    quick_bot, _ = bot_with_operators(weights=[10])
    hook(quick_bot, url=receivers().url)
    delivery_loop(every=0.2)
    # Each slow receiver has answered once: the worker knows them.
    assert wait_for(lambda: all(delivered(bot) for bot in slow_bots), timeout=15)

    for _ in range(5):
        send(quick_bot)

    assert wait_for(lambda: delivered(quick_bot) == 5, timeout=3 * settings.WEBHOOK_TIMEOUT)
    assert worst_wait(quick_bot) < settings.WEBHOOK_TIMEOUT
