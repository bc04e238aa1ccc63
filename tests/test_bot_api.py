"""The bots' reads and closes: GET /api/contacts/<id>, GET /api/contacts?external_id=,
POST /api/contacts/<id>/close and POST /api/contacts/close?external_id=, over HTTP."""

import json

import pytest
from django.test import Client

from distribution import routing
from distribution.models import Contact, ContactEvent

from .conftest import ANNA
from .test_concurrency import full_operator, simultaneously


@pytest.fixture
def api(client, bot_and_token):
    _bot, token = bot_and_token

    def request(method, url, body=None, *, token=token, content_type="application/json", **headers):
        if token is not None:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        if body is not None:
            headers["data"] = body if isinstance(body, (str, bytes)) else json.dumps(body)
            headers["content_type"] = content_type
        elif method == "post":  # no body and no Content-Type, as `curl -X POST` sends
            headers["data"], headers["content_type"] = b"", ""
        return getattr(client, method)(url, **headers)

    return request


def assert_is(body: dict, contact: Contact, *, status: str) -> None:
    assert body["id"] == contact.pk
    assert body["status"] == status
    assert body["external_id"] == contact.external_id
    # The request named no lead: nothing stored about it is answered.
    assert body["lead"] == {"id": contact.lead_id, "created": False}


def test_it_reads_a_contact_by_id(api, contact, operator):
    response = api("get", f"/api/contacts/{contact.pk}")

    assert response.status_code == 200
    body = response.json()
    assert_is(body, contact, status="open")
    assert body["operator"] == {"id": operator.pk, "name": "Olga"}
    assert body["message"] == "Hi"
    assert body["assigned_at"] == contact.assigned_at.isoformat()
    assert body["closed_at"] is None


def test_it_reads_a_contact_by_external_id(api, contact):
    response = api("get", "/api/contacts?external_id=msg-1")

    assert response.status_code == 200
    assert_is(response.json(), contact, status="open")


def test_it_answers_a_waiting_contact_without_operator(api, bot_and_token, contact):
    waiting = routing.register_contact(bot=bot_and_token[0], identity=ANNA, external_id="msg-2").contact

    body = api("get", f"/api/contacts/{waiting.pk}").json()

    assert_is(body, waiting, status="waiting")
    assert body["operator"] is None


def test_it_never_answers_the_leads_stored_data(api, contact):
    for response in (
        api("get", f"/api/contacts/{contact.pk}"),
        api("get", "/api/contacts?external_id=msg-1"),
        api("post", f"/api/contacts/{contact.pk}/close"),
        api("post", "/api/contacts/close?external_id=msg-1"),
    ):
        text = response.content.decode()
        assert response.status_code == 200
        for stored in ("tg-5511", "anna@example.com", "+79991234567", "Anna"):
            assert stored not in text


@pytest.mark.parametrize(
    "url",
    [
        "/api/contacts/{pk}",
        "/api/contacts?external_id=msg-9",
        "/api/contacts/999999",
        "/api/contacts?external_id=unknown",
        "/api/contacts/99999999999999999999",
    ],
)
def test_it_answers_404_for_another_bots_or_an_unknown_contact(api, contact, strangers_contact, url):
    response = api("get", url.format(pk=strangers_contact.pk))

    assert response.status_code == 404
    assert "error" in response.json()


@pytest.mark.parametrize(
    "url",
    [
        "/api/contacts/{pk}/close",
        "/api/contacts/close?external_id=msg-9",
        "/api/contacts/999999/close",
        "/api/contacts/99999999999999999999/close",
    ],
)
def test_it_answers_404_when_closing_another_bots_contact(api, contact, strangers_contact, url):
    response = api("post", url.format(pk=strangers_contact.pk), {"reason": "done"})

    assert response.status_code == 404
    assert "error" in response.json()
    strangers_contact.refresh_from_db()
    assert strangers_contact.status == "waiting"
    assert not strangers_contact.events.filter(kind=ContactEvent.Kind.CLOSED).exists()


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/contacts/{pk}"),
        ("get", "/api/contacts?external_id=msg-1"),
        ("post", "/api/contacts/{pk}/close"),
        ("post", "/api/contacts/close?external_id=msg-1"),
    ],
)
@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_it_requires_the_bots_token(api, contact, method, url, token):
    response = api(method, url.format(pk=contact.pk), token=token)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    contact.refresh_from_db()
    assert contact.status == "open"


@pytest.mark.parametrize("query", ["", "?external_id=", "?external_id=%20", "?other=1", "?external_id=a%00b"])
def test_it_answers_400_without_a_usable_external_id(api, contact, query):
    for response in (api("get", f"/api/contacts{query}"), api("post", f"/api/contacts/close{query}")):
        assert response.status_code == 400
        assert "external_id" in response.json()["fields"]


@pytest.mark.parametrize(
    ("method", "url", "allow"),
    [
        ("post", "/api/contacts/{pk}", "GET"),
        ("delete", "/api/contacts/{pk}", "GET"),
        ("get", "/api/contacts/{pk}/close", "POST"),
        ("put", "/api/contacts/close?external_id=msg-1", "POST"),
    ],
)
def test_it_answers_405_with_allow(api, contact, method, url, allow):
    response = api(method, url.format(pk=contact.pk))

    assert response.status_code == 405
    assert response["Allow"] == allow


def test_it_closes_draining_the_queue_and_recording_the_bot(api, bot_and_token, contact, operator):
    bot, _ = bot_and_token
    waiting = routing.register_contact(bot=bot, identity=routing.LeadIdentity(external_id="tg-2")).contact

    response = api("post", f"/api/contacts/{contact.pk}/close", {"reason": "The chat ended"})

    assert response.status_code == 200
    body = response.json()
    assert_is(body, contact, status="closed")
    assert body["operator"] == {"id": operator.pk, "name": "Olga"}
    waiting.refresh_from_db()
    assert (waiting.status, waiting.operator) == ("open", operator)
    (event,) = contact.events.filter(kind=ContactEvent.Kind.CLOSED)
    assert (event.reason, event.note, event.bot, event.actor) == ("bot", "The chat ended", bot, None)
    contact.refresh_from_db()
    assert contact.resolution == "The chat ended"
    assert body["closed_at"] == contact.closed_at.isoformat()


def test_it_closes_by_external_id_without_a_body(api, contact):
    response = api("post", "/api/contacts/close?external_id=msg-1")

    assert response.status_code == 200
    assert_is(response.json(), contact, status="closed")
    (event,) = contact.events.filter(kind=ContactEvent.Kind.CLOSED)
    assert (event.reason, event.note) == ("bot", "")


def test_it_closes_a_closed_contact_with_200_and_changes_nothing(api, contact):
    first = api("post", f"/api/contacts/{contact.pk}/close", {"reason": "first"})
    contact.refresh_from_db()

    again = api("post", "/api/contacts/close?external_id=msg-1", {"reason": "second"})

    assert again.status_code == 200
    assert again.json() == first.json()
    closed_at = contact.closed_at
    contact.refresh_from_db()
    assert (contact.closed_at, contact.resolution) == (closed_at, "first")
    assert contact.events.filter(kind=ContactEvent.Kind.CLOSED).count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": 5}, "reason"),
        ({"reason": "x" * 501}, "reason"),
        ({"reason": "a\x00b"}, "reason"),
        ({"why": "done"}, "why"),
        ([], "body"),
        ("null", "body"),
        ("{not json", "body"),
    ],
)
def test_it_refuses_a_bad_close_body_with_400(api, contact, body, field):
    response = api("post", f"/api/contacts/{contact.pk}/close", body)

    assert response.status_code == 400
    assert field in response.json()["fields"]
    contact.refresh_from_db()
    assert contact.status == "open"


def test_it_takes_a_reason_of_500_characters(api, contact):
    assert api("post", f"/api/contacts/{contact.pk}/close", {"reason": "x" * 500}).status_code == 200


def test_it_refuses_a_close_body_that_is_not_json_with_415(api, contact):
    response = api("post", f"/api/contacts/{contact.pk}/close", "reason=done", content_type="text/plain")

    assert response.status_code == 415
    contact.refresh_from_db()
    assert contact.status == "open"


def test_it_reads_and_closes_in_a_bounded_number_of_queries(
    api, bot_and_token, contact, django_assert_max_num_queries
):
    for number in range(5):
        routing.register_contact(
            bot=bot_and_token[0], identity=routing.LeadIdentity(external_id=f"tg-{number}")
        )

    # The token and the contact (the rate limit is off in the tests' settings).
    with django_assert_max_num_queries(2):
        api("get", f"/api/contacts/{contact.pk}")
    with django_assert_max_num_queries(2):
        api("get", "/api/contacts?external_id=msg-1")
    # The token, the contact, the close (its bot locked first, its day's count of closes), and
    # the drain that gives the freed slot to one of the waiting contacts, whatever their number;
    # the close and the assignment each look for the bot's webhook.
    with django_assert_max_num_queries(26):
        assert api("post", f"/api/contacts/{contact.pk}/close").status_code == 200


def test_it_counts_reads_in_the_intakes_rate_limit(api, contact, settings):
    settings.INTAKE_RATE_LIMIT = 2

    answers = [api("get", f"/api/contacts/{contact.pk}").status_code for _ in range(3)]

    assert answers == [200, 200, 429]


@pytest.mark.django_db(transaction=True)
def test_it_closes_while_contacts_arrive_without_losing_a_slot(bot_and_token, make_operator):
    bot, token = bot_and_token
    operator, open_now = full_operator(bot, make_operator)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "content_type": "application/json"}

    def task(number):
        if number < 4:  # each open contact closed twice at once
            url = f"/api/contacts/{open_now[number % 2].pk}/close"
            return Client().post(url, json.dumps({"reason": "ended"}), **headers).status_code
        body = json.dumps({"lead": {"external_id": f"tg-{number}"}})
        return Client().post("/api/contacts", body, **headers).status_code

    answers = simultaneously(16, task)

    assert answers[:4] == [200] * 4
    assert set(answers[4:]) <= {201, 202}
    assert operator.contacts.filter(status="open").count() == 2
    assert Contact.objects.filter(status="waiting").count() == 10
    for old in open_now:
        assert old.events.filter(kind=ContactEvent.Kind.CLOSED).count() == 1
