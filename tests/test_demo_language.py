"""The demo speaks the language of the dashboard: Russian names and texts for a Russian one."""

import re

import pytest
from django.contrib.auth import get_user_model

from distribution.models import Bot, Contact, Lead, Operator

from .test_commands import run

CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def texts() -> dict[str, list[str]]:
    return {
        "operators": list(Operator.objects.values_list("name", flat=True)),
        "leads": list(Lead.objects.values_list("name", flat=True)),
        "messages": list(Contact.objects.values_list("message", flat=True)),
        "notes": list(Contact.objects.exclude(resolution="").values_list("resolution", flat=True)),
    }


def test_it_fills_a_russian_demo(roles):
    output = run("demo", "--language", "ru", "--contacts", "60", "--password", "demo-pass-123")

    for kind, words in texts().items():
        assert words, kind
        assert all(CYRILLIC.search(word) for word in words), kind
    assert Bot.objects.filter(name="Telegram — продажи").exists()
    assert Bot.objects.filter(name="Чат на сайте — возвраты").exists()
    assert Lead.objects.filter(name__endswith="ова").exists()
    assert "Token of bot 'Telegram — продажи': " in output
    alina = get_user_model().objects.get(username="alina")
    assert alina.get_full_name() == alina.operator.name == "Алина Морозова"
    assert "Operator login (Алина Морозова): username 'alina', password 'demo-pass-123'" in output
    assert all(email.isascii() for email in Lead.objects.exclude(email=None).values_list("email", flat=True))


def test_it_fills_an_english_demo(roles, settings):
    settings.LANGUAGE_CODE = "ru"

    run("demo", "--language", "en", "--contacts", "60")

    for kind, words in texts().items():
        assert words, kind
        assert not any(CYRILLIC.search(word) for word in words), kind
    assert Bot.objects.filter(name="Telegram Sales").exists()


@pytest.mark.parametrize(
    ("language", "bot", "operator"),
    [("ru", "Telegram — продажи", "Алина Морозова"), ("en", "Telegram Sales", "Alice Morgan")],
)
def test_it_follows_language_code_by_default(roles, settings, language, bot, operator):
    settings.LANGUAGE_CODE = language

    run("demo", "--contacts", "60")

    assert Bot.objects.filter(name=bot).exists()
    assert Operator.objects.order_by("pk").first().name == operator
