"""Any login chooses its time zone on a page of its own, which saves it and goes back."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from distribution.models import LoginSettings
from distribution.time_zones import SESSION_KEY


def test_it_saves_the_zone_and_goes_back(manager_client, manager):
    response = manager_client.post(
        "/settings/time-zone", {"time_zone": "Asia/Yekaterinburg", "next": "/contacts/?status=open"}
    )

    assert response.status_code == 302
    assert response.url == "/contacts/?status=open"
    assert LoginSettings.objects.get(user=manager).time_zone == "Asia/Yekaterinburg"
    assert manager_client.session[SESSION_KEY] == "Asia/Yekaterinburg"
    html = manager_client.get(response.url).content.decode()
    assert "Times are shown in Asia/Yekaterinburg (UTC+05:00)." in html
    assert "Time: Asia/Yekaterinburg (UTC+05:00)" in html


def test_it_keeps_the_zone_for_the_next_login(client, manager):
    client.force_login(manager)
    client.post("/settings/time-zone", {"time_zone": "Europe/Moscow"})
    client.logout()

    client.force_login(manager)

    assert "Time: Europe/Moscow (UTC+03:00)" in client.get("/").content.decode()


def test_it_goes_back_to_the_sites_zone(manager_client, manager):
    LoginSettings.objects.create(user=manager, time_zone="Asia/Tokyo")

    response = manager_client.post("/settings/time-zone", {"time_zone": ""})

    assert response.url == "/home"
    assert LoginSettings.objects.get(user=manager).time_zone == ""
    assert "Time: UTC (UTC+00:00)" in manager_client.get("/").content.decode()


def test_it_shows_the_zones_with_the_current_one_chosen(manager_client):
    manager_client.post("/settings/time-zone", {"time_zone": "Europe/Samara"})

    html = manager_client.get("/settings/time-zone?next=/report/").content.decode()

    assert '<option value="Europe/Samara" selected>Europe/Samara (UTC+04:00)</option>' in html
    assert '<optgroup label="Russia">' in html
    assert '<option value="">The site&#x27;s: UTC (UTC+00:00)</option>' in html
    assert '<input type="hidden" name="next" value="/report/">' in html


@pytest.mark.parametrize("zone", ["Mars/Olympus", "../etc/passwd", "x" * 300])
def test_it_rejects_a_zone_not_in_the_list(manager_client, manager, zone):
    response = manager_client.post("/settings/time-zone", {"time_zone": zone})

    assert response.status_code == 422
    assert "Choose a time zone from the list." in response.content.decode()
    assert not LoginSettings.objects.filter(user=manager).exists()


def test_it_refuses_a_redirect_to_another_site(manager_client):
    response = manager_client.post(
        "/settings/time-zone", {"time_zone": "UTC", "next": "https://evil.example/"}
    )

    assert response.url == "/home"


def test_it_requires_a_login(client, db):
    url = "/settings/time-zone"
    for response in (client.get(url), client.post(url, {"time_zone": "UTC"})):
        assert response.status_code == 302
        assert response.url.startswith("/login/?next=")


def test_it_is_open_to_a_login_without_permissions(client, db):
    client.force_login(get_user_model().objects.create_user("nobody"))

    assert client.get("/settings/time-zone").status_code == 200
    assert client.post("/settings/time-zone", {"time_zone": "UTC"}).status_code == 302


def test_it_requires_the_csrf_token(manager):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)

    assert client.post("/settings/time-zone", {"time_zone": "UTC"}).status_code == 403


def test_it_refuses_other_methods(manager_client):
    assert manager_client.put("/settings/time-zone").status_code == 405
