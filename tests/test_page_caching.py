"""A logged-in user's pages are never stored by the browser, so that Back shows the true state
(tests/browser/test_first_use.py shows it in a browser)."""

from unittest import mock

import pytest
from django.db import OperationalError, connection

from .conftest import htmx

PAGES = ["/", "/operators/", "/bots/", "/leads/", "/contacts/", "/report/"]


@pytest.mark.parametrize("path", PAGES)
def test_it_forbids_storing_a_logged_in_page(manager_client, path):
    response = manager_client.get(path)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_it_forbids_storing_an_htmx_fragment(manager_client, make_operator):
    operator = make_operator()

    response = manager_client.post(f"/operators/{operator.pk}/switch", **htmx(f"operator-{operator.pk}"))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_it_forbids_storing_an_operators_workspace(client, operator_login):
    _operator, user = operator_login()
    client.force_login(user)

    response = client.get("/me/")

    assert "no-store" in response["Cache-Control"]


def test_it_forbids_storing_the_503_of_a_database_that_cannot_load_the_session(manager_client):
    def database_locked(*args, **kwargs):
        raise OperationalError("database is locked")

    with mock.patch.object(connection, "cursor", database_locked):
        response = manager_client.get("/")

    assert response.status_code == 503
    assert "no-store" in response["Cache-Control"]
