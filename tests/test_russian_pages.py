# ruff: noqa: RUF001  (Russian text: its Cyrillic letters that look Latin are meant)
"""Every page of the dashboard's own templates reads in Russian when the browser asks for it, with
no English word of the template left, and in English without a Russian word, with data in every
table and with the empty states. The helper that reads a page: tests/visible_text.py."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import timezone, translation

from distribution import logins, routing
from distribution.models import Contact, ContactEvent, Operator, OperatorEvent

from .visible_text import english_words, russian_words

RU = {"HTTP_ACCEPT_LANGUAGE": "ru"}
# The scene's data, shown as it is in both languages: logins, identifiers (the `send` fixture's
# leads are "lead-N"), the Managers group.
DATA = {"manager", "nobody", "anna", "ivan", "example", "com", "Managers", "lead"}
# The Russian data of the scene, for the English pages.
RUSSIAN_DATA = {"Анна", "Ольга", "Продажи", "Иван", "Где", "мой", "заказ", "Ещё", "вопрос", "Ответил"}


def assert_russian(html: str, *expected: str) -> None:
    for text in expected:
        assert text in html
    assert english_words(html, allowed=DATA) == []


def assert_english(html: str) -> None:
    assert russian_words(html, allowed=RUSSIAN_DATA) == []


@pytest.fixture
def scene(bot_with_operators, send, operator_login):
    """An operator with a login, open, waiting and closed contacts with history, a lead with
    identifiers: every table of every page has rows."""
    bot, (anna,) = bot_with_operators(weights=[10], capacities=[2], name="Продажи")
    anna.name = "Анна"
    anna.save(update_fields=["name"])
    user, _password = logins.create_login(operator=anna, username="anna")
    ivan = routing.LeadIdentity(external_id="tg-7", email="ivan@example.com", name="Иван")
    closed = send(bot, lead=ivan, message="Где мой заказ?")
    routing.close_contact(contact=closed, note="Ответил")
    open_contact = send(bot, lead=ivan, message="Ещё вопрос")
    send(bot)
    waiting = send(bot)
    assert waiting.status == Contact.Status.WAITING
    return {"bot": bot, "operator": anna, "user": user, "closed": closed, "open": open_contact}


def manager_pages(scene) -> list[str]:
    operator, closed = scene["operator"], scene["closed"]
    return [
        "/",
        "/operators/",
        f"/operators/{operator.pk}/",
        "/contacts/",
        f"/contacts/{closed.pk}/",
        "/report/",
    ]


def test_it_shows_the_managers_pages_in_russian(manager_client, scene):
    expected = {
        "/": ("Обзор", "Загрузка операторов", "Очередь", "Анна"),
        "/operators/": ("Операторы", "Добавить оператора", "Вернуть в очередь: 2"),
        f"/operators/{scene['operator'].pk}/": (
            "Боты и веса",
            "Недавно закрытые контакты",
            "назад",
            "Сбросить пароль",
        ),
        "/contacts/": ("Контакты", "Где мой заказ?", "Закрыть"),
        f"/contacts/{scene['closed'].pk}/": ("История", "Контакт #"),
        "/report/": (
            "Отчёт о распределении",
            "Каждая полоса — доля от 100 %.",
            "Фактическая доля",
            "100,0 %",
            "Доля по весу: Анна",
        ),
    }
    for url in manager_pages(scene):
        response = manager_client.get(url, **RU)
        assert response.status_code == 200, url
        assert_russian(response.content.decode(), *expected[url])


def test_it_shows_the_managers_pages_in_english_without_russian(manager_client, scene):
    for url in manager_pages(scene):
        html = manager_client.get(url).content.decode()
        assert 'lang="en"' in html
        assert_english(html)


def test_it_shows_the_empty_pages_in_russian(manager_client, make_operator):
    operator = make_operator(name="Анна")
    expected = {
        "/": ("Очередь пуста.",),
        "/operators/": ("Операторы",),
        f"/operators/{operator.pk}/": (
            "Пока не подключён ни к одному боту",
            "Открытых контактов нет.",
            "Пока нет.",
        ),
        "/contacts/": ("Подходящих контактов нет.",),
        "/report/": ("За этот период ни один контакт не закрыт.",),
    }
    for url, texts in expected.items():
        assert_russian(manager_client.get(url, **RU).content.decode(), *texts)
    operator.delete()
    assert_russian(manager_client.get("/", **RU).content.decode(), "Операторов пока нет.")
    assert_russian(
        manager_client.get("/operators/", **RU).content.decode(),
        "Операторов пока нет: добавьте первого ниже.",
    )


def test_it_says_plurals_in_russian_forms(manager_client, bot_with_operators, send):
    bot, _operators = bot_with_operators(weights=[10])
    for _ in range(5):
        send(bot)

    html = manager_client.get("/report/?period=7d", **RU).content.decode()

    assert "(7 дней): 5 назначений." in html


def test_it_names_the_time_zone_on_every_page(manager_client, settings):
    settings.TIME_ZONE = "Europe/Moscow"
    timezone.activate("Europe/Moscow")
    try:
        assert "Время: Europe/Moscow (UTC+03:00)" in manager_client.get("/contacts/", **RU).content.decode()
        assert "Time: Europe/Moscow (UTC+03:00)" in Client().get("/login/").content.decode()
    finally:
        timezone.deactivate()


def test_it_shows_the_contact_close_confirmation_in_russian(manager_client, scene):
    html = manager_client.get(f"/contacts/{scene['open'].pk}/close", **RU).content.decode()

    assert_russian(html, "Отмена")


def test_it_shows_the_workspace_in_russian(client, scene):
    client.force_login(scene["user"])

    html = client.get("/me/", **RU).content.decode()
    assert_russian(html, "Мои контакты", "На месте", "Итог (необязательно)", "назад", "Ещё вопрос")
    html = client.get(f"/me/contacts/{scene['open'].pk}/", **RU).content.decode()
    assert_russian(html, "Другие контакты лида", "Поступил", "Эл. почта", "Ответил")
    html = client.get(f"/me/contacts/{scene['open'].pk}/close", **RU).content.decode()
    assert_russian(html, "Закрыть контакт", "Отмена")
    assert_english(client.get("/me/").content.decode())


def test_it_shows_the_workspace_states_in_russian(client, operator_login, scene):
    _operator, user = operator_login(name="Ольга")
    client.force_login(user)
    assert_russian(client.get("/me/", **RU).content.decode(), "Открытых контактов нет: новые появятся здесь.")
    client.post("/me/away", **RU)
    assert_russian(client.get("/me/", **RU).content.decode(), "Нет на месте", "Открытых контактов нет.")
    client.force_login(scene["user"])
    html = client.post("/me/away", **RU).content.decode()
    assert_russian(html, "У вас 2 открытых контакта.")


def test_it_shows_the_workspace_deadlines_in_russian(
    client, settings, clock, bot_with_operators, send, operator_login
):
    settings.ANSWER_WITHIN = datetime.timedelta(minutes=5)
    bot, _ = bot_with_operators(weights=[], name="Продажи")
    operator, user = operator_login(name="Ольга")
    routing.set_weight(bot=bot, operator=operator, weight=10)
    taken, late = send(bot), send(bot)
    routing.accept_contact(contact=taken)
    clock.advance(datetime.timedelta(minutes=6))
    send(bot)
    client.force_login(user)

    html = client.get("/me/", **RU).content.decode()
    assert_russian(html, "Взят 6\xa0минут назад", "Просрочен на ", "осталось ", f"Взять #{late.pk}")
    assert_russian(html, "Звук и уведомление на рабочем столе", "Уведомлять меня")
    Operator.objects.filter(pk=operator.pk).update(is_active=False, away_reason=OperatorEvent.Reason.MISSED)
    html = client.get("/me/", **RU).content.decode()
    assert_russian(html, "Вы отключены: 3 контакта подряд не были взяты вовремя.")
    assert_english(client.get("/me/").content.decode())


def test_it_shows_the_login_and_refusals_in_russian(client, manager_client, db):
    manager_client.logout()
    assert_russian(client.get("/login/", **RU).content.decode(), "Войти", "Имя пользователя")
    assert_russian(client.get("/nothing/", **RU).content.decode(), "Не найдено")
    user = get_user_model().objects.create_user("nobody", password="nobody-password")
    client.force_login(user)
    html = client.get("/operators/", **RU).content.decode()
    assert_russian(html, "Нет доступа", "Вы вошли как nobody")
    html = client.get("/me/", **RU).content.decode()
    assert_russian(html, "Вы не оператор")


def test_it_shows_the_lockout_and_unavailable_pages_in_russian(db):
    request = RequestFactory().get("/login/")
    request.user = get_user_model()()
    with translation.override("ru"):
        locked = render_to_string(
            "registration/locked_out.html", {"failure_limit": 5, "minutes": 21, "username": "anna"}, request
        )
        unavailable = render_to_string("503.html", {"message": ""})

    assert_russian(locked, "После 5 неверных паролей подряд", "Подождите 21 минуту")
    assert_russian(unavailable, "Временно недоступно")


def test_it_says_elapsed_times_in_russian(client, scene):
    Contact.objects.filter(pk=scene["open"].pk).update(
        assigned_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    client.force_login(scene["user"])

    assert "5\xa0минут назад" in client.get("/me/", **RU).content.decode()


def test_it_dates_the_history_in_the_russian_format(manager_client, scene):
    event = ContactEvent.objects.filter(contact=scene["closed"]).first()
    moment = timezone.localtime(event.at)

    html = manager_client.get(f"/contacts/{scene['closed'].pk}/", **RU).content.decode()

    assert moment.strftime("%d.%m.%Y %H:%M:%S") in html
