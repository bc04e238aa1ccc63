# ruff: noqa: RUF001 - the Russian pages are read with Cyrillic letters that look like Latin ones.
"""The bots', leads' and API documentation pages in Russian: their own words translated, dates in
the Russian format, numbers with the Russian decimal comma, and no English word of the templates
left in the text a manager reads or hears (aria-label, title, placeholder, hx-confirm)."""

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from distribution import routing
from distribution.models import BotOperator, Webhook, WebhookDelivery
from distribution.routing import LeadIdentity
from distribution.tokens import create_bot

RU = {"HTTP_ACCEPT_LANGUAGE": "ru"}
# Attributes that are read out or shown, besides the text.
READ_ATTRIBUTES = {"aria-label", "title", "placeholder", "hx-confirm", "alt"}
# Words that stay as they are in Russian: the scene's data, brands and protocol names.
ALLOWED = {
    # the scene's data
    "telegram",
    "sales",
    "viber",
    "support",
    "example",
    "anna",
    "hooks",
    "minicrm",
    "mini",
    "crm",
    # brands, protocols and formats
    "api",
    "http",
    "url",
    "json",
    "openapi",
    "post",
    "signature",
    # "e-mail" is written so in Russian too
    "mail",
}


class _ReadText(HTMLParser):
    """The text and read attributes inside `root` (an element id, or the whole document), without
    <code> (names of settings, headers and events are not translated) and without the subtrees
    other templates render (`skip`: the contact history's class)."""

    def __init__(self, root: str | None, skip: str):
        super().__init__()
        self.root, self.skip = root, skip
        self.stack: list[str] = []
        self.inside = root is None
        self.depth = 0
        self.hidden = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if not self.inside and attrs.get("id") == self.root:
            self.inside, self.depth = True, 0
        if self.inside:
            if tag in {"input", "meta", "link", "br", "img", "hr"}:
                self._attributes(attrs)
                return
            self.depth += 1
            classes = (attrs.get("class") or "").split()
            self.stack.append(tag if (tag in {"code", "script", "style"} or self.skip in classes) else "")
            if self.stack[-1]:
                self.hidden += 1
            elif not self.hidden:
                self._attributes(attrs)

    def handle_startendtag(self, tag, attrs):
        if self.inside and not self.hidden:
            self._attributes(dict(attrs))

    def handle_endtag(self, tag):
        if not self.inside or tag in {"input", "meta", "link", "br", "img", "hr"}:
            return
        if self.stack.pop():
            self.hidden -= 1
        self.depth -= 1
        if self.depth == 0 and self.root is not None:
            self.inside = False

    def handle_data(self, data):
        if self.inside and not self.hidden:
            self.parts.append(data)

    def _attributes(self, attrs: dict):
        # hx-confirm="unset" tells htmx not to ask: not text.
        self.parts.extend(
            value for name, value in attrs.items() if name in READ_ATTRIBUTES and value not in {None, "unset"}
        )


def read_parts(html: str, *, root: str | None = "main") -> list[str]:
    parser = _ReadText(root, skip="history")
    parser.feed(html)
    return [part.strip() for part in parser.parts if part.strip()]


def english_words(response, *, root: str | None = "main") -> set[str]:
    """ASCII words of three letters or more left in the page's Russian text, outside the data."""
    text = " | ".join(read_parts(response.content.decode(), root=root))
    # Addresses, e-mails and event names (contact.assigned) are data, whatever their letters.
    text = re.sub(r"\S+://\S*|\S+@\S+|\b[a-z_]+\.[a-z_]+\b", " ", text)
    return {word for word in re.findall(r"[A-Za-z]{3,}", text) if word.lower() not in ALLOWED}


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
    first = send(sales, lead=anna, message="Здравствуйте, нужна консультация")
    send(
        support, lead=LeadIdentity(external_id="tg-5511", email="anna@example.com"), message="Где мой заказ?"
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
    assert english_words(response) == set()


def test_it_shows_a_new_token_in_russian(manager_client, scene):
    response = manager_client.post("/bots/", {"name": "Telegram Support", "slug": ""}, **RU)

    html = response.content.decode()
    assert "Токен бота Telegram Support" in html
    assert "Передайте его боту сейчас: он показан только один раз" in html
    assert 'data-copy="#token-value">Скопировать</button>' in html
    assert english_words(response) == set()


def test_it_shows_a_bots_page_in_russian(manager_client, scene):
    response = manager_client.get(f"/bots/{scene['sales'].pk}/", **RU)

    html = response.content.decode()
    assert '<span class="number">2</span> контакта сегодня' in html
    assert "<h2>Операторы и веса</h2>" in html
    # The share of Ольга, the one operator on (Игорь is off), with the Russian decimal comma.
    assert "100,0 %" in html
    assert 'hx-confirm="Больше не передавать контакты бота Telegram Sales оператору Ольга?"' in html
    assert "<h2>Вебхук</h2>" in html
    assert 'aria-label="Выключить вебхук">Вкл.</button>' in html
    assert "<h2>Последние доставки</h2>" in html
    assert '<time datetime="2026-03-05T14:07:09+00:00">05.03.2026 14:07:09</time>' in html
    assert '<time datetime="2026-03-05T14:12:09+00:00">05.03.2026 14:12:09</time>' in html
    assert english_words(response) == set()


def test_it_shows_a_bots_plurals_in_russian(manager_client, scene, send):
    for _ in range(3):
        send(scene["sales"])

    html = manager_client.get(f"/bots/{scene['sales'].pk}/", **RU).content.decode()

    assert '<span class="number">5</span> контактов сегодня' in html


def test_it_shows_a_rotated_token_in_russian(manager_client, scene):
    response = manager_client.post(f"/bots/{scene['sales'].pk}/rotate-token", **RU)

    html = response.content.decode()
    assert "Новый токен, показан только один раз:" in html
    assert english_words(response) == set()


def test_it_shows_a_new_webhook_secret_in_russian(manager_client, scene):
    data = {"url": "https://hooks.example.com/support", "events": Webhook.Event.values}

    response = manager_client.post(f"/bots/{scene['support'].pk}/webhook", data, **RU)

    html = response.content.decode()
    assert "Секрет, показан только один раз: получатель проверяет им каждый запрос." in html
    assert "Пока ничего не отправлено." in html
    assert english_words(response) == set()


def test_it_shows_the_leads_list_in_russian(manager_client, scene):
    response = manager_client.get("/leads/?q=anna", **RU)

    html = response.content.decode()
    assert "Поиск по имени, e-mail, телефону или внешнему ID" in html
    assert 'placeholder="Анна, anna@example.com, +7 999 123-45-67, tg-5511"' in html
    assert "Анна Иванова" in html
    assert english_words(response) == set()


def test_it_says_in_russian_that_no_lead_matches(manager_client, scene):
    response = manager_client.get("/leads/?q=nobody", **RU)

    assert "По запросу «nobody» лидов не найдено." in response.content.decode()
    assert english_words(response) - {"nobody"} == set()


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
    assert f'aria-label="Присоединить #{scene["namesake"].pk} к этому лиду"' in html
    assert english_words(response) == set()


def test_it_asks_in_russian_before_a_merge(manager_client, scene):
    lead, namesake = scene["lead"], scene["namesake"]

    response = manager_client.post(f"/leads/{lead.pk}/merge", {"other": f"#{namesake.pk}"}, **RU)

    html = response.content.decode()
    assert f"<h2>Объединить #{namesake.pk} Анна Иванова с #{lead.pk} Анна Иванова?</h2>" in html
    assert (
        f"#{namesake.pk} Анна Иванова (tg-77) — этот лид будет удалён: его 1 контакт перейдёт к "
        f"#{lead.pk} Анна Иванова, и тот получит недостающие идентификаторы. Отменить это нельзя."
    ) in html
    assert f"Объединить и удалить #{namesake.pk}</button>" in html
    assert english_words(response) == set()


def test_it_shows_the_api_documentation_page_in_russian(client, db):
    response = client.get("/api/docs", **RU)

    html = response.content.decode()
    assert '<html lang="ru">' in html
    assert "<title>API для ботов · mini-CRM</title>" in html
    assert "Сам документ:" in html
    assert english_words(response, root=None) == set()


def test_it_finds_english_left_in_a_page(manager_client, scene):
    """The check itself: an English page has plenty."""
    response = manager_client.get(f"/bots/{scene['sales'].pk}/", HTTP_ACCEPT_LANGUAGE="en")

    assert {"Operators", "weights", "Webhook", "deliveries", "Remove"} <= english_words(response)
