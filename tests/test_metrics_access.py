"""/metrics answers only Prometheus: the bearer token of METRICS_TOKEN, and nothing when it is unset."""

import pytest

TOKEN = "metrics-token-for-tests"


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN


def test_it_is_not_there_without_a_token_set(client, db, settings):
    settings.METRICS_TOKEN = ""

    response = client.get("/metrics", headers={"Authorization": "Bearer "})

    assert response.status_code == 404


def test_it_answers_the_token(client, db, token):
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})

    assert response.status_code == 200
    assert b"minicrm_contacts{" in response.content
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize(
    "authorization",
    [None, f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", f"Basic {TOKEN}", TOKEN, "Bearer", "Bearer тест"],
)
def test_it_refuses_a_missing_or_wrong_token(client, db, token, authorization):
    headers = {"Authorization": authorization} if authorization is not None else {}

    response = client.get("/metrics", headers=headers)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"minicrm" not in response.content


def test_it_reads_the_scheme_in_any_case(client, db, token):
    response = client.get("/metrics", headers={"Authorization": f"bearer {TOKEN}"})

    assert response.status_code == 200


def test_it_rejects_post(client, db, token):
    response = client.post("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})

    assert response.status_code == 405


def test_it_compares_the_token_in_constant_time(client, db, token, monkeypatch):
    compared = []
    monkeypatch.setattr("hmac.compare_digest", lambda a, b: compared.append((a, b)) or a == b)

    client.get("/metrics", headers={"Authorization": "Bearer guess"})

    assert compared == [(b"guess", TOKEN.encode())]
