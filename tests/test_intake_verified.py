"""`lead.verified` (issue 18, item 4): the identifiers a bot vouches for in one request. The intake
takes it into the parsed payload; absent or null leaves it to the bot's own setting."""

import json

import pytest

from distribution.payload import PayloadError, parse_contact_payload


def _verified(lead: dict) -> frozenset[str] | None:
    return parse_contact_payload({"lead": {"external_id": "tg-1", "phone": "+79991234567", **lead}}).verified


def test_it_takes_the_identifiers_the_bot_verified():
    assert _verified({"verified": ["external_id", "phone"]}) == frozenset({"external_id", "phone"})


@pytest.mark.parametrize("lead", [{}, {"verified": None}], ids=["absent", "null"])
def test_it_leaves_them_to_the_bot_without_a_list(lead):
    assert _verified(lead) is None


def test_an_empty_list_vouches_for_none():
    assert _verified({"verified": []}) == frozenset()


def test_it_accepts_the_name_of_an_identifier_the_request_does_not_carry():
    assert _verified({"verified": ["email"]}) == frozenset({"email"})


@pytest.mark.parametrize(
    ("verified", "message"),
    [
        (["email", "email"], "Name each identifier once."),
        (["name"], "Must be one of: external_id, email, phone."),
        (["phone", 1], "Must be one of: external_id, email, phone."),
        ("email", "Must be an array."),
    ],
)
def test_it_refuses_anything_but_distinct_identifier_names(verified, message):
    with pytest.raises(PayloadError) as refused:
        _verified({"verified": verified})

    assert refused.value.fields == {"lead.verified": message}


def test_the_intake_takes_it(client, bot_and_token):
    body = {"lead": {"external_id": "tg-1", "verified": ["external_id"]}}

    response = client.post(
        "/api/contacts",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {bot_and_token[1]}",
    )

    assert response.status_code == 202
    assert response.json()["lead"] == {
        "id": response.json()["lead"]["id"],
        "created": True,
        "external_id": "tg-1",
    }
