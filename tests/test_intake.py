"""The bots' contract: POST /api/contacts, every answer of it, over HTTP."""

import json

import pytest
from django.db import connection
from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers
from django.utils.http import parse_http_date

from distribution.models import Contact, Lead

URL = "/api/contacts"
ANNA = {"external_id": "tg-5511", "email": "Anna@Example.com", "phone": "+7 999 123-45-67", "name": "Anna"}


@pytest.fixture
def post(client, bot_and_token):
    _bot, token = bot_and_token

    def post_contact(body, *, token=token, content_type="application/json", **headers):
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        if token is not None:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return client.post(URL, data=data, content_type=content_type, **headers)

    return post_contact


def test_it_assigns_and_answers_201(post, operator, bot_and_token):
    response = post({"lead": ANNA, "message": "Hello, I want to order", "external_id": "msg-8812"})

    assert response.status_code == 201
    body = response.json()
    contact = Contact.objects.get()
    assert body["id"] == contact.pk
    assert body["status"] == "open"
    assert body["message"] == "Hello, I want to order"
    assert body["external_id"] == "msg-8812"
    assert body["lead"] == {
        "id": contact.lead_id,
        "created": True,
        "name": "Anna",
        "external_id": "tg-5511",
        "email": "anna@example.com",
        "phone": "+79991234567",
    }
    assert body["bot"] == {"id": bot_and_token[0].pk, "name": "Telegram Sales"}
    assert body["operator"] == {"id": operator.pk, "name": "Olga"}
    assert body["created_at"] == contact.created_at.isoformat()
    assert contact.operator == operator


def test_it_queues_and_answers_202(post, operator):
    post({"lead": {"external_id": "tg-1"}})

    response = post({"lead": {"external_id": "tg-2"}})

    assert response.status_code == 202
    assert response.json()["status"] == "waiting"
    assert response.json()["operator"] is None
    assert Contact.objects.filter(status="waiting").count() == 1


def test_it_replays_a_known_external_id_with_200(post, operator):
    first = post({"lead": ANNA, "message": "Hi", "external_id": "msg-1"})

    again = post({"lead": ANNA, "message": "Hi", "external_id": "msg-1"})

    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["lead"]["created"] is False
    assert Contact.objects.count() == 1


def test_it_answers_409_for_a_reused_external_id(post, operator):
    first = post({"lead": ANNA, "message": "Hi", "external_id": "msg-1"})

    response = post({"lead": {"external_id": "tg-other"}, "message": "Hi", "external_id": "msg-1"})

    assert response.status_code == 409
    assert response.json()["contact_id"] == first.json()["id"]
    assert "error" in response.json()
    assert Contact.objects.count() == 1
    assert Lead.objects.count() == 1


def test_it_recognises_a_returning_lead(post, operator):
    post({"lead": {"external_id": "tg-1"}})

    response = post({"lead": {"external_id": "tg-1", "email": "a@example.com"}})

    assert response.json()["lead"]["created"] is False
    assert response.json()["lead"]["email"] == "a@example.com"


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_it_rejects_other_methods_with_405(client, method):
    response = getattr(client, method)(URL)

    assert response.status_code == 405
    # GET reads a contact by its external_id (tests/test_bot_api.py).
    assert response["Allow"] == "GET, POST"
    assert "error" in response.json()


def test_it_requires_a_token(post):
    response = post({"lead": ANNA}, token=None)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "error" in response.json()


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Token abc"])
def test_it_rejects_other_authorization_schemes(post, header):
    response = post({"lead": ANNA}, token=None, HTTP_AUTHORIZATION=header)

    assert response.status_code == 401


@pytest.mark.parametrize("token", ["wrong", "x" * 43, "", "ключ-ключ-ключ"])
def test_it_rejects_an_unknown_token(post, bot_and_token, token):
    response = post({"lead": ANNA}, token=token)

    assert response.status_code == 401
    assert not Contact.objects.exists()


def test_a_rotated_token_stops_working(post, bot_and_token):
    from distribution.tokens import rotate_token

    bot, old = bot_and_token
    new = rotate_token(bot=bot)

    assert post({"lead": ANNA}, token=old).status_code == 401
    assert post({"lead": ANNA}, token=new).status_code == 202


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
def test_it_rejects_other_content_types_with_415(post, content_type):
    response = post(json.dumps({"lead": ANNA}), content_type=content_type)

    assert response.status_code == 415
    assert "error" in response.json()
    assert not Contact.objects.exists()


def test_it_accepts_json_with_a_charset(post):
    response = post({"lead": ANNA}, content_type="application/json; charset=utf-8")

    assert response.status_code == 202


def test_it_rejects_a_large_body_with_413(post, settings):
    settings.INTAKE_MAX_BODY_BYTES = 1000

    response = post({"lead": ANNA, "message": "x" * 1000})

    assert response.status_code == 413
    assert "error" in response.json()
    assert not Contact.objects.exists()


def test_it_rejects_a_body_longer_than_declared_by_reading_no_further(post, settings):
    settings.INTAKE_MAX_BODY_BYTES = 100

    response = post({"lead": ANNA, "message": "x" * 500}, CONTENT_LENGTH="50")

    assert response.status_code == 400
    assert not Contact.objects.exists()


@pytest.mark.parametrize("length", ["abc", "-"])
def test_it_rejects_an_invalid_content_length(post, length):
    assert post({"lead": ANNA}, CONTENT_LENGTH=length).status_code == 400


@pytest.mark.parametrize(
    "body",
    [" ", "{", "not json", '{"lead": }', b"\xff\xfe{}", "[" * 100_000 + "]" * 100_000, "NaN"],
)
def test_it_rejects_malformed_json_with_400(post, settings, body):
    settings.INTAKE_MAX_BODY_BYTES = 1_000_000

    response = post(body)

    assert response.status_code == 400
    assert "error" in response.json()
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([], "body"),
        ('"just a string"', "body"),
        ({}, "lead"),
        ({"lead": "tg-1"}, "lead"),
        ({"lead": {}}, "lead"),
        ({"lead": {"name": "Anna"}}, "lead"),
        ({"lead": {"external_id": "  "}}, "lead"),
        ({"lead": {"external_id": 5511}}, "lead.external_id"),
        ({"lead": {"external_id": ["tg-1"]}}, "lead.external_id"),
        ({"lead": {"email": "not-an-email"}}, "lead.email"),
        ({"lead": {"phone": "12"}}, "lead.phone"),
        ({"lead": {"phone": "+7 999"}}, "lead.phone"),
        ({"lead": {"external_id": "tg-1", "name": {"first": "Anna"}}}, "lead.name"),
        ({"lead": {"external_id": "tg-1", "age": 30}}, "lead.age"),
        ({"lead": {"external_id": "tg-1"}, "priority": "high"}, "priority"),
        ({"lead": {"external_id": "tg-1"}, "message": 42}, "message"),
        ({"lead": {"external_id": "tg-1"}, "message": "a\x00b"}, "message"),
        ({"lead": {"external_id": "tg-1\x00"}}, "lead.external_id"),
        ({"lead": {"external_id": "tg-1"}, "message": "x" * 10_001}, "message"),
        ({"lead": {"external_id": "x" * 101}}, "lead.external_id"),
        ({"lead": {"external_id": "tg-1"}, "external_id": True}, "external_id"),
    ],
)
def test_it_rejects_invalid_fields_with_400(post, body, field, settings):
    response = post(body)

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not Contact.objects.exists()
    assert not Lead.objects.exists()


def test_it_rejects_lone_surrogates_with_400(post):
    response = post('{"lead": {"external_id": "\\ud800"}}')

    assert response.status_code == 400
    assert "lead.external_id" in response.json()["fields"]


def test_it_names_every_bad_field_at_once(post):
    response = post({"lead": {"email": "bad", "phone": "bad"}, "message": 1})

    assert set(response.json()["fields"]) == {"lead.email", "lead.phone", "message"}


def test_it_accepts_nulls_for_optional_fields(post):
    response = post({"lead": {"external_id": "tg-1", "email": None, "name": None}, "message": None})

    assert response.status_code == 202


def test_it_makes_a_bounded_number_of_queries(post, operator, django_assert_max_num_queries):
    for number in range(3):
        post({"lead": {"external_id": f"tg-{number}", "email": f"{number}@example.com"}})

    # The savepoint and its release, the replay check (and the token's), the leads, the lead's new
    # phone, the bot with its candidates, the contact (queued: the operator is full), its history,
    # the phone's source; on PostgreSQL everything after the replay check is one call of the
    # intake's function. The token's bot is remembered from the requests before; with the rate
    # limit off (as here), one more query asks whether it is archived.
    with django_assert_max_num_queries(5 if connection.vendor == "postgresql" else 10):
        post({"lead": {"external_id": "tg-1", "phone": "+79991234567"}, "external_id": "m-1"})


def test_a_fresh_lead_takes_no_more_queries_than_a_returning_one(
    post, operator, django_assert_max_num_queries
):
    # The token's bot (not seen yet); as a returning lead's, with the lead's INSERT, the round robin
    # and the daily figure (the operator has room), which PostgreSQL's one call includes.
    with django_assert_max_num_queries(5 if connection.vendor == "postgresql" else 12):
        post({"lead": {"external_id": "tg-new"}, "external_id": "m-1"})


def test_it_never_caches_answers(post):
    expected = HttpResponse()
    add_never_cache_headers(expected)

    answer = post({"lead": ANNA})

    assert answer["Cache-Control"] == expected["Cache-Control"]
    assert abs(parse_http_date(answer["Expires"]) - parse_http_date(expected["Expires"])) <= 1


def test_it_checks_an_emails_length_after_lower_casing(post):
    # "İ" lower-cases to two characters: 234 of them would become 468.
    response = post({"lead": {"email": "İ" * 234 + "@example.com"}})

    assert response.status_code == 400
    assert "lead.email" in response.json()["fields"]
    assert not Lead.objects.exists()


def test_it_rejects_phones_longer_than_e164(post):
    response = post({"lead": {"phone": "+49301234565277958"}})

    assert response.status_code == 400
    assert "lead.phone" in response.json()["fields"]


@pytest.mark.parametrize("token", ["abc\x00defghijk", "abcdefgh ijk", "abcdefgh\tijk"])
def test_it_refuses_tokens_of_the_wrong_shape_with_401(post, token):
    assert post({"lead": ANNA}, token=token).status_code == 401


def test_it_accepts_a_byte_order_mark(post):
    response = post(b"\xef\xbb\xbf" + json.dumps({"lead": ANNA}).encode())

    assert response.status_code == 202


def test_malformed_json_names_the_body_as_the_bad_field(post):
    assert post("{").json()["fields"] == {"body": "Not valid JSON."}


def test_it_answers_400_when_the_client_stops_sending(post, monkeypatch):
    from django.core.handlers.wsgi import WSGIRequest
    from django.http import UnreadablePostError

    def broken_read(*args):
        raise UnreadablePostError("connection reset")

    monkeypatch.setattr(WSGIRequest, "read", broken_read)

    assert post({"lead": ANNA}).status_code == 400
    assert not Contact.objects.exists()


def test_it_answers_503_when_the_database_is_unavailable(post, operator, monkeypatch):
    from django.db import OperationalError

    def unavailable(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr("distribution.views.intake.register_contact", unavailable)

    response = post({"lead": ANNA})

    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert "error" in response.json()


def test_it_answers_500_for_a_database_error_that_is_no_lock_or_outage(client, post, operator, monkeypatch):
    from django.db import OperationalError

    def missing_table(**kwargs):
        raise OperationalError("no such table: distribution_contact")

    monkeypatch.setattr("distribution.views.intake.register_contact", missing_table)
    client.raise_request_exception = False  # as a server does: handler500 answers

    response = post({"lead": ANNA})

    assert response.status_code == 500
    assert "Retry-After" not in response
    assert response.json() == {"error": "Internal error: the request failed on our side and was logged."}


@pytest.mark.parametrize("url", ["/api/contacts/", "/api/leads", "/api/"])
def test_unknown_api_addresses_get_a_json_404(client, db, url):
    response = client.post(url)

    assert response.status_code == 404
    assert "POST /api/contacts" in response.json()["error"]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("user@пример.рф", "user@xn--e1afmkfd.xn--p1ai"),
        ("user@xn--e1afmkfd.xn--p1ai", "USER@ПРИМЕР.РФ"),
        ("anna@example.com", "ａｎｎａ＠ｅｘａｍｐｌｅ．ｃｏｍ"),  # noqa: RUF001
    ],
)
def test_it_finds_one_lead_by_every_form_of_an_address(post, first, second):
    created = post({"lead": {"email": first, "verified": ["email"]}}).json()["lead"]

    response = post({"lead": {"email": second, "verified": ["email"]}})

    assert response.status_code == 202
    assert response.json()["lead"]["id"] == created["id"]
    assert response.json()["lead"]["created"] is False
    assert Lead.objects.count() == 1


@pytest.mark.parametrize(
    ("lead", "field", "error"),
    [
        ({"email": "a@exa\u200bmple.com"}, "lead.email", "invisible formatting characters"),
        ({"phone": "+7 999 ABC 45 67"}, "lead.phone", "Must not contain letters"),
        ({"phone": "+7 999 123-45-67 ext. 123"}, "lead.phone", "Extensions are not accepted"),
        ({"phone": "+7 999 123-45-67 x123"}, "lead.phone", "Extensions are not accepted"),
        ({"external_id": "tg-1\u200b"}, "lead.external_id", "invisible formatting characters"),
    ],
)
def test_it_refuses_identifiers_it_would_have_to_guess_at(post, lead, field, error):
    response = post({"lead": lead})

    assert response.status_code == 400
    assert error in response.json()["fields"][field]
    assert not Lead.objects.exists()
