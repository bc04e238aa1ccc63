"""An on/off switch is named for what it switches (the operator, the webhook's sending) and says
its state with aria-pressed: no action in its name to contradict the state, and the visible On or
Off hidden from its name (WAI-ARIA's switch pattern)."""

import re

import pytest

from .conftest import htmx


def switches(html: str) -> list[tuple[str, str, str]]:
    """(aria-pressed, name, visible state) of each switch in `html`."""
    return re.findall(
        r'<button type="submit" class="toggle[^"]*" aria-pressed="(true|false)">'
        r'<span class="visually-hidden">([^<]*)</span>\s*<span aria-hidden="true">([^<]*)</span></button>',
        html,
    )


@pytest.mark.parametrize("page", ["/operators/", "/operators/{pk}/"])
def test_it_names_an_operators_switch_for_the_operator(manager_client, make_operator, page):
    on = make_operator(name="Alice Morgan")
    make_operator(name="Bob Stone", active=False)

    html = manager_client.get(page.format(pk=on.pk)).content.decode()

    expected = [("true", "Alice Morgan", "On")]
    if page == "/operators/":
        expected.append(("false", "Bob Stone", "Off"))
    assert switches(html) == expected
    assert "Switch Alice Morgan off" not in html


def test_it_keeps_the_name_when_the_state_changes(manager_client, make_operator):
    operator = make_operator(name="Alice Morgan")

    response = manager_client.post(f"/operators/{operator.pk}/switch", {"is_active": "off"}, **htmx())

    assert switches(response.content.decode()) == [("false", "Alice Morgan", "Off")]


def test_it_names_the_webhooks_switch_sending(manager_client, make_delivery, bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])
    make_delivery(send(bot))

    html = manager_client.get(f"/bots/{bot.pk}/").content.decode()

    assert switches(html) == [("true", "Sending", "On")]
