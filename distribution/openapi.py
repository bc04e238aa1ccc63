"""The bots' API as an OpenAPI 3.1 document: its paths, parameters, answers and webhooks, written
here beside the views they describe, around the bodies that distribution/contract.py declares and
whose JSON Schema it derives. tests/test_openapi.py drives every documented answer through the
live views and validates it against this document."""

import functools

from django.conf import settings
from pydantic import TypeAdapter

from . import contract
from .models import Webhook


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _example(model) -> dict:
    return model.model_config["json_schema_extra"]["examples"][0]


def _json(schema: dict, description: str, example: dict, **headers) -> dict:
    response = {
        "description": description,
        "content": {"application/json": {"schema": schema, "example": example}},
    }
    if headers:
        response["headers"] = headers
    return response


def _header(description: str, *, required: bool = True) -> dict:
    return {"description": description, "required": required, "schema": {"type": "string"}}


def _error(description: str, message: str, **headers) -> dict:
    return _json(_ref("Error"), description, {"error": message}, **headers)


def _responses() -> dict:
    retry = _header("Seconds to wait before the next request.")
    limit = settings.INTAKE_MAX_BODY_BYTES
    return {
        "Invalid": _json(
            _ref("Error"),
            "Malformed JSON, a bad Content-Length or bad fields, each named in `fields`.",
            _example(contract.Error),
        ),
        "Unauthorized": _error(
            "No token, or an unknown one.", "Unknown token.", **{"WWW-Authenticate": _header("Bearer")}
        ),
        "Archived": _error(
            "The bot is archived: it takes no new contacts (it still reads and closes its own). "
            "Nothing was written.",
            "This bot is archived: it takes no new contacts. A manager can unarchive it.",
        ),
        "NotFound": _error(
            "This bot has no such contact (another bot's contact is not found either).",
            "This bot has no such contact.",
        ),
        "TooLarge": _error(
            f"The body is larger than INTAKE_MAX_BODY_BYTES ({limit}).",
            f"The body is larger than {limit} bytes.",
        ),
        "NotJson": _error("The body is not application/json.", "Send the body as application/json."),
        "RateLimited": _error(
            "More than INTAKE_RATE_LIMIT requests from this bot within INTAKE_RATE_WINDOW seconds "
            "(reads, closes and the intake share one budget).",
            "Too many requests from this bot; slow down.",
            **{"Retry-After": retry},
        ),
        "Unavailable": _error(
            "The database is down or busy beyond its timeout; nothing was written: send it again.",
            "The database is busy or unavailable; retry.",
            **{"Retry-After": retry},
        ),
    }


def _answers(*names: str) -> dict:
    statuses = {
        "400": "Invalid",
        "401": "Unauthorized",
        "403": "Archived",
        "404": "NotFound",
        "413": "TooLarge",
        "415": "NotJson",
        "429": "RateLimited",
        "503": "Unavailable",
    }
    return {
        status: {"$ref": f"#/components/responses/{name}"}
        for status, name in statuses.items()
        if status in names
    }


def _contact_links() -> dict:
    by_id = {"id": "$response.body#/id"}
    return {
        "GetContact": {"operationId": "getContact", "parameters": by_id},
        "CloseContact": {"operationId": "closeContact", "parameters": by_id},
    }


def _contact(description: str, **changes) -> dict:
    return _json(_ref("Contact"), description, {**_example(contract.Contact), **changes})


def _intake_answer(description: str, **changes) -> dict:
    return {**_contact(description, **changes), "links": _contact_links()}


_READ = "The contact as it is now; its lead is only id and created."
_READ_EXAMPLE = {"lead": {"id": 151, "created": False}}

_EXTERNAL_ID = {
    "name": "external_id",
    "in": "query",
    "required": True,
    "description": "The external_id the bot sent with the contact.",
    "schema": TypeAdapter(contract.ExternalIdParameter).json_schema(),
    "example": "msg-8813",
}

_ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "description": "The contact's id, as the intake answered it.",
    "schema": {"type": "integer", "minimum": 0, "maximum": 2**63 - 1},
    "example": 702,
}

_CLOSE_BODY = {
    "required": False,
    "description": "Optional: no body closes it without a note.",
    "content": {"application/json": {"schema": _ref("CloseIn"), "example": _example(contract.CloseIn)}},
}


def _close(operation_id: str, summary: str, parameter: dict) -> dict:
    return {
        "post": {
            "operationId": operation_id,
            "summary": summary,
            "description": "Recorded in the contact's history as closed by the bot; the freed slot goes to "
            "the queue at once. Closing a closed contact is a 200 that changes nothing. Any other "
            "method: 405 with `Allow: POST`.",
            "tags": ["Contacts"],
            "parameters": [parameter],
            "requestBody": _CLOSE_BODY,
            "responses": {
                "200": _contact(
                    "The contact, closed.",
                    **_READ_EXAMPLE,
                    status="closed",
                    closed_at="2026-11-25T22:31:02.114277+00:00",
                ),
                **_answers("400", "401", "404", "413", "415", "429", "503"),
            },
        }
    }


_ACCEPT_BODY = {
    "required": False,
    "description": "Optional: an empty object.",
    "content": {"application/json": {"schema": _ref("AcceptIn"), "example": {}}},
}


def _accept(operation_id: str, summary: str, parameter: dict) -> dict:
    return {
        "post": {
            "operationId": operation_id,
            "summary": summary,
            "description": "Tell that the contact's operator answered it in the channel (rule 8): it is "
            "taken, and no longer passes to another operator when its answer time runs out. Taking a "
            "taken contact is a 200 that changes nothing. Any other method: 405 with `Allow: POST`.",
            "tags": ["Contacts"],
            "parameters": [parameter],
            "requestBody": _ACCEPT_BODY,
            "responses": {
                "200": _contact(
                    "The contact, taken.", **_READ_EXAMPLE, accepted_at="2026-11-25T22:08:40.112231+00:00"
                ),
                "409": _error(
                    "The contact waits in the queue or is closed: nobody has it to take.",
                    "This contact is closed.",
                ),
                **_answers("400", "401", "404", "413", "415", "429", "503"),
            },
        }
    }


def _webhook(event: str, when: str) -> dict:
    signature = (
        't=<unix seconds>,v2=<hex HMAC-SHA256 of f"{t}.{event_id}.".encode() + body, keyed with the '
        "webhook's secret>, where event_id is the Minicrm-Event-Id header. Refuse a request that does "
        "not verify, or whose t is more than 300 s from now."
    )
    return {
        "post": {
            "operationId": f"webhook-{event}",
            "summary": when,
            "description": "Sent by the worker to the bot's webhook URL, one event per request, in "
            "order per contact; retried with exponential backoff for about a day until a 2xx.",
            "security": [],
            "parameters": [
                {
                    "name": "Minicrm-Signature",
                    "in": "header",
                    "required": True,
                    "description": signature,
                    "schema": {"type": "string", "pattern": "^t=[0-9]+,v2=[0-9a-f]{64}$"},
                },
                {
                    "name": "Minicrm-Event-Id",
                    "in": "header",
                    "required": True,
                    "description": "The event's id, as in the body, and signed with it: deduplicate on it.",
                    "schema": {"type": "string", "format": "uuid"},
                },
                {
                    "name": "Minicrm-Event",
                    "in": "header",
                    "required": True,
                    "schema": {"type": "string", "const": event},
                },
                {
                    "name": "User-Agent",
                    "in": "header",
                    "required": True,
                    "schema": {"type": "string", "const": "mini-CRM-webhooks"},
                },
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": _ref(contract.EVENTS[event].__name__),
                        "example": _example(contract.EVENTS[event]),
                    }
                },
            },
            "responses": {
                "2XX": {"description": "Delivered: no more attempts."},
                "410": {"description": "Gone: the webhook is disabled and its pending deliveries fail."},
                "default": {
                    "description": "Any other answer, none within WEBHOOK_TIMEOUT, a redirect: retried."
                },
            },
        }
    }


@functools.cache
def document() -> dict:
    """The OpenAPI 3.1 document of the bots' API (built once per process: it depends on settings only)."""
    authenticated = "Any other method: 405 with `Allow`."
    return {
        "openapi": "3.1.1",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": "mini-CRM bots' API",
            "version": "1",
            "description": "Bots send contacts, read and close their own contacts, and hear about them "
            "through signed webhooks. Every answer is JSON; every error has an `error` key. "
            "Another bot's contact is a 404, like an unknown one. Answers carry only the lead "
            "identifiers that the request itself sent.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bot": []}],
        "tags": [
            {"name": "Contacts", "description": "The intake, reads and closes."},
            {"name": "Operations", "description": "For load balancers."},
        ],
        "paths": {
            "/api/contacts": {
                "post": {
                    "operationId": "createContact",
                    "summary": "Send a contact",
                    "description": "The lead is recognised (external_id, then email, then phone) or "
                    "created, and the contact goes to an operator or waits in the queue. The same "
                    "external_id again is a replay (200). GET and POST only: any other method is a "
                    "405 with `Allow: GET, POST`.",
                    "tags": ["Contacts"],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": _ref("ContactIn"),
                                "example": _example(contract.ContactIn),
                            }
                        },
                    },
                    "responses": {
                        "200": _intake_answer("A replay of a known external_id: nothing new was written."),
                        "201": _intake_answer("Assigned to an operator."),
                        "202": _intake_answer(
                            "Nobody can take it now: it waits in the queue.",
                            status="waiting",
                            lead={"id": 152, "created": True, "email": "anna@example.com"},
                            operator=None,
                            assigned_at=None,
                        ),
                        **_answers("400", "401", "403"),
                        "409": _json(
                            _ref("Conflict"),
                            "This external_id was already sent with another lead or message.",
                            _example(contract.Conflict),
                        ),
                        **_answers("413", "415", "429", "503"),
                    },
                },
                "get": {
                    "operationId": "getContactByExternalId",
                    "summary": "Read a contact by the bot's external_id",
                    "tags": ["Contacts"],
                    "parameters": [_EXTERNAL_ID],
                    "responses": {
                        "200": _contact(_READ, **_READ_EXAMPLE),
                        **_answers("400", "401", "404", "429", "503"),
                    },
                },
            },
            "/api/contacts/{id}": {
                "get": {
                    "operationId": "getContact",
                    "summary": "Read a contact",
                    "description": authenticated,
                    "tags": ["Contacts"],
                    "parameters": [_ID],
                    "responses": {
                        "200": _contact(_READ, **_READ_EXAMPLE),
                        **_answers("401", "404", "429", "503"),
                    },
                },
            },
            "/api/contacts/{id}/close": _close("closeContact", "Close a contact", _ID),
            "/api/contacts/close": _close(
                "closeContactByExternalId", "Close a contact by the bot's external_id", _EXTERNAL_ID
            ),
            "/api/contacts/{id}/accept": _accept("acceptContact", "Tell that a contact was taken", _ID),
            "/api/contacts/accept": _accept(
                "acceptContactByExternalId",
                "Tell that a contact was taken, by the bot's external_id",
                _EXTERNAL_ID,
            ),
            "/api/schedule": {
                "get": {
                    "operationId": "getSchedule",
                    "summary": "The bot's working hours",
                    "description": "Whether the bot is open now and its open hours for the next 7 days "
                    "(rule 11): outside them its contacts wait, and are assigned at the opening. Any other "
                    "method: 405 with `Allow: GET`.",
                    "tags": ["Contacts"],
                    "responses": {
                        "200": _json(_ref("Hours"), "The bot's hours.", _example(contract.Hours)),
                        **_answers("401", "429", "503"),
                    },
                },
            },
            "/healthz": {
                "get": {
                    "operationId": "health",
                    "summary": "Whether the database answers",
                    "description": "GET and HEAD only: any other method is a 405 with `Allow: GET, HEAD`.",
                    "tags": ["Operations"],
                    "security": [],
                    "responses": {
                        "200": _json(_ref("Health"), "The database answers.", {"status": "ok"}),
                        "503": _json(
                            _ref("Health"),
                            "The database does not answer.",
                            {"status": "database unavailable"},
                        ),
                    },
                },
            },
        },
        "webhooks": {
            event: _webhook(event, when)
            for event, when in (
                (Webhook.Event.ASSIGNED.value, "A contact went to an operator"),
                (Webhook.Event.ACCEPTED.value, "A contact's operator took it"),
                (Webhook.Event.PASSED_ON.value, "A new contact not taken in time went to another operator"),
                (Webhook.Event.WAITING.value, "A contact waits in the queue"),
                (Webhook.Event.CLOSED.value, "A contact was closed"),
            )
        },
        "components": {
            "securitySchemes": {
                "bot": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The bot's API token, shown once on its dashboard page.",
                }
            },
            "schemas": contract.json_schemas(),
            "responses": _responses(),
        },
    }
