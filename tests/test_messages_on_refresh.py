"""A refresh adds the messages it brings to the page's messages area and sends nothing for it
when there are none: the messages shown stay until they fade or are dismissed."""

import pytest

from .conftest import htmx


@pytest.fixture
def operator_client(client, operator_login):
    _operator, user = operator_login(name="Operator A")
    client.force_login(user)
    return client


def test_it_sends_no_messages_area_when_there_are_no_messages(operator_client):
    response = operator_client.get("/me/", **htmx("my-contacts"))

    assert response.status_code == 200
    assert 'id="messages"' not in response.content.decode()


def test_it_adds_new_messages_to_those_shown(operator_client):
    operator_client.post("/me/away")  # a plain form: the message waits for the next page

    response = operator_client.get("/me/", **htmx("my-contacts"))

    html = response.content.decode()
    assert 'role="status" aria-live="polite" hx-swap-oob="beforeend">' in html
    assert "You are away" in html
    assert "You are away" not in operator_client.get("/me/", **htmx("my-contacts")).content.decode()
