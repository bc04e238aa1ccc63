# ruff: noqa: RUF001 - the Russian pages are read with Cyrillic letters that look like Latin ones.
"""The bots', leads' and API documentation pages in Russian: their own words translated, dates in
the Russian format, numbers with the Russian decimal comma, and no English word of the templates
left in the text a manager reads or hears (aria-label, title, placeholder, hx-confirm): the page's
reader is tests/visible_text.py, shared with the other pages' tests."""

import datetime
import re

import pytest
from django.utils import timezone

from distribution import routing
from distribution.models import BotOperator, Webhook, WebhookDelivery
from distribution.routing import LeadIdentity
from distribution.tokens import create_bot

from .visible_text import english_words

RU = {"HTTP_ACCEPT_LANGUAGE": "ru"}
# Words that stay as they are in Russian: the scene's data (names, the manager's login), brands
# and protocol names. Addresses and event names are dotted names, which the check leaves out.
DATA = {
    # the scene's data
    "telegram",
    "sales",
    "viber",
    "support",
    "anna",
    "manager",
    # brands, protocols and formats
    "api",
    "http",
    "https",
    "url",
    "json",
    "openapi",
    "post",
    # "e-mail" is written so in Russian too
    "mail",
}


@pytest.fixture
def scene(manager, make_operator, send):
    """Telegram Sales with Ольга (weight 1) and Игорь (weight 7, switched off), a waiting contact,
    and a webhook with two deliveries; Viber Support, with nobody; Анна Иванова, a lead of both
    bots with an e-mail and a phone, and her namesake."""
    sales, _ = create_bot(name="Telegram Sales")
    support, _ = create_bot(name="Viber Support")
    olga = make_operator(name="Ольга", capacity=1)
    igor = make_operator(name="Игорь", capacity=5)
    olga_link = BotOperator.objects.create(bot=sales, operator=olga, weight=1)
    BotOperator.objects.create(bot=sales, operator=igor, weight=7)
    routing.set_operator_active(operator=igor, is_active=False)
    anna = LeadIdentity(email="anna@example.com", phone="+79161234567", name="Анна Иванова")
    first = send(sales, lead=anna, message="Здравствуйте, нужна консультация", verified=frozenset({"email"}))
    send(
        support,
        lead=LeadIdentity(external_id="tg-5511", email="anna@example.com"),
        message="Где мой заказ?",
        verified=frozenset({"email"}),
    )
    namesake = send(sales, lead=LeadIdentity(external_id="tg-77", name="Анна Иванова")).lead
    webhook = Webhook.objects.create(
        bot=sales, url="https://hooks.example.com/minicrm", secret="whsec_test", events=Webhook.Event.values
    )
    at = timezone.make_aware(datetime.datetime(2026, 3, 5, 14, 7, 9), datetime.UTC)
    for status, response_status in (
        (WebhookDelivery.Status.FAILED, 500),
        (WebhookDelivery.Status.PENDING, None),
    ):
        WebhookDelivery.objects.create(
            webhook=webhook,
            contact=first,
            event=Webhook.Event.ASSIGNED,
            payload={},
            status=status,
            attempts=3,
            response_status=response_status,
            created_at=at,
            next_attempt_at=at + datetime.timedelta(minutes=5),
        )
    return {
        "sales": sales,
        "support": support,
        "olga_link": olga_link,
        "lead": first.lead,
        "namesake": namesake,
    }


def test_it_shows_the_bots_list_in_russian(manager_client, scene):
    response = manager_client.get("/bots/", **RU)

    html = response.content.decode()
    assert "<h1>Боты</h1>" in html
    assert "Операторы: включены / всего" in html
    assert 'title="Контакты этого бота некому принять: они ждут в очереди."' in html
    assert "никто не включён</span> 0 вкл. / 0" in html
    assert "<h2>Добавить бота</h2>" in html
    assert english_words(html, allowed=DATA) == []


def test_it_shows_a_new_token_in_russian(manager_client, scene):
    response = manager_client.post("/bots/", {"name": "Telegram Support", "slug": ""}, **RU)

    html = response.content.decode()
    assert "Токен бота Telegram Support" in html
    assert "Передайте его боту сейчас: он показан только один раз" in html
    assert 'data-copy="#token-value">Скопировать</button>' in html
    assert english_words(html, allowed=DATA) == []


def test_it_shows_a_bots_page_in_russian(manager_client, scene):
    response = manager_client.get(f"/bots/{scene['sales'].pk}/", **RU)

    html = response.content.decode()
    assert '<span class="number">2</span> контакта сегодня' in html
    assert "<h2>Операторы и веса</h2>" in html
    # The share of Ольга, the one operator on (Игорь is off), with the Russian decimal comma.
    assert "100,0 %" in html
    assert 'hx-confirm="Больше не передавать контакты бота Telegram Sales оператору Ольга?"' in html
    assert "<h2>Вебхук</h2>" in html
    switch = r'aria-pressed="true"><span class="visually-hidden">Отправка</span>'
    switch += r'\s*<span aria-hidden="true">Вкл\.</span>'
    assert re.search(switch, html)
    assert "<h2>Последние доставки</h2>" in html
    assert '<time datetime="2026-03-05T14:07:09+00:00">05.03.2026 14:07:09</time>' in html
    assert '<time datetime="2026-03-05T14:12:09+00:00">05.03.2026 14:12:09</time>' in html
    assert english_words(html, allowed=DATA) == []


def test_it_shows_a_bots_plurals_in_russian(manager_client, scene, send):
    for _ in range(3):
        send(scene["sales"])

    html = manager_client.get(f"/bots/{scene['sales'].pk}/", **RU).content.decode()

    assert '<span class="number">5</span> контактов сегодня' in html


def test_it_shows_a_rotated_token_in_russian(manager_client, scene):
    response = manager_client.post(f"/bots/{scene['sales'].pk}/rotate-token", **RU)

    html = response.content.decode()
    assert "Новый токен, показан только один раз:" in html
    assert english_words(html, allowed=DATA) == []


def test_it_shows_a_new_webhook_secret_in_russian(manager_client, scene):
    data = {"url": "https://hooks.example.com/support", "events": Webhook.Event.values}

    response = manager_client.post(f"/bots/{scene['support'].pk}/webhook", data, **RU)

    html = response.content.decode()
    assert "Секрет, показан только один раз: получатель проверяет им каждый запрос." in html
    assert "Пока ничего не отправлено." in html
    assert english_words(html, allowed=DATA) == []


def test_it_shows_the_leads_list_in_russian(manager_client, scene):
    response = manager_client.get("/leads/?q=anna", **RU)

    html = response.content.decode()
    assert "Поиск по имени, e-mail, телефону или внешнему ID" in html
    assert 'placeholder="Анна, anna@example.com, +7 999 123-45-67, tg-5511"' in html
    assert "Анна Иванова" in html
    assert english_words(html, allowed=DATA) == []


def test_it_says_in_russian_that_no_lead_matches(manager_client, scene):
    html = manager_client.get("/leads/?q=nobody", **RU).content.decode()

    assert "По запросу «nobody» лидов не найдено." in html
    assert english_words(html, allowed=DATA | {"nobody"}) == []


def test_it_shows_a_leads_page_in_russian(manager_client, scene):
    response = manager_client.get(f"/leads/{scene['lead'].pk}/", **RU)

    html = response.content.decode()
    assert "<h2>Идентификаторы и их источники</h2>" in html
    assert "<h2>Контакты во всех ботах</h2>" in html
    assert "Впервые появился <time" in html
    assert re.search(r"<time datetime=\"[^\"]+\">\d\d\.\d\d\.\d{4} \d\d:\d\d</time>", html)
    assert "<summary>1 событие</summary>" in html
    assert "<h2>Отделить идентификаторы в новый лид</h2>" in html
    assert "Лиды с тем же именем:" in html
    assert f'aria-label="Присоединить к этому лиду… (#{scene["namesake"].pk})"' in html
    assert english_words(html, allowed=DATA) == []


def test_it_asks_in_russian_before_a_merge(manager_client, scene):
    lead, namesake = scene["lead"], scene["namesake"]

    response = manager_client.post(f"/leads/{lead.pk}/merge", {"other": f"#{namesake.pk}"}, **RU)

    html = response.content.decode()
    assert f"<h2>Объединить #{namesake.pk} Анна Иванова с #{lead.pk} Анна Иванова?</h2>" in html
    assert f"#{namesake.pk} будет удалён: его 1 контакт перейдёт к #{lead.pk}. Отменить это нельзя." in html
    assert f"У #{lead.pk} останутся:" in html
    assert f"Объединить и удалить #{namesake.pk}</button>" in html
    assert english_words(html, allowed=DATA) == []


def test_it_shows_the_api_documentation_page_in_russian(client, db):
    response = client.get("/api/docs", **RU)

    html = response.content.decode()
    assert '<html lang="ru">' in html
    assert "<title>API для ботов · mini-CRM</title>" in html
    assert "Сам документ:" in html
    assert english_words(html, allowed=DATA) == []


def test_it_finds_english_left_in_a_page(manager_client, scene):
    """The check itself: an English page has plenty."""
    html = manager_client.get(f"/bots/{scene['sales'].pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    words = set(english_words(html, allowed=DATA))

    assert {"Operators", "weights", "Webhook", "deliveries", "Remove"} <= words
