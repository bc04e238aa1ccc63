"""Rule 5 whatever dies when: a process killed between a close's commit and its drain leaves a
contact waiting beside free room, and the next intake, the bot's retry or the worker's sweep
assigns it before anything newer."""

import signal
import subprocess
import sys
import textwrap

import pytest

from distribution import routing
from distribution.models import BotOperator, Contact, ContactEvent

from .conftest import ROOT, subprocess_env

pytestmark = pytest.mark.django_db(transaction=True)

# Closes the contact, then dies as a SIGKILLed worker would, before the close drains the queue.
KILLED_IN_THE_WINDOW = textwrap.dedent(
    """
    import os, signal, sys
    import django
    django.setup()
    from distribution.models import Contact
    from distribution.routing import lifecycle
    lifecycle.drain_queue = lambda **kwargs: os.kill(os.getpid(), signal.SIGKILL)
    lifecycle.close_contact(contact=Contact.objects.get(pk=int(sys.argv[1])))
    """
)


@pytest.fixture
def stuck(bot_with_operators, send):
    """RO (capacity 1) serves RB1 and RB2; c1 of RB1 was open with RO, and c2 of RB2 waited for it.
    c1 was closed by a process killed before its drain: RO has room, and c2 still waits."""
    rb1, (ro,) = bot_with_operators(weights=[10], capacities=[1])
    rb2, _ = bot_with_operators(weights=[])
    routing.set_weight(bot=rb2, operator=ro, weight=10)
    c1, c2 = send(rb1), send(rb2)
    assert (c1.status, c2.status) == (Contact.Status.OPEN, Contact.Status.WAITING)

    killed = subprocess.run(
        [sys.executable, "-c", KILLED_IN_THE_WINDOW, str(c1.pk)],
        cwd=ROOT,
        env=subprocess_env(),
        capture_output=True,
        timeout=120,
    )

    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()
    assert Contact.objects.get(pk=c1.pk).status == Contact.Status.CLOSED
    assert Contact.objects.get(pk=c2.pk).status == Contact.Status.WAITING
    return rb1, rb2, ro, c1, c2


def test_it_assigns_the_waiting_contact_before_a_newer_one(stuck, send):
    _rb1, rb2, ro, _c1, c2 = stuck

    c3 = send(rb2)

    assert Contact.objects.get(pk=c2.pk).operator == ro
    assert c3.status == Contact.Status.WAITING
    assert Contact.objects.get(pk=c3.pk).status == Contact.Status.WAITING


def test_it_answers_a_newer_contact_as_it_ends_after_the_older_one_went_first(stuck, send, make_operator):
    _rb1, rb2, ro, _c1, c2 = stuck
    # Linked as a process killed before its drain leaves it: two places, one contact waiting.
    other = make_operator(capacity=1)
    BotOperator.objects.create(bot=rb2, operator=other, weight=10)

    c3 = send(rb2)

    assert Contact.objects.get(pk=c2.pk).status == Contact.Status.OPEN
    assert c3.status == Contact.Status.OPEN
    assert {Contact.objects.get(pk=c2.pk).operator_id, c3.operator_id} == {ro.pk, other.pk}


def test_the_bot_s_retry_of_the_close_drains(stuck):
    _rb1, _rb2, ro, c1, c2 = stuck

    routing.close_contact(contact=Contact.objects.get(pk=c1.pk), bot=c1.bot, reason=ContactEvent.Reason.BOT)

    assert Contact.objects.get(pk=c2.pk).operator == ro


def test_the_worker_s_sweep_drains(stuck):
    _rb1, _rb2, ro, _c1, c2 = stuck

    sweep = routing.sweep_idle_contacts()

    assert [contact.pk for contact in sweep.assigned] == [c2.pk]
    assert Contact.objects.get(pk=c2.pk).operator == ro


def test_the_sweep_leaves_a_queue_that_nobody_can_take(bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10], capacities=[1])
    send(bot)
    waiting = send(bot)

    assert routing.sweep_idle_contacts().assigned == []
    assert Contact.objects.get(pk=waiting.pk).status == Contact.Status.WAITING
