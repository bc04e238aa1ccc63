"""Login throttling (django-axes): the dashboard's and admin's logins lock a username from an
address after too many wrong passwords, and a manager can lift the lock."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core.management import call_command

PASSWORD = "manager-password"


@pytest.fixture(autouse=True)
def throttled(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
    settings.CLIENT_IP_HEADER = ""


def log_in(client, password, *, username="manager", url="/login/", **extra):
    return client.post(url, {"username": username, "password": password}, **extra)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def lock(client, *, username="manager", url="/login/", **extra):
    answers = [log_in(client, "wrong", username=username, url=url, **extra).status_code for _ in range(5)]
    assert answers == [200, 200, 200, 200, 429]


def test_it_locks_the_dashboard_login_after_five_wrong_passwords(client, manager):
    lock(client)

    response = log_in(client, PASSWORD)

    assert response.status_code == 429
    assert not logged_in(client)


def test_it_locks_the_admin_login_too(client, db):
    get_user_model().objects.create_superuser("admin", password=PASSWORD)
    lock(client, username="admin", url="/admin/login/")

    response = log_in(client, PASSWORD, username="admin", url="/admin/login/")

    assert response.status_code == 429
    assert not logged_in(client)


def test_the_lockout_page_says_what_to_do(client, manager):
    lock(client, username="<b>manager</b>")

    response = log_in(client, "wrong", username="<b>manager</b>")

    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Too many failed logins" in page
    assert "as <strong>&lt;b&gt;manager&lt;/b&gt;</strong> from your address is locked" in page
    assert "Wait 15 minutes without trying" in page


def test_a_lock_holds_one_username_from_one_address(client, manager):
    get_user_model().objects.create_user("clerk", password=PASSWORD)
    lock(client, REMOTE_ADDR="192.0.2.1")

    assert log_in(client, PASSWORD, REMOTE_ADDR="192.0.2.2").status_code == 302
    client.logout()
    assert log_in(client, PASSWORD, username="clerk", REMOTE_ADDR="192.0.2.1").status_code == 302


def test_a_successful_login_clears_the_count(client, manager):
    for _ in range(4):
        log_in(client, "wrong")
    assert log_in(client, PASSWORD).status_code == 302
    client.logout()

    assert [log_in(client, "wrong").status_code for _ in range(4)] == [200] * 4
    assert log_in(client, PASSWORD).status_code == 302


def test_the_lock_lifts_by_itself_after_the_cool_off(client, manager):
    lock(client)
    fifteen_minutes_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=15, seconds=1)
    AccessAttempt.objects.update(attempt_time=fifteen_minutes_ago)

    assert log_in(client, PASSWORD).status_code == 302


def test_a_manager_lifts_the_lock_in_admin(client, manager):
    lock(client)
    admin = get_user_model().objects.create_superuser("admin", password="admin-password")
    client.force_login(admin)
    attempt = AccessAttempt.objects.get(username="manager")
    assert "manager" in client.get("/admin/axes/accessattempt/?locked_out=yes").content.decode()

    response = client.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )

    assert response.status_code == 302
    client.logout()
    assert log_in(client, PASSWORD).status_code == 302
    assert logged_in(client)


def test_the_axes_reset_username_command_lifts_the_lock(client, manager):
    lock(client)

    call_command("axes_reset_username", "manager", stdout=None)

    assert log_in(client, PASSWORD).status_code == 302


def test_a_forged_proxy_header_does_not_dodge_the_lock(client, manager):
    for number in range(5):
        log_in(client, "wrong", HTTP_X_REAL_IP=f"198.51.100.{number}")

    assert log_in(client, PASSWORD, HTTP_X_REAL_IP="198.51.100.99").status_code == 429


def test_behind_a_trusted_proxy_each_client_is_counted_apart(client, manager, settings):
    settings.CLIENT_IP_HEADER = "X-Real-IP"
    lock(client, HTTP_X_REAL_IP="198.51.100.1")

    assert log_in(client, PASSWORD, HTTP_X_REAL_IP="198.51.100.1").status_code == 429
    assert log_in(client, PASSWORD, HTTP_X_REAL_IP="198.51.100.2").status_code == 302
    assert AccessAttempt.objects.get().ip_address == "198.51.100.1"
