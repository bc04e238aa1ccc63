"""The intake answers from its statements' rows: no model instance where a row does."""

import json

import pytest
from django.db.models.signals import pre_init

from distribution.models import Bot

LEADS = [
    {"external_id": "tg-1", "email": "anna@example.com"},  # a new lead, assigned
    {"external_id": "tg-1", "phone": "+79991234567"},  # returning, given a phone, queued
    {"external_id": "tg-2"},  # a new lead, queued
]


@pytest.fixture
def intake(client, bot_and_token, operator):
    _bot, token = bot_and_token

    def send(lead: dict, **body):
        return client.post(
            "/api/contacts",
            data=json.dumps({"lead": lead, **body}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    def read(pk: int):
        return client.get(f"/api/contacts/{pk}", HTTP_AUTHORIZATION=f"Bearer {token}")

    return send, read


def test_it_builds_no_model_instance_but_the_tokens_bot(intake):
    send, _read = intake
    built = []

    def record(sender, **kwargs):
        built.append(sender)

    pre_init.connect(record)
    try:
        statuses = [send(lead).status_code for lead in LEADS]
    finally:
        pre_init.disconnect(record)

    assert statuses == [201, 202, 202]
    # tokens.remembered_bot: the view's, before the intake.
    assert set(built) <= {Bot}


def test_it_answers_as_a_read_of_the_stored_contact(intake):
    send, read = intake

    for number, lead in enumerate(LEADS):
        answer = send(lead, message="Hi", external_id=f"m-{number}").json()
        stored = read(answer["id"]).json()

        # The read names the lead by nothing: the intake by what the request sent.
        assert {**answer, "lead": None} == {**stored, "lead": None}
        assert answer["lead"]["id"] == stored["lead"]["id"]
