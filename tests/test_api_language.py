# Russian prose: its letters are Cyrillic on purpose.
# ruff: noqa: RUF001
"""The bots' API answers in English whatever the site's LANGUAGE_CODE or a browser's language
cookie says, and in Russian when the request's Accept-Language asks for it. Only the messages
change: status codes, keys and field names stay as they are."""

import pytest


@pytest.fixture(autouse=True)
def russian_site(settings):
    settings.LANGUAGE_CODE = "ru"


def test_it_answers_in_english_by_default(client, db):
    response = client.post("/api/contacts", {}, content_type="application/json")

    assert response.status_code == 401
    assert response.json() == {"error": "Send the bot's token as 'Authorization: Bearer <token>'."}
    assert response["Content-Language"] == "en"


def test_it_answers_in_russian_when_asked(client, db):
    response = client.post(
        "/api/contacts",
        {},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer nope",
        HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9,en;q=0.5",
    )

    assert response.status_code == 401
    assert response.json() == {"error": "Неизвестный токен."}
    assert response["Content-Language"] == "ru"


def test_it_ignores_the_language_cookie(client, db):
    client.cookies["django_language"] = "ru"

    response = client.post(
        "/api/contacts", {}, content_type="application/json", HTTP_AUTHORIZATION="Bearer nope"
    )

    assert response.json() == {"error": "Unknown token."}


def test_it_follows_the_preference_order_of_the_header(client, db):
    response = client.get("/api/nowhere", HTTP_ACCEPT_LANGUAGE="de, en;q=0.9, ru;q=0.8")

    assert response.status_code == 404
    assert response.json()["error"].startswith("No such endpoint.")


def test_it_translates_messages_not_fields(client, bot_and_token):
    _bot, token = bot_and_token
    body = {"lead": {"email": "not an address", "phone": "call me"}, "colour": "red"}

    response = client.post(
        "/api/contacts",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_ACCEPT_LANGUAGE="ru",
    )

    assert response.status_code == 400
    assert response.json() == {
        "error": "Неправильные поля.",
        "fields": {
            "colour": "Неизвестное поле.",
            "lead.email": "Введите правильный адрес e-mail.",
            "lead.phone": "Не должно содержать букв: отправьте цифры, например +7 999 123-45-67.",
        },
    }


def test_it_leaves_the_dashboard_in_the_sites_language(client, db):
    response = client.get("/login/")

    assert response["Content-Language"] == "ru"
