"""Adding a bot with a bad name gets one message, and a true one."""

import pytest

from distribution.models import Bot


def errors_of(response) -> list[str]:
    return [str(error) for errors in response.context["form"].errors.values() for error in errors]


def test_it_says_only_that_a_long_name_is_too_long(manager_client):
    response = manager_client.post("/bots/", {"name": "x" * 300})

    assert response.status_code == 422
    assert errors_of(response) == ["Ensure this value has at most 200 characters (it has 300)."]
    assert not Bot.objects.exists()


@pytest.mark.parametrize("name", ["   ", ""])
def test_it_says_only_that_a_blank_name_is_required(manager_client, name):
    response = manager_client.post("/bots/", {"name": name})

    assert response.status_code == 422
    assert errors_of(response) == ["This field is required."]


def test_it_still_refuses_a_name_with_no_letter_or_digit(manager_client):
    response = manager_client.post("/bots/", {"name": "!!!"})

    assert response.status_code == 422
    assert errors_of(response) == ["The name needs at least one letter or digit."]
