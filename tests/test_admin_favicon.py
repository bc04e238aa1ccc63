# ruff: noqa: RUF001 - the Russian pages are read with Cyrillic letters that look like Latin ones.
"""Django admin names the dashboard's icon, /favicon.ico answers it, and the admin speaks Russian."""

import pytest
from django.contrib.auth import get_user_model

from distribution.models import Bot


@pytest.fixture
def admin_client(client, db):
    client.force_login(get_user_model().objects.create_superuser("admin", password="admin-password"))
    return client


@pytest.mark.parametrize("url", ["/admin/", "/admin/distribution/bot/", "/admin/distribution/bot/add/"])
def test_it_names_the_icon_on_admin_pages(admin_client, url):
    html = admin_client.get(url).content.decode()

    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html


def test_it_names_the_icon_on_the_admin_login(client, db):
    html = client.get("/admin/login/").content.decode()

    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html


def test_it_answers_favicon_ico_with_the_icon(client, db):
    response = client.get("/favicon.ico", follow=True)

    assert response.redirect_chain == [("/static/favicon.svg", 302)]
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"


def test_it_shows_the_admin_in_russian(admin_client):
    html = admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()

    assert "Администрирование Django" in html
    assert "Django administration" not in html


def test_it_shows_new_tokens_in_the_admin_in_russian(admin_client):
    data = {"name": "Viber Sales", "slug": "viber-sales", "links-TOTAL_FORMS": 0, "links-INITIAL_FORMS": 0}

    html = admin_client.post("/admin/distribution/bot/add/", data, HTTP_ACCEPT_LANGUAGE="ru").content.decode()

    bot = Bot.objects.get()
    assert "Скопируйте токен сейчас: он показан только один раз." in html
    assert 'aria-label="Токен бота Viber Sales"' in html
    assert "Все боты" in html
    assert "Добавить ещё бота" in html
    assert f'id="token-{bot.pk}"' in html
