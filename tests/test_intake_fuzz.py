"""Generated bad input at the intake: every answer is a 4xx JSON, and nothing is written.

CI runs FUZZ_EXAMPLES (200) examples per test; bench/fuzz runs 10,000.
"""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distribution.models import Contact, Lead

from .conftest import fuzz_settings

fuzz = fuzz_settings(examples=200)

# Any text, including NUL, control characters, lone surrogates and astral characters.
texts = st.text(st.characters(codec=None), max_size=40) | st.sampled_from(
    ["", " ", "\x00", "\ud800", "x" * 70_000]
)
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=12,
)


def poisoned_lead() -> st.SearchStrategy:
    """A lead object with at least one thing wrong: no valid identifier, and maybe worse."""
    fine = st.fixed_dictionaries({}, optional={"name": st.just("Anna")})
    poisons = st.one_of(
        st.fixed_dictionaries({"external_id": scalars.filter(lambda v: not isinstance(v, str))}),
        st.fixed_dictionaries({"email": texts.filter(lambda v: "@" not in v or "\x00" in v)}),
        st.fixed_dictionaries({"phone": st.text(st.characters(categories=["P", "Z"]), max_size=20)}),
        st.fixed_dictionaries(
            {"name": json_values.filter(lambda v: not isinstance(v, str) and v is not None)}
        ),
        st.dictionaries(
            texts.filter(lambda k: k not in {"external_id", "email", "phone", "name"}),
            json_values,
            min_size=1,
            max_size=2,
        ),
        st.fixed_dictionaries({"external_id": st.text(min_size=101, max_size=200)}),
        st.fixed_dictionaries({"external_id": st.text(max_size=10).map(lambda v: v + "\x00")}),
        st.just({}),
    )
    return st.tuples(fine, poisons).map(lambda pair: {**pair[0], **pair[1]})


bad_bodies = st.one_of(
    st.binary(max_size=300),  # not JSON, or not UTF-8
    json_values.filter(lambda v: not (isinstance(v, dict) and isinstance(v.get("lead"), dict))).map(
        json.dumps
    ),
    st.builds(
        lambda lead, extra: json.dumps({"lead": lead, **extra}),
        poisoned_lead(),
        st.fixed_dictionaries({}, optional={"message": st.just("hi"), "external_id": st.just("m-1")}),
    ),
    st.builds(
        lambda field, value: json.dumps({"lead": {"external_id": "tg-1"}, field: value}),
        st.sampled_from(["message", "external_id"]),
        json_values.filter(lambda v: not isinstance(v, str) and v is not None),
    ),
    st.builds(
        lambda key: json.dumps({"lead": {"external_id": "tg-1"}, key: 1}),
        texts.filter(lambda k: k not in {"lead", "message", "external_id"}),
    ),
)
content_types = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/jsonx",
        "",
    ]
)


def assert_refused(response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:200])
    assert "error" in json.loads(response.content)
    assert not Contact.objects.exists()
    assert not Lead.objects.exists()


@fuzz
@given(body=bad_bodies, content_type=content_types)
@pytest.mark.django_db
def test_bad_bodies_get_a_4xx_json_and_write_nothing(client, bot_and_token, body, content_type):
    _bot, token = bot_and_token

    response = client.post(
        "/api/contacts", data=body, content_type=content_type, HTTP_AUTHORIZATION=f"Bearer {token}"
    )

    assert_refused(response)


@fuzz
@given(
    authorization=st.one_of(
        st.none(),
        texts,
        texts.map(lambda t: "Bearer " + t),
        st.sampled_from(["Bearer", "bearer  x", "Basic Zm9vOmJhcg=="]),
    ),
    body=st.just(json.dumps({"lead": {"external_id": "tg-1"}})) | bad_bodies,
)
@pytest.mark.django_db
def test_missing_or_wrong_tokens_get_a_4xx_json_and_write_nothing(client, bot_and_token, authorization, body):
    headers = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}

    response = client.post("/api/contacts", data=body, content_type="application/json", **headers)

    assert_refused(response)
