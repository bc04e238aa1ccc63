"""A manager gives an operator its login on the operator's page: creates it, resets its password,
detaches it. The generated password is shown once (see also test_secrets_in_cookies.py)."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from distribution import logins
from distribution.models import Operator

from .conftest import htmx


def logs_in(username: str, password: str) -> bool:
    response = Client().post("/login/", {"username": username, "password": password})
    return response.status_code == 302


def shown_password(response) -> str:
    (password,) = re.findall(
        r'id="password-value" class="token-value" type="text" readonly value="([^"]+)"',
        response.content.decode(),
    )
    return password


@pytest.fixture
def operator(make_operator):
    return make_operator(name="Anna Smith")


def test_it_offers_a_login_on_the_operators_page(manager_client, operator):
    response = manager_client.get(f"/operators/{operator.pk}/")

    html = response.content.decode()
    assert "has no login yet" in html
    assert 'value="anna-smith"' in html


def test_it_creates_a_login_in_the_operators_group(manager_client, operator):
    response = manager_client.post(
        f"/operators/{operator.pk}/login/create", {"username": "anna"}, **htmx("operator-login")
    )

    assert response.status_code == 200
    operator.refresh_from_db()
    user = operator.user
    assert user.username == "anna"
    assert not user.is_staff
    assert list(user.groups.values_list("name", flat=True)) == ["Operators"]
    assert logs_in("anna", shown_password(response))
    assert 'id="operator-login"' in response.content.decode()


def test_it_joins_an_existing_operators_group(manager_client, operator):
    group, _ = Group.objects.get_or_create(name="Operators")

    manager_client.post(f"/operators/{operator.pk}/login/create", {"username": "anna"})

    operator.refresh_from_db()
    assert list(operator.user.groups.all()) == [group]


def test_it_shows_the_whole_page_without_javascript(manager_client, operator):
    response = manager_client.post(f"/operators/{operator.pk}/login/create", {"username": "anna"})

    assert response.status_code == 200
    assert "<html" in response.content.decode()
    assert shown_password(response)


@pytest.mark.parametrize("username", ["", "anna smith", "a" * 151])
def test_it_refuses_a_bad_username(manager_client, operator, username):
    response = manager_client.post(
        f"/operators/{operator.pk}/login/create", {"username": username}, **htmx("operator-login")
    )

    assert response.status_code == 422
    assert 'class="error"' in response.content.decode()
    operator.refresh_from_db()
    assert operator.user is None


def test_it_refuses_a_taken_username(manager_client, operator, manager):
    response = manager_client.post(
        f"/operators/{operator.pk}/login/create", {"username": "MANAGER"}, **htmx("operator-login")
    )

    assert response.status_code == 422
    assert "The username MANAGER is taken." in response.content.decode()


def test_it_refuses_a_second_login(manager_client, operator):
    logins.create_login(operator=operator, username="anna")

    response = manager_client.post(f"/operators/{operator.pk}/login/create", {"username": "anna2"})

    assert response.status_code == 200
    assert "Anna Smith already has a login." in response.content.decode()
    assert not get_user_model().objects.filter(username="anna2").exists()


def test_it_resets_the_password(manager_client, operator):
    _user, old_password = logins.create_login(operator=operator, username="anna")

    response = manager_client.post(f"/operators/{operator.pk}/login/reset", **htmx("operator-login"))

    new_password = shown_password(response)
    assert new_password != old_password
    assert not logs_in("anna", old_password)
    assert logs_in("anna", new_password)


def test_it_ends_the_operators_sessions_on_reset(manager_client, operator):
    user, _password = logins.create_login(operator=operator, username="anna")
    operator_client = Client()
    operator_client.force_login(user)

    manager_client.post(f"/operators/{operator.pk}/login/reset")

    assert operator_client.get("/me/").url == "/login/?next=/me/"


def test_it_detaches_and_deactivates_the_login(manager_client, operator):
    user, password = logins.create_login(operator=operator, username="anna")

    response = manager_client.post(f"/operators/{operator.pk}/login/detach", **htmx("operator-login"))

    assert "anna is deactivated" in response.content.decode()
    assert "has no login yet" in response.content.decode()
    operator.refresh_from_db()
    user.refresh_from_db()
    assert operator.user is None
    assert not user.is_active
    assert not logs_in("anna", password)


def test_it_gives_a_detached_operator_a_new_login(manager_client, operator):
    logins.create_login(operator=operator, username="anna")
    logins.detach_login(operator=Operator.objects.get(pk=operator.pk))

    manager_client.post(f"/operators/{operator.pk}/login/create", {"username": "anna-2"})

    operator.refresh_from_db()
    assert operator.user.username == "anna-2"


@pytest.mark.parametrize("action", ["reset", "detach"])
def test_it_asks_before_acting_without_javascript(manager_client, operator, action):
    logins.create_login(operator=operator, username="anna")

    response = manager_client.get(f"/operators/{operator.pk}/login/{action}")

    assert response.status_code == 200
    assert (
        f'<form method="post" action="/operators/{operator.pk}/login/{action}">' in response.content.decode()
    )
    operator.refresh_from_db()
    assert operator.user.is_active


@pytest.mark.parametrize("action", ["reset", "detach"])
def test_it_says_when_there_is_no_login(manager_client, operator, action):
    response = manager_client.post(f"/operators/{operator.pk}/login/{action}", **htmx("operator-login"))

    assert response.status_code == 200
    assert "Anna Smith has no login." in response.content.decode()


def test_it_rejects_get_on_create(manager_client, operator):
    assert manager_client.get(f"/operators/{operator.pk}/login/create").status_code == 405


@pytest.mark.parametrize("action", ["create", "reset", "detach"])
def test_it_answers_404_for_an_unknown_operator(manager_client, db, action):
    assert manager_client.post(f"/operators/999/login/{action}", {"username": "x"}).status_code == 404


@pytest.mark.parametrize("action", ["create", "reset", "detach"])
def test_it_keeps_anonymous_users_and_operators_out(client, operator_login, operator, action):
    assert client.post(f"/operators/{operator.pk}/login/{action}").status_code == 302
    _other, user = operator_login()
    client.force_login(user)

    assert client.post(f"/operators/{operator.pk}/login/{action}", {"username": "x"}).status_code == 403
    operator.refresh_from_db()
    assert operator.user is None


@pytest.mark.parametrize(
    "power",
    ["superuser", "staff", "another group", "a permission of its own"],
)
@pytest.mark.parametrize("action", ["reset", "detach"])
def test_it_leaves_a_login_that_can_do_more_than_an_operators_to_admin(
    manager_client, operator, roles, power, action
):
    user = get_user_model().objects.create_user("root", password="root-password-1")
    if power == "superuser":
        user.is_superuser = True
    elif power == "staff":
        user.is_staff = True
    elif power == "another group":
        user.groups.add(roles["Managers"])
    else:
        user.user_permissions.add(roles["Managers"].permissions.first())
    user.save()
    operator.user = user
    operator.save()

    response = manager_client.post(f"/operators/{operator.pk}/login/{action}", **htmx("operator-login"))

    assert "can do more than an operator" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password("root-password-1")
    assert user.is_active
    operator.refresh_from_db()
    assert operator.user == user
