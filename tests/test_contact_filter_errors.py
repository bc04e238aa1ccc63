"""A wrong contacts filter is said once, on the full page as in the part htmx swaps in."""

import pytest

from .conftest import htmx

WRONG = "/contacts/?start=2026-01-05&end=2026-01-01"


@pytest.mark.parametrize("headers", [{}, htmx("contact-results")], ids=["page", "htmx"])
def test_it_says_a_filter_error_once(manager_client, headers):
    response = manager_client.get(WRONG, **headers)

    assert response.content.decode().count("The end date is before the start date.") == 1
