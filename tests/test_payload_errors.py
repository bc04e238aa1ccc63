# ruff: noqa: RUF001 - the Russian messages are Cyrillic letters that look like Latin ones.
"""Each refusal of a request body or parameter names its field by its path, with its own message,
whatever validates it (distribution/contract.py's models since issue 23)."""

import pytest
from django.utils import translation

from distribution.payload import PayloadError, parse_close_payload, parse_contact_payload, parse_external_id

LEAD = {"external_id": "tg-1"}


def _refusal(parse, data) -> dict[str, str]:
    with pytest.raises(PayloadError) as refused:
        parse(data)
    return refused.value.fields


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ([], {"body": "Must be a JSON object."}),
        ("lead", {"body": "Must be a JSON object."}),
        ({}, {"lead": "Required: an object with external_id, email or phone."}),
        ({"lead": "tg-1"}, {"lead": "Required: an object with external_id, email or phone."}),
        ({"lead": {}}, {"lead": "Give at least one of external_id, email, phone."}),
        (
            {"lead": {"phone": " ", "name": "Anna"}},
            {"lead": "Give at least one of external_id, email, phone."},
        ),
        ({"lead": {"external_id": 5511}}, {"lead.external_id": "Must be a string."}),
        ({"lead": {"email": ["a@example.com"]}}, {"lead.email": "Must be a string."}),
        ({"lead": {**LEAD, "age": 30}}, {"lead.age": "Unknown field."}),
        ({"lead": LEAD, "priority": "high"}, {"priority": "Unknown field."}),
        ({"lead": LEAD, "message": "a\x00b"}, {"message": "Must not contain NUL characters."}),
        ({"lead": {"external_id": "tg\x00"}}, {"lead.external_id": "Must not contain NUL characters."}),
        ({"lead": {"email": "a\x00@example.com"}}, {"lead.email": "Must not contain NUL characters."}),
        ({"lead": LEAD, "message": "x" * 10_001}, {"message": "At most 10000 characters."}),
        ({"lead": {"external_id": "x" * 101}}, {"lead.external_id": "At most 100 characters."}),
        ({"lead": {**LEAD, "name": "x" * 201}}, {"lead.name": "At most 200 characters."}),
        ({"lead": LEAD, "external_id": "\ud800"}, {"external_id": "Must be valid Unicode text."}),
        ({"lead": {"email": "not-an-email"}}, {"lead.email": "Enter a valid e-mail address."}),
        (
            {"lead": {"phone": "call me", "email": 1}, "message": 2, "colour": "red"},
            {
                "lead.phone": "Must not contain letters: send the digits, e.g. +7 999 123-45-67.",
                "lead.email": "Must be a string.",
                "message": "Must be a string.",
                "colour": "Unknown field.",
            },
        ),
    ],
)
def test_it_names_each_bad_field_of_a_contact_with_its_message(body, fields):
    assert _refusal(parse_contact_payload, body) == fields


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ([], {"body": "Must be a JSON object."}),
        ({"reason": 5}, {"reason": "Must be a string."}),
        ({"reason": "x" * 501}, {"reason": "At most 500 characters."}),
        ({"reason": "a\x00"}, {"reason": "Must not contain NUL characters."}),
        ({"why": "Sold"}, {"why": "Unknown field."}),
    ],
)
def test_it_names_each_bad_field_of_a_close(body, fields):
    assert _refusal(parse_close_payload, body) == fields


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Required: the external_id the bot sent with the contact."),
        (" \u3000", "Required: the external_id the bot sent with the contact."),
        ("msg\x00", "Must not contain NUL characters."),
        ("x" * 101, "At most 100 characters."),
    ],
)
def test_it_names_a_bad_external_id_parameter(value, message):
    assert _refusal(parse_external_id, value) == {"external_id": message}


def test_it_says_it_in_russian(settings):
    with translation.override("ru"):
        fields = _refusal(parse_contact_payload, {"lead": {"external_id": 1}, "message": "x" * 10_001})

    assert fields == {"lead.external_id": "Должно быть строкой.", "message": "Не больше 10000 символов."}


def test_it_takes_what_it_documents():
    payload = parse_contact_payload(
        {
            "lead": {"external_id": " tg-1 ", "name": " Anna ", "email": None},
            "message": " Hi ",
            "external_id": " ",
        }
    )

    assert (payload.identity.external_id, payload.identity.name, payload.identity.email) == (
        "tg-1",
        "Anna",
        None,
    )
    assert (payload.message, payload.external_id) == (" Hi ", None)
    assert parse_close_payload({"reason": " Sold "}) == "Sold"
    assert parse_external_id(" msg-1 ") == "msg-1"
