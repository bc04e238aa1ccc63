# Russian prose: its letters are Cyrillic on purpose.
# ruff: noqa: RUF001
"""The Python side in Russian: messages, form errors, admin (verbose names, columns, actions)
and plurals in all three of Russian's forms. The suite runs in English; these ask for Russian."""

import re

import pytest
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import ngettext

from distribution.models import Bot, Contact, Lead, Operator, Webhook, WebhookDelivery
from distribution.views import common

from .visible_text import english_words

RUSSIAN = {"HTTP_ACCEPT_LANGUAGE": "ru"}
# Column titles that Russian writes as English does.
SAME_IN_BOTH = {"ID", "URL", "E-mail"}


@pytest.fixture
def admin_client(client, db):
    client.force_login(get_user_model().objects.create_superuser("admin", password="admin-password"))
    return client


@pytest.mark.parametrize(
    ("count", "russian", "english"),
    [
        (1, "1 контакт из очереди назначен.", "1 waiting contact assigned from the queue."),
        (2, "2 контакта из очереди назначены.", "2 waiting contacts assigned from the queue."),
        (5, "5 контактов из очереди назначены.", "5 waiting contacts assigned from the queue."),
        (11, "11 контактов из очереди назначены.", "11 waiting contacts assigned from the queue."),
        (21, "21 контакт из очереди назначен.", "21 waiting contacts assigned from the queue."),
    ],
)
def test_it_says_counts_in_the_right_plural(rf, monkeypatch, count, russian, english):
    said = []
    monkeypatch.setattr(common.messages, "info", lambda request, text: said.append(text))

    for language in ("ru", "en"):
        with translation.override(language):
            common.tell_assigned(rf.post("/"), [object()] * count)

    assert said == [russian, english]


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (1, "У оператора Ольга сейчас 1 открытый контакт, больше лимита 0: он остаётся"),
        (2, "У оператора Ольга сейчас 2 открытых контакта, больше лимита 0: они остаются"),
        (5, "У оператора Ольга сейчас 5 открытых контактов"),
        (11, "У оператора Ольга сейчас 11 открытых контактов"),
        (21, "У оператора Ольга сейчас 21 открытый контакт"),
    ],
)
def test_it_puts_the_count_where_russian_wants_it(count, expected):
    msgid = (
        "%(operator)s has %(count)s open contact now, more than %(capacity)s: it stays, and no new "
        "contact goes to %(operator)s until fewer than %(capacity)s are open."
    )
    plural = msgid.replace("open contact now", "open contacts now").replace("it stays", "they stay")
    with translation.override("ru"):
        text = ngettext(msgid, plural, count) % {"operator": "Ольга", "count": count, "capacity": 0}
    assert text.startswith(expected)


def test_it_tells_a_capacity_below_the_load_in_russian(manager_client, bot_with_operators, send):
    bot, (operator,) = bot_with_operators(weights=[10])
    operator.name = "Ольга"
    operator.save()
    for _ in range(3):
        send(bot)
    manager_client.cookies["django_language"] = "ru"

    response = manager_client.post(
        f"/operators/{operator.pk}/capacity", {"max_open_contacts": 2}, follow=True
    )

    texts = [str(message) for message in response.context["messages"]]
    assert texts == [
        "Лимит оператора Ольга теперь 2 открытых контакта.",
        "У оператора Ольга сейчас 3 открытых контакта, больше лимита 2: они остаются, но новые контакты "
        "оператору Ольга не придут, пока открытых не станет меньше 2.",
    ]


def test_it_refuses_a_taken_name_in_russian(manager_client, make_operator):
    make_operator(name="Ольга")

    response = manager_client.post("/operators/", {"name": "ОЛЬГА", "max_open_contacts": ""}, **RUSSIAN)

    assert response.status_code == 422
    errors = response.context["form"].errors
    assert errors["name"] == ["Это имя уже есть у другого оператора: добавьте фамилию или инициал."]
    assert errors["max_open_contacts"] == ["Обязательное поле."]


def test_it_explains_a_bad_period_in_russian(manager_client):
    response = manager_client.get("/contacts/", {"start": "2026-05-02", "end": "2026-05-01"}, **RUSSIAN)

    assert response.context["form"].errors["end"] == ["Дата окончания раньше даты начала."]


def test_it_refuses_a_permission_in_russian(client, db, roles):
    user = get_user_model().objects.create_user("operator-only", password="operator-password")
    user.groups.add(roles["Operators"])
    client.force_login(user)

    response = client.post("/operators/", {"name": "Ivan"}, HTTP_HX_REQUEST="true", **RUSSIAN)

    assert response.status_code == 403
    assert "Нет доступа. Нужно право «Может добавлять: оператор», а у вашего входа его нет." in (
        response.content.decode()
    )


@pytest.fixture
def every_row(bot_with_operators, send, make_delivery):
    bot, _operators = bot_with_operators(weights=[10])
    contact = send(bot)
    make_delivery(contact)
    return contact


@pytest.mark.parametrize("model", [Operator, Bot, Lead, Contact, Webhook, WebhookDelivery])
def test_the_admin_lists_each_model_in_russian(admin_client, every_row, model):
    model_admin = admin.site._registry[model]
    url = reverse(f"admin:distribution_{model._meta.model_name}_changelist")

    page = admin_client.get(url, **RUSSIAN).content.decode()

    def names() -> list[str]:
        """The model's plural, column titles and actions, and the app's name, in the active language."""
        return [
            str(capfirst(model._meta.verbose_name_plural)),
            *(
                str(capfirst(label_for_field(field, model, model_admin)))
                for field in model_admin.list_display
            ),
            *(str(getattr(model_admin, action).short_description) for action in model_admin.actions),
            str(model._meta.app_config.verbose_name),
        ]

    with translation.override("en"):
        in_english = names()
    with translation.override("ru"):
        in_russian = names()
    for english, russian in zip(in_english, in_russian, strict=True):
        assert russian in page
        if english in SAME_IN_BOTH:
            continue
        assert russian != english, f"not translated: {english}"
        assert f">{english}<" not in page, english
        assert f" {english}\n" not in page, english


def test_the_admin_shows_a_contacts_history_in_russian(admin_client, every_row):
    url = reverse("admin:distribution_contact_change", args=[every_row.pk])

    page = admin_client.get(url, **RUSSIAN).content.decode()

    assert "История" in page
    assert "поступил" in page
    assert ">arrived<" not in page


def test_the_admin_leaves_no_english_word(admin_client, every_row):
    pages = {
        "index": reverse("admin:index"),
        # With the contact's history inline.
        "contact": reverse("admin:distribution_contact_change", args=[every_row.pk]),
        # Each with its actions menu.
        **{
            f"{model._meta.app_label}.{model._meta.model_name}": reverse(
                f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
            )
            for model in admin.site._registry
        },
    }
    bot = every_row.bot
    operators = " ".join(Operator.objects.values_list("name", flat=True))
    data = {
        *re.findall(r"[A-Za-z]+", f"{bot.name} {bot.token_prefix} {Webhook.objects.get().url} {operators}"),
        *re.findall(r"[A-Za-z]+", every_row.lead.external_id),
        "admin",
        # The axes log's user agent when a request has none.
        "unknown",
    }
    # Not catalogue strings, so no catalogue can translate them: Django writes a yes/no column's
    # icon with the Python value as its alt (admin_list._boolean_icon), axes its log's __str__.
    untranslatable = {"True", "False", "Access", "Log", "for"}

    left = {
        name: english_words(
            admin_client.get(url, **RUSSIAN).content.decode(),
            allowed=data | untranslatable | {"URL", "mail"},  # written so in Russian too (E-mail)
        )
        for name, url in pages.items()
    }

    assert {name: words for name, words in left.items() if words} == {}
