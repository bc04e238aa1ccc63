"""Lowering a capacity below an operator's load says what happens to the contacts it holds."""

from django.contrib.messages import get_messages

from distribution.models import Contact

from .conftest import htmx


def test_it_says_how_many_are_open_and_that_none_are_added(manager_client, bot_with_operators, send):
    bot, (operator,) = bot_with_operators(weights=[10], capacities=[8])
    for _ in range(8):
        send(bot)

    response = manager_client.post(
        f"/operators/{operator.pk}/capacity", {"max_open_contacts": 3}, **htmx(f"operator-{operator.pk}")
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert f"{operator.name} can now hold 3 open contacts." in html
    assert (
        f"{operator.name} has 8 open contacts now, more than 3: they stay, and no new contact goes to "
        f"{operator.name} until fewer than 3 are open." in html
    )
    assert 'class="message warning"' in html
    assert operator.contacts.filter(status=Contact.Status.OPEN).count() == 8


def test_it_says_nothing_more_when_the_load_fits(manager_client, bot_with_operators, send):
    bot, (operator,) = bot_with_operators(weights=[10], capacities=[8])
    for _ in range(3):
        send(bot)

    response = manager_client.post(f"/operators/{operator.pk}/capacity", {"max_open_contacts": 3})

    assert response.status_code == 302
    texts = [str(message) for message in get_messages(response.wsgi_request)]
    assert texts == [f"{operator.name} can now hold 3 open contacts."]
