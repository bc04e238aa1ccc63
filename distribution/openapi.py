"""The bots' API as an OpenAPI 3.1 document, kept beside the views it describes: the limits come
from payload.py and the settings, and tests/test_openapi.py drives every documented answer
through the live views and validates it against this document.

The lead's identifiers have rules JSON Schema cannot state (a valid phone number, an address whose
domain IDNA accepts, no invisible characters), so their `format`s are this API's own names:
validators ignore unknown formats, and the schemathesis hooks in .ci/schemathesis_hooks.py
generate values that identifiers.py's own normalisers accept."""

import functools

from django.conf import settings

from .models import Contact, ContactEvent, Webhook
from .payload import MAX_LENGTHS

# The characters str.strip() removes (str.isspace()), spelled out: the regex engines of
# validators and generators disagree on what \s means.
_SPACE = r"\t-\r\x1c- \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NO_NUL = r"^[^\x00]*$"
# Not blank and no NUL: the query's external_id, which the views refuse blank or with a NUL (400).
NOT_BLANK_NO_NUL = rf"^[^\x00]*[^{_SPACE}\x00][^\x00]*$"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _text(path: str, description: str, **extra) -> dict:
    """An optional string field of a request body; null counts as absent."""
    return {
        "type": ["string", "null"],
        "maxLength": MAX_LENGTHS[path],
        "pattern": NO_NUL,
        "description": description,
        **extra,
    }


def _identifier(path: str, form: str, description: str) -> dict:
    # The format says it all (a blank value counts as absent): a second pattern beside it would
    # make generators drop the format when they merge the two.
    return {
        "type": ["string", "null"],
        "maxLength": MAX_LENGTHS[path],
        "format": form,
        "description": description,
    }


def _one_of_the_identifiers() -> list[dict]:
    # At least one identifier that is a string: null counts as absent.
    return [
        {"required": [name], "properties": {name: {"type": "string"}}}
        for name in ("external_id", "email", "phone")
    ]


def _named(description: str) -> dict:
    return {
        "type": "object",
        "description": description,
        "required": ["id", "name"],
        "additionalProperties": False,
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    }


def _schemas() -> dict:
    timestamp = {"type": "string", "format": "date-time"}
    return {
        "ContactIn": {
            "type": "object",
            "required": ["lead"],
            "additionalProperties": False,
            "properties": {
                "lead": {
                    "type": "object",
                    "description": "Who wrote: at least one of external_id, email, phone.",
                    "additionalProperties": False,
                    "anyOf": _one_of_the_identifiers(),
                    "properties": {
                        "external_id": _identifier(
                            "lead.external_id",
                            "lead-external-id",
                            "An id shared across the company's bots (a CRM or messenger user id); "
                            "no control or invisible characters.",
                        ),
                        "email": _identifier(
                            "lead.email",
                            "lead-email",
                            "A valid address; stored NFKC-normalised, lower-cased, its domain IDNA-encoded.",
                        ),
                        "phone": _identifier(
                            "lead.phone",
                            "lead-phone",
                            "Any common format, stored in E.164; no letters, no extension.",
                        ),
                        "name": _text("lead.name", "The lead's name."),
                    },
                },
                "message": _text("message", "What the lead wrote."),
                "external_id": _text(
                    "external_id", "The bot's own id of this contact: sending it again is a safe retry."
                ),
            },
            "example": {
                "lead": {
                    "external_id": "tg-9001",
                    "email": "Anna@Example.com",
                    "phone": "+7 999 123-45-67",
                    "name": "Anna",
                },
                "message": "Hello, I want to order",
                "external_id": "msg-8812",
            },
        },
        "CloseIn": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"reason": _text("reason", "Kept as the resolution note.")},
            "example": {"reason": "The customer ordered"},
        },
        "Lead": {
            "type": "object",
            "description": "The lead's id, whether this request created it, and only the identifiers "
            "(and name) this request sent, normalised: never what is stored.",
            "required": ["id", "created"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "integer"},
                "created": {"type": "boolean"},
                "name": {"type": "string"},
                "external_id": {"type": "string"},
                "email": {"type": "string"},
                "phone": {"type": "string", "description": "E.164"},
            },
        },
        "Contact": {
            "type": "object",
            "required": [
                "id",
                "status",
                "external_id",
                "message",
                "lead",
                "bot",
                "operator",
                "created_at",
                "assigned_at",
                "closed_at",
            ],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "integer"},
                "status": {"type": "string", "enum": list(Contact.Status.values)},
                "external_id": {"type": ["string", "null"]},
                "message": {"type": "string"},
                "lead": _ref("Lead"),
                "bot": _named("The bot that sent it."),
                "operator": {"oneOf": [_named("Who has it."), {"type": "null"}]},
                "created_at": timestamp,
                "assigned_at": {"type": ["string", "null"], "format": "date-time"},
                "closed_at": {"type": ["string", "null"], "format": "date-time"},
            },
            "example": {
                "id": 702,
                "status": "open",
                "external_id": "msg-8813",
                "message": "Hello, I want to order",
                "lead": {"id": 151, "created": False, "external_id": "tg-9001"},
                "bot": {"id": 31, "name": "Telegram Sales"},
                "operator": {"id": 13, "name": "Chen Wei"},
                "created_at": "2026-11-25T22:07:21.987337+00:00",
                "assigned_at": "2026-11-25T22:07:21.989489+00:00",
                "closed_at": None,
            },
        },
        "Error": {
            "type": "object",
            "required": ["error"],
            "additionalProperties": False,
            "properties": {
                "error": {"type": "string"},
                "fields": {
                    "type": "object",
                    "description": "Each bad field by its path (lead.email, reason, body...): what is wrong.",
                    "additionalProperties": {"type": "string"},
                },
            },
            "example": {
                "error": "Invalid fields.",
                "fields": {"lead.email": "Enter a valid e-mail address."},
            },
        },
        "Conflict": {
            "type": "object",
            "required": ["error", "contact_id"],
            "additionalProperties": False,
            "properties": {"error": {"type": "string"}, "contact_id": {"type": "integer"}},
        },
        "Health": {
            "type": "object",
            "required": ["status"],
            "additionalProperties": False,
            "properties": {"status": {"type": "string", "enum": ["ok", "database unavailable"]}},
        },
        "WebhookEvent": {
            "type": "object",
            "required": ["id", "type", "created", "data"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "string", "format": "uuid", "description": "The event id: deduplicate on it."},
                "type": {"type": "string", "enum": list(Webhook.Event.values)},
                "created": {**timestamp, "description": "When the change happened."},
                "data": {
                    "type": "object",
                    "required": ["contact", "reason"],
                    "additionalProperties": False,
                    "properties": {
                        "contact": {
                            **_ref("Contact"),
                            "description": "As GET /api/contacts/{id} answered it at the change: "
                            'its lead is only {"id": ..., "created": false}.',
                        },
                        "reason": {
                            "type": "string",
                            "enum": list(ContactEvent.Reason.values),
                        },
                    },
                },
            },
        },
    }


def _json(schema: dict, description: str, **headers) -> dict:
    response = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return response


def _header(description: str, *, required: bool = True) -> dict:
    return {"description": description, "required": required, "schema": {"type": "string"}}


def _responses() -> dict:
    error = _ref("Error")
    retry = _header("Seconds to wait before the next request.")
    return {
        "Invalid": _json(
            error,
            "Malformed JSON, a bad Content-Length or bad fields, each named in `fields`.",
        ),
        "Unauthorized": _json(
            error,
            "No token, or an unknown one.",
            **{"WWW-Authenticate": _header("Bearer")},
        ),
        "NotFound": _json(error, "This bot has no such contact (another bot's contact is not found either)."),
        "TooLarge": _json(
            error, f"The body is larger than INTAKE_MAX_BODY_BYTES ({settings.INTAKE_MAX_BODY_BYTES})."
        ),
        "NotJson": _json(error, "The body is not application/json."),
        "RateLimited": _json(
            error,
            "More than INTAKE_RATE_LIMIT requests from this bot within INTAKE_RATE_WINDOW seconds "
            "(reads, closes and the intake share one budget).",
            **{"Retry-After": retry},
        ),
        "Unavailable": _json(
            error,
            "The database is down or busy beyond its timeout; nothing was written: send it again.",
            **{"Retry-After": retry},
        ),
        "Contact": _json(_ref("Contact"), "The contact as it is now."),
    }


def _answers(*names: str) -> dict:
    statuses = {
        "400": "Invalid",
        "401": "Unauthorized",
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


def _intake_answer(description: str) -> dict:
    return {**_json(_ref("Contact"), description), "links": _contact_links()}


_EXTERNAL_ID = {
    "name": "external_id",
    "in": "query",
    "required": True,
    "description": "The external_id the bot sent with the contact.",
    "schema": {"type": "string", "maxLength": MAX_LENGTHS["external_id"], "pattern": NOT_BLANK_NO_NUL},
}

_ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "description": "The contact's id, as the intake answered it.",
    "schema": {"type": "integer", "minimum": 0, "maximum": 2**63 - 1},
}

_CLOSE_BODY = {
    "required": False,
    "description": "Optional: no body closes it without a note.",
    "content": {"application/json": {"schema": _ref("CloseIn")}},
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
                "200": _json(_ref("Contact"), "The contact, closed."),
                **_answers("400", "401", "404", "413", "415", "429", "503"),
            },
        }
    }


def _webhook(event: str, when: str) -> dict:
    signature = (
        't=<unix seconds>,v1=<hex HMAC-SHA256 of f"{t}.".encode() + body, keyed with the webhook\'s secret>'
    )
    return {
        "post": {
            "operationId": f"webhook-{event}",
            "summary": when,
            "description": "Sent by the worker to the bot's webhook URL, one event per request, in "
            "order per contact; retried with exponential backoff for about a day until a 2xx.",
            "tags": ["Webhooks"],
            "security": [],
            "parameters": [
                {
                    "name": "Minicrm-Signature",
                    "in": "header",
                    "required": True,
                    "description": signature,
                    "schema": {"type": "string", "pattern": "^t=[0-9]+,v1=[0-9a-f]{64}$"},
                },
                {
                    "name": "Minicrm-Event-Id",
                    "in": "header",
                    "required": True,
                    "description": "The event's id (as in the body): deduplicate on it.",
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
                "content": {"application/json": {"schema": _ref("WebhookEvent")}},
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
            {"name": "Webhooks", "description": "What the service POSTs to a bot's webhook URL."},
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
                        "content": {"application/json": {"schema": _ref("ContactIn")}},
                    },
                    "responses": {
                        "200": _intake_answer("A replay of a known external_id: nothing new was written."),
                        "201": _intake_answer("Assigned to an operator."),
                        "202": _intake_answer("Nobody can take it now: it waits in the queue."),
                        **_answers("400", "401"),
                        "409": _json(
                            _ref("Conflict"),
                            "This external_id was already sent with another lead or message.",
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
                        "200": _json(
                            _ref("Contact"), "The contact as it is now; its lead is only id and created."
                        ),
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
                        "200": _json(
                            _ref("Contact"), "The contact as it is now; its lead is only id and created."
                        ),
                        **_answers("401", "404", "429", "503"),
                    },
                },
            },
            "/api/contacts/{id}/close": _close("closeContact", "Close a contact", _ID),
            "/api/contacts/close": _close(
                "closeContactByExternalId", "Close a contact by the bot's external_id", _EXTERNAL_ID
            ),
            "/healthz": {
                "get": {
                    "operationId": "health",
                    "summary": "Whether the database answers",
                    "description": "GET and HEAD only: any other method is a 405 with `Allow: GET, HEAD`.",
                    "tags": ["Operations"],
                    "security": [],
                    "responses": {
                        "200": _json(_ref("Health"), "The database answers."),
                        "503": _json(_ref("Health"), "The database does not answer."),
                    },
                },
            },
        },
        "webhooks": {
            event: _webhook(event, when)
            for event, when in (
                (Webhook.Event.ASSIGNED.value, "A contact went to an operator"),
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
            "schemas": _schemas(),
            "responses": _responses(),
        },
    }
