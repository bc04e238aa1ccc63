"""The intake's answers never hand one bot what another stored about a lead: only the lead's id,
whether it was created, and what this request itself sent."""

import json

import pytest

from distribution.models import Lead
from distribution.tokens import create_bot

URL = "/api/contacts"
VICTIM = {
    "external_id": "tg-victim-1",
    "email": "Victim1@Example.com",
    "phone": "+7 916 000-00-01",
    "name": "Victoria Real",
}
STORED = {
    "external_id": "tg-victim-1",
    "email": "victim1@example.com",
    "phone": "+79160000001",
    "name": "Victoria Real",
}


def assert_nothing_stored_but(response, sent: dict) -> None:
    for field, value in STORED.items():
        if field not in sent:
            assert value not in response.content.decode(), field


@pytest.fixture
def post(client):
    def post_contact(token: str, body: dict):
        return client.post(
            URL, data=json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )

    return post_contact


@pytest.fixture
def bots(db):
    (_, token_a), (_, token_b) = create_bot(name="Bot A"), create_bot(name="Bot B")
    return token_a, token_b


@pytest.fixture
def victim(post, bots):
    token_a, _ = bots
    vouched = {**VICTIM, "verified": ["external_id", "email", "phone"]}
    assert post(token_a, {"lead": vouched, "message": "Hi"}).status_code == 202
    return Lead.objects.get()


@pytest.mark.parametrize(
    ("sent", "echoed"),
    [
        ({"email": "victim1@example.com"}, {"email": "victim1@example.com"}),
        ({"phone": "8 916 000 00 01"}, {"phone": "+79160000001"}),
    ],
)
def test_it_answers_another_bot_without_the_stored_lead(post, bots, victim, sent, echoed):
    _, token_b = bots

    # Bot B vouches for the identifier, so it finds the victim's lead: still nothing stored leaks.
    body = {"lead": {**sent, "name": "Mallory", "verified": list(sent)}, "message": "Who is this?"}
    response = post(token_b, body)

    assert response.status_code == 202
    lead = response.json()["lead"]
    assert lead == {"id": victim.pk, "created": False, "name": "Mallory", **echoed}
    assert_nothing_stored_but(response, sent)


def test_it_does_not_leak_on_a_replay(post, bots, victim):
    _, token_b = bots
    lead = {"email": "victim1@example.com", "verified": ["email"]}
    body = {"lead": lead, "message": "Hello", "external_id": "b-1"}
    post(token_b, body)

    again = post(token_b, body)

    assert again.status_code == 200
    assert again.json()["lead"] == {"id": victim.pk, "created": False, "email": "victim1@example.com"}
    assert_nothing_stored_but(again, body["lead"])


def test_an_identifier_the_bot_does_not_vouch_for_finds_no_lead(post, bots, victim):
    _, token_b = bots

    response = post(token_b, {"lead": {"email": "victim1@example.com"}, "message": "Who is this?"})

    assert response.status_code == 202
    assert response.json()["lead"]["created"] is True
    assert response.json()["lead"]["id"] != victim.pk
    assert Lead.objects.get(pk=response.json()["lead"]["id"]).duplicate_of == victim


def test_it_echoes_what_the_request_sent_normalised_as_stored(post, bots):
    token_a, _ = bots

    response = post(token_a, {"lead": VICTIM})

    assert response.json()["lead"] == {
        "id": Lead.objects.get().pk,
        "created": True,
        "name": "Victoria Real",
        "external_id": "tg-victim-1",
        "email": "victim1@example.com",
        "phone": "+79160000001",
    }


def test_it_leaves_out_the_name_when_the_request_sends_none(post, bots, victim):
    token_a, _ = bots

    response = post(token_a, {"lead": {"external_id": "tg-victim-1"}})

    assert response.json()["lead"] == {"id": victim.pk, "created": False, "external_id": "tg-victim-1"}
