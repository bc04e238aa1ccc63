"""Strings that Django 6.1 and django-tasks-db show, in the dashboard and the admin, and that
their own Russian catalogues lack: the project's catalogue has them (minicrm/foreign_msgids.py)."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from minicrm import foreign_msgids

RU = {"HTTP_ACCEPT_LANGUAGE": "ru"}


@pytest.fixture
def superuser_client(client, roles):
    """A superuser, and the roles' groups for the admin's lists to have rows (and actions)."""
    client.force_login(get_user_model().objects.create_superuser("root", password="root-password"))
    return client


@pytest.mark.parametrize("text", foreign_msgids.MSGIDS)
def test_it_has_a_russian_translation_of_each_string_django_leaves_in_english(text):
    with translation.override("ru"):
        assert translation.gettext(text) != text


def test_it_offers_the_operators_of_a_bot_without_the_english_blank_choice(
    manager_client, bot_with_operators, make_operator
):
    bot, _operators = bot_with_operators(weights=[10])
    make_operator(name="Ольга")

    html = manager_client.get(bot.get_absolute_url(), **RU).text

    assert "Select an option" not in html
    assert "— Выберите —" in html


@pytest.mark.parametrize(
    ("url", "english", "russian"),
    [
        ("/admin/", "Tasks Database Backend", "Фоновые задачи"),
        ("/admin/", "Task Results", "Результаты задач"),
        ("/admin/auth/group/", "Select an option", "— Выберите —"),
        ("/admin/distribution/contact/", "Filter by", "Отбор по"),
        ("/admin/django_tasks_database/dbtaskresult/", "queue name", "очередь"),
    ],
)
def test_it_shows_the_admin_in_russian_where_django_does_not(superuser_client, url, english, russian):
    html = superuser_client.get(url, **RU).text

    assert english not in html
    assert russian in html


@pytest.mark.parametrize(
    ("english", "russian"),
    [("Today (%(date)s)", "Сегодня (%(date)s)"), ("%s (today)", "%s (сегодня)")],
)
def test_it_gives_the_admins_date_shortcuts_russian_labels(superuser_client, english, russian):
    script = superuser_client.get("/admin/jsi18n/", **RU).text

    # The catalogue is JSON in the script, its non-ASCII letters escaped.
    assert f"{json.dumps(english)}: {json.dumps(russian)}" in script
