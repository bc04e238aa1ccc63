"""The OpenAPI document at /api/openapi.json: its bodies come from distribution/contract.py's
models, its paths, answers and webhooks are written beside the views, so these tests hold it to
them: every documented answer of every operation is driven through the live views and validated
against the document's schema and headers, every status the views' code can answer is
documented, every route of the API is in it with the methods its views allow, and every body is
a named component with examples that fit it."""

import ast
import inspect
import json
import re
from unittest import mock
from urllib.parse import urlencode

import jsonschema_rs
import pytest
from django.db import DatabaseError, OperationalError
from django.test import Client
from django.urls import URLPattern, get_resolver

from distribution import routing, webhooks
from distribution.models import ContactEvent, Webhook, WebhookDelivery
from distribution.openapi import document
from distribution.views import intake

DOC = document()
CONTACT_BODY = {"lead": {"external_id": "tg-5511", "email": "Anna@Example.com"}, "message": "Hi"}


def _operations() -> dict[str, tuple[str, str, dict]]:
    return {
        operation["operationId"]: (path, method, operation)
        for path, item in DOC["paths"].items()
        for method, operation in item.items()
    }


OPERATIONS = _operations()
DOCUMENTED = [
    (operation_id, status) for operation_id, (_, _, op) in OPERATIONS.items() for status in op["responses"]
]


def _resolve(obj: dict) -> dict:
    while "$ref" in obj:
        *_, section, name = obj["$ref"].split("/")
        obj = DOC["components"][section][name]
    return obj


def database_locked(*args, **kwargs):
    raise OperationalError("database is locked")


class Api:
    """Calls an operation of the document by its id, filling its path from `id`."""

    def __init__(self, client: Client, token: str):
        self.client, self.token = client, token

    def __call__(
        self, operation_id, *, id=None, query=None, body=None, token="", content_type="application/json"
    ):
        path, method, _ = OPERATIONS[operation_id]
        url = path.replace("{id}", str(id))
        headers = {}
        token = self.token if token == "" else token
        if token is not None:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        if method == "get":
            return self.client.get(url, query or {}, **headers)
        if query:
            url += "?" + urlencode(query)
        data = body if isinstance(body, (str, bytes)) else json.dumps(body) if body is not None else b""
        return self.client.post(url, data, content_type=content_type if body is not None else "", **headers)


@pytest.fixture
def api(bot_and_token):
    return Api(Client(raise_request_exception=False), bot_and_token[1])


@pytest.fixture
def limited(settings, api, contact):
    """The bot has spent its whole budget."""
    settings.INTAKE_RATE_LIMIT, settings.INTAKE_RATE_WINDOW = 1, 60
    assert api("getContact", id=contact.pk).status_code == 200
    return True


def _locked(call):
    with (
        mock.patch("distribution.views.intake.find_bot", database_locked),
        mock.patch("distribution.views.intake.remembered_bot", database_locked),
    ):
        return call()


class Scene:
    """What a scenario works with: `api`, and any fixture by name (`scene.contact`), made on use."""

    def __init__(self, request, api):
        self._request, self.api = request, api

    def __getattr__(self, name):
        return self._request.getfixturevalue(name)


def _close_scenarios(operation_id: str, target) -> dict:
    def close(scene, contact, **kwargs):
        return scene.api(operation_id, **target(contact), **kwargs)

    return {
        (operation_id, "200"): lambda s: close(s, s.contact, body={"reason": "Done"}),
        (operation_id, "400"): lambda s: close(s, s.contact, body={"reason": 5}),
        (operation_id, "401"): lambda s: close(s, s.contact, token=None),
        (operation_id, "404"): lambda s: close(s, s.strangers_contact),
        (operation_id, "413"): lambda s: close(s, s.contact, body="x" * 70_000),
        (operation_id, "415"): lambda s: close(s, s.contact, body="reason", content_type="text/plain"),
        (operation_id, "429"): lambda s: s.limited and close(s, s.contact),
        (operation_id, "503"): lambda s: _locked(lambda: close(s, s.contact)),
    }


def _accept_scenarios(operation_id: str, target) -> dict:
    def accept(scene, contact, **kwargs):
        return scene.api(operation_id, **target(contact), **kwargs)

    def closed(scene):
        routing.close_contact(contact=scene.contact)
        return accept(scene, scene.contact)

    return {
        (operation_id, "200"): lambda s: accept(s, s.contact, body={}),
        (operation_id, "400"): lambda s: accept(s, s.contact, body={"reason": "Done"}),
        (operation_id, "401"): lambda s: accept(s, s.contact, token=None),
        (operation_id, "404"): lambda s: accept(s, s.strangers_contact),
        (operation_id, "409"): closed,
        (operation_id, "413"): lambda s: accept(s, s.contact, body="x" * 70_000),
        (operation_id, "415"): lambda s: accept(s, s.contact, body="{}", content_type="text/plain"),
        (operation_id, "429"): lambda s: s.limited and accept(s, s.contact),
        (operation_id, "503"): lambda s: _locked(lambda: accept(s, s.contact)),
    }


def _create(scene, **body):
    return scene.api("createContact", body={**CONTACT_BODY, **body})


def _read(scene, contact, **kwargs):
    return scene.api("getContactByExternalId", query={"external_id": contact.external_id}, **kwargs)


# (operationId, status) -> how to make the views answer it, given a Scene.
SCENARIOS = {
    ("createContact", "200"): lambda s: s.contact and _create(s, external_id="msg-1"),
    ("createContact", "201"): lambda s: s.operator and _create(s),
    ("createContact", "202"): lambda s: _create(s),
    ("createContact", "400"): lambda s: s.api("createContact", body={"lead": {"email": "no"}, "colour": 1}),
    ("createContact", "401"): lambda s: s.api("createContact", body=CONTACT_BODY, token="wrong"),
    ("createContact", "403"): lambda s: _archived(s.bot_and_token[0]) and _create(s),
    ("createContact", "409"): lambda s: s.contact and _create(s, external_id="msg-1", message="Other"),
    ("createContact", "413"): lambda s: s.api("createContact", body="x" * 70_000),
    ("createContact", "415"): lambda s: s.api("createContact", body="lead=1", content_type="text/plain"),
    ("createContact", "429"): lambda s: s.limited and _create(s),
    ("createContact", "503"): lambda s: _locked(lambda: _create(s)),
    ("getContactByExternalId", "200"): lambda s: _read(s, s.contact),
    ("getContactByExternalId", "400"): lambda s: s.api("getContactByExternalId", query={"external_id": " "}),
    ("getContactByExternalId", "401"): lambda s: _read(s, s.contact, token=None),
    ("getContactByExternalId", "404"): lambda s: _read(s, s.strangers_contact),
    ("getContactByExternalId", "429"): lambda s: s.limited and _read(s, s.contact),
    ("getContactByExternalId", "503"): lambda s: _locked(lambda: _read(s, s.contact)),
    ("getContact", "200"): lambda s: s.api("getContact", id=s.contact.pk),
    ("getContact", "401"): lambda s: s.api("getContact", id=s.contact.pk, token="wrong"),
    ("getContact", "404"): lambda s: s.api("getContact", id=s.strangers_contact.pk),
    ("getContact", "429"): lambda s: s.limited and s.api("getContact", id=s.contact.pk),
    ("getContact", "503"): lambda s: _locked(lambda: s.api("getContact", id=1)),
    ("getSchedule", "200"): lambda s: s.api("getSchedule"),
    ("getSchedule", "401"): lambda s: s.api("getSchedule", token="wrong"),
    ("getSchedule", "429"): lambda s: s.limited and s.api("getSchedule"),
    ("getSchedule", "503"): lambda s: _locked(lambda: s.api("getSchedule")),
    ("health", "200"): lambda s: s.api("health"),
    ("health", "503"): lambda s: _unreachable(lambda: s.api("health")),
    **_close_scenarios("closeContact", lambda contact: {"id": contact.pk}),
    **_close_scenarios(
        "closeContactByExternalId", lambda contact: {"query": {"external_id": contact.external_id}}
    ),
    **_accept_scenarios("acceptContact", lambda contact: {"id": contact.pk}),
    **_accept_scenarios(
        "acceptContactByExternalId", lambda contact: {"query": {"external_id": contact.external_id}}
    ),
}


def _archived(bot):
    routing.archive_bot(bot=bot)
    return True


def _unreachable(call):
    with mock.patch.object(intake.connection, "cursor", side_effect=DatabaseError("connection refused")):
        return call()


def test_it_serves_the_document_to_anyone_and_lets_it_be_cached(client):
    response = client.get("/api/openapi.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == json.loads(json.dumps(DOC))
    assert "public" in response["Cache-Control"]
    assert "max-age=3600" in response["Cache-Control"]
    assert client.get("/api/openapi.json", headers={"If-None-Match": response["ETag"]}).status_code == 304


def test_it_is_openapi_3_1_with_a_bearer_scheme_and_the_webhooks():
    assert DOC["openapi"].startswith("3.1.")
    assert DOC["components"]["securitySchemes"]["bot"] == {
        **DOC["components"]["securitySchemes"]["bot"],
        "type": "http",
        "scheme": "bearer",
    }
    assert set(DOC["webhooks"]) == {
        "contact.assigned",
        "contact.accepted",
        "contact.passed_on",
        "contact.waiting",
        "contact.closed",
    }
    for webhook in DOC["webhooks"].values():
        headers = {parameter["name"] for parameter in webhook["post"]["parameters"]}
        assert {"Minicrm-Signature", "Minicrm-Event-Id", "Minicrm-Event"} <= headers


def _api_routes() -> set[str]:
    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLPattern):
                yield route
            else:
                yield from walk(pattern.url_patterns, route)

    routes = {
        route for route in walk(get_resolver().url_patterns) if route.startswith("api/") or route == "healthz"
    }
    return {"/" + re.sub(r"<id:(\w+)>", "{id}", route) for route in routes} - {
        "/api/openapi.json",
        "/api/docs",
    }


def test_it_documents_every_route_of_the_bots_api():
    assert _api_routes() == set(DOC["paths"])


@pytest.mark.parametrize("path", sorted(DOC["paths"]))
def test_it_documents_the_methods_each_route_allows(db, path):
    response = Client().delete(path.replace("{id}", "1"))

    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    allowed = {method.strip() for method in response["Allow"].split(",")} - {"HEAD"}
    assert allowed == {method.upper() for method in DOC["paths"][path]}


def _statuses_in_the_views() -> set[int]:
    """Every status the intake module's code can answer: json_error(<status>, ...), status=<status>,
    and the literal statuses that helpers return."""
    tree = ast.parse(inspect.getsource(intake))
    statuses = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", "") == "json_error"
            and isinstance(node.args[0], ast.Constant)
        ):
            statuses.add(node.args[0].value)
        if isinstance(node, ast.keyword) and node.arg == "status" and isinstance(node.value, ast.Constant):
            statuses.add(node.value.value)
        if isinstance(node, ast.Return) and isinstance(node.value, ast.IfExp):
            statuses |= {
                part.value
                for part in ast.walk(node.value)
                if isinstance(part, ast.Constant) and isinstance(part.value, int)
            }
        if (
            isinstance(node, ast.Return)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, int)
        ):
            statuses.add(node.value.value)
    return statuses


def test_it_documents_every_status_the_views_answer():
    documented = {int(status) for _, status in DOCUMENTED}
    # 405 goes with methods no operation has (the test above checks it and its Allow header).
    assert _statuses_in_the_views() - {405} == documented


def test_it_has_a_scenario_for_every_documented_answer():
    assert set(SCENARIOS) == set(DOCUMENTED)


@pytest.mark.parametrize(("operation_id", "status"), DOCUMENTED)
def test_it_answers_as_documented(request, api, operation_id, status):
    response = SCENARIOS[operation_id, status](Scene(request, api))

    assert response.status_code == int(status)
    documented = _resolve(OPERATIONS[operation_id][2]["responses"][status])
    assert response["Content-Type"] == "application/json"
    schema = documented["content"]["application/json"]["schema"]
    validator = jsonschema_rs.validator_for(
        {**schema, "components": DOC["components"]}, validate_formats=True
    )
    errors = [error.message for error in validator.iter_errors(response.json())]
    assert errors == []
    for name, header in documented.get("headers", {}).items():
        assert not header["required"] or response.has_header(name), name


@pytest.mark.parametrize(("operation_id", "status"), [("createContact", "201"), ("createContact", "202")])
def test_it_links_a_new_contact_to_reading_and_closing_it(request, api, operation_id, status):
    created = SCENARIOS[operation_id, status](Scene(request, api)).json()
    links = OPERATIONS[operation_id][2]["responses"][status]["links"]

    for link in links.values():
        assert link["parameters"] == {"id": "$response.body#/id"}
        response = api(link["operationId"], id=created["id"])
        assert response.status_code == 200
        assert response.json()["id"] == created["id"]


def test_the_webhooks_it_documents_are_the_requests_the_worker_sends(bot_with_operators, send, monkeypatch):
    bot, (first, second) = bot_with_operators(weights=[10, 10], capacities=[1, 1])
    webhooks.save_webhook(bot=bot, url="https://hooks.example.com/minicrm", events=list(Webhook.Event.values))
    sent = []

    def post(url, body, headers, *, timeout):
        sent.append((body, headers))
        return 204

    monkeypatch.setattr(webhooks.outbound, "post", post)
    assigned, _ = send(bot), send(bot)
    waiting = send(bot, lead=routing.LeadIdentity(email="anna@example.com", name="Anna"))
    routing.close_contact(contact=assigned, reason=ContactEvent.Reason.OPERATOR, note="Sold")
    routing.hand_over_contacts(operator=first if assigned.operator_id == second.pk else second)
    while WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING).exists():
        assert webhooks.deliver_due() > 0

    told = set()
    for body, headers in sent:
        event = json.loads(body)
        operation = DOC["webhooks"][event["type"]]["post"]
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        validator = jsonschema_rs.validator_for(
            {**schema, "components": DOC["components"]}, validate_formats=True
        )
        assert [error.message for error in validator.iter_errors(event)] == []
        for parameter in operation["parameters"]:
            assert parameter["in"] == "header"
            value = headers.get(parameter["name"])
            assert value is not None or not parameter["required"], parameter["name"]
            header_validator = jsonschema_rs.validator_for(parameter["schema"], validate_formats=True)
            assert header_validator.is_valid(value), (parameter["name"], value)
        told.add((event["type"], event["data"]["reason"], event["data"]["contact"]["id"]))
    # Every kind of event and reason was seen, so every schema above was exercised.
    assert {
        ("contact.waiting", "intake", waiting.pk),
        ("contact.closed", "operator", assigned.pk),
        ("contact.assigned", "queue", waiting.pk),
        ("contact.assigned", "intake", assigned.pk),
    } <= told
    assert any(kind == "contact.waiting" and reason == "hand-over" for kind, reason, _ in told)


@pytest.mark.parametrize("operation_id", ["getContactByExternalId", "closeContactByExternalId"])
@pytest.mark.parametrize(
    "value",
    ["msg-1", " msg-1 ", "é-7", "\x00", "msg\x00-1", "\x00 msg", "", "   ", "\u3000\t", "x" * 100, "x" * 101],
)
def test_its_external_id_parameter_allows_just_what_the_views_take(api, contact, operation_id, value):
    """A value the schema allows is never refused as invalid (400), and one it does not allow is."""
    (parameter,) = OPERATIONS[operation_id][2]["parameters"]
    allowed = jsonschema_rs.validator_for(parameter["schema"]).is_valid(value)

    response = api(operation_id, query={"external_id": value})

    assert (response.status_code == 400) is not allowed, response.content


BODIES = {"LeadIn", "ContactIn", "CloseIn", "Lead", "Contact", "Error", "Conflict", "Health"}
EVENTS = {
    "contact.assigned": "ContactAssigned",
    "contact.waiting": "ContactWaiting",
    "contact.closed": "ContactClosed",
}


def _media_types():
    """(where, media type object) of every request and answer body, webhooks included."""
    for section in ("paths", "webhooks"):
        for path, item in DOC[section].items():
            for method, operation in item.items():
                where = f"{method.upper()} {path}"
                if "requestBody" in operation:
                    yield f"{where} request", operation["requestBody"]["content"]["application/json"]
                for status, answer in operation["responses"].items():
                    for media_type in _resolve(answer).get("content", {}).values():
                        yield f"{where} {status}", media_type


def test_it_names_every_body_as_a_component():
    assert set(DOC["components"]["schemas"]) >= BODIES | set(EVENTS.values())
    for where, media_type in _media_types():
        assert set(media_type["schema"]) == {"$ref"}, where
    for event, name in EVENTS.items():
        body = DOC["webhooks"][event]["post"]["requestBody"]["content"]["application/json"]
        assert body["schema"] == {"$ref": f"#/components/schemas/{name}"}


def _validator(schema: dict):
    return jsonschema_rs.validator_for({**schema, "components": DOC["components"]}, validate_formats=True)


def test_every_body_of_every_operation_and_event_has_an_example_that_fits_it():
    for where, media_type in _media_types():
        errors = [
            error.message for error in _validator(media_type["schema"]).iter_errors(media_type["example"])
        ]
        assert errors == [], where


def test_every_named_body_has_examples_that_fit_it():
    for name in BODIES | set(EVENTS.values()):
        schema = DOC["components"]["schemas"][name]
        assert schema["examples"], name
        for example in schema["examples"]:
            assert [error.message for error in _validator(schema).iter_errors(example)] == [], name


@pytest.mark.parametrize(
    ("lead", "valid"),
    [
        ({"external_id": "tg-1", "email": "a@example.com", "phone": "+79991234567", "name": "Anna"}, True),
        ({"phone": "+79991234567", "verified": ["phone", "email"]}, True),
        ({}, False),
        ({"name": "Anna"}, False),
        ({"external_id": None, "email": None, "phone": None, "name": "Anna"}, False),
        ({"email": "a@example.com", "verified": ["email", "email"]}, False),
        ({"email": "a@example.com", "verified": ["name"]}, False),
    ],
)
def test_its_lead_needs_an_identifier_without_branches(lead, valid):
    """The rule is a `not` that validators honour and client generators ignore: with `anyOf`
    branches a generated client typed the lead as one identifier, or as anything (issue 23)."""
    schema = DOC["components"]["schemas"]["LeadIn"]

    assert _validator(schema).is_valid(lead) is valid
    assert not {"anyOf", "oneOf", "allOf"} & set(schema)


def test_schemathesis_fills_the_leads_identifiers_only_with_values_of_their_format():
    """The trace of the stateful phase's stray lead ids (issue 23): schemathesis fills request fields
    with values seen in earlier answers, matched by format, else by name; it read the lead's schema
    through its first `anyOf` branch, whose `external_id` had no format, so a contact's
    `external_id` (any text) went into the lead's as valid data. Each identifier must keep its
    format (one schemathesis never fills) wherever schemathesis looks."""
    import schemathesis
    from schemathesis.specs.openapi.semantic_pool import iter_consumer_leaves

    operation = schemathesis.openapi.from_dict(json.loads(json.dumps(DOC)))["/api/contacts"]["POST"]
    leaves = {leaf.path: leaf.format for leaf in iter_consumer_leaves(operation.body[0].optimized_schema)}

    assert {
        path: leaves.get(path) for path in [("lead", "external_id"), ("lead", "email"), ("lead", "phone")]
    } == {
        ("lead", "external_id"): "lead-external-id",
        ("lead", "email"): "lead-email",
        ("lead", "phone"): "lead-phone",
    }
