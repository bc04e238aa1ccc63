# ruff: noqa: RUF001 - the Russian pages are read with Cyrillic letters that look like Latin ones.
"""Russian that reads as written by a person: a neutral "away" for everyone, whole sentences, the
field's own name for a bot's code, and a 403 page that says whom to ask."""

from distribution import logins

from .conftest import htmx

RU = {"HTTP_ACCEPT_LANGUAGE": "ru"}


def test_an_away_operator_is_away_whatever_the_gender(client, operator_login):
    _operator, user = operator_login(name="Анна", active=False)
    client.force_login(user)

    html = client.get("/me/", **RU).content.decode()

    assert "Нет на месте" in html
    assert "Отошёл" not in html


def test_a_detached_login_is_told_in_a_whole_sentence(manager_client, make_operator):
    operator = make_operator(name="Тест Один")
    logins.create_login(operator=operator, username="odin")

    response = manager_client.post(f"/operators/{operator.pk}/login/detach", **RU, **htmx("operator-login"))

    assert "Логин odin отключён и больше не связан с оператором Тест Один." in response.content.decode()


def test_a_taken_code_is_called_a_code(manager_client, bot_with_operators):
    bot_with_operators(weights=[], name="WhatsApp Support")

    response = manager_client.post("/bots/", {"name": "WhatsApp support"}, **RU)

    html = response.content.decode()
    assert "Бот с кодом «whatsapp-support» уже есть." in html
    assert "слаг" not in html


def test_the_403_page_says_whom_to_ask(client, operator_login):
    _operator, user = operator_login(name="Анна")
    client.force_login(user)

    response = client.get("/operators/", **RU)

    html = response.content.decode()
    assert response.status_code == 403
    assert "попросите менеджера дать вашему логину доступ" in html
    assert "Django" not in html
    assert "Managers" not in html


def test_the_codes_field_has_one_name_in_admin(admin_client):
    html = admin_client.get("/admin/distribution/bot/add/", **RU).content.decode()

    assert "слаг" not in html.lower()
    assert "Код:" in html
