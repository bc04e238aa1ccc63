"""The bots' contract, stated once: every body the API takes (ContactIn, CloseIn), answers (Contact,
Error, Conflict, Health) and sends to webhooks (the events), as pydantic models. payload.py
validates requests with them, openapi.py publishes their JSON Schema, and tests/test_openapi.py
holds every answer and event that api_json.py and webhooks.py build to them.

The lead's identifiers have rules JSON Schema cannot state (a valid phone number, an address whose
domain IDNA accepts, no invisible characters): identifiers.py applies them, and the schema names
them by formats of this API's own (`lead-email`, ...), which validators ignore and the
schemathesis hooks in .ci/schemathesis_hooks.py generate."""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic.json_schema import (
    GenerateJsonSchema,
    JsonDict,
    JsonSchemaMode,
    SkipJsonSchema,
    models_json_schema,
)
from pydantic_core import PydanticCustomError

from . import identifiers, models

IDENTIFIERS = tuple(identifiers.NORMALIZERS)  # in the order a lead is looked up by them
NO_NUL = r"^[^\x00]*$"
# The characters str.strip() removes (str.isspace()), spelled out: the regex engines of
# validators and generators disagree on what \s means.
_SPACE = r"\t-\r\x1c- \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# Not blank and no NUL: a contact's external_id where a bot names it in a query string.
NOT_BLANK_NO_NUL = rf"^[^\x00]*[^{_SPACE}\x00][^\x00]*$"


def invalid(kind: str, message: str = "") -> PydanticCustomError:
    """A refusal of our own: `kind` names it for payload.py, a `message` is already translated."""
    return PydanticCustomError(kind, "{message}", {"message": message})


def _text(max_length: int, pattern: str = NO_NUL) -> Any:
    return Field(max_length=max_length, pattern=pattern)


def _stripped(value: str) -> str:
    return value.strip()


def _identifier(normalize: Callable[[str], str], form: str, max_length: int) -> tuple[Any, ...]:
    """A lead identifier: trimmed, blank as absent, else normalised by identifiers.py."""

    def validate(value: str) -> str | None:
        if "\x00" in value:
            raise invalid("nul")
        value = value.strip()
        if not value:
            return None
        try:
            return normalize(value)
        except identifiers.InvalidIdentifier as error:
            raise invalid("identifier", str(error)) from None

    # The format says it all: a pattern beside it would make generators drop the format.
    return Field(max_length=max_length, json_schema_extra={"format": form}), AfterValidator(validate)


def _unique(names: list[str]) -> list[str]:
    if len(set(names)) < len(names):
        raise invalid("not_unique")
    return names


class Body(BaseModel):
    """A JSON object with exactly the fields its model declares."""

    model_config = ConfigDict(extra="forbid", strict=True, use_attribute_docstrings=True)


# Requests -------------------------------------------------------------------------------------------


LEAD_EXAMPLE: JsonDict = {
    "external_id": "tg-9001",
    "email": "Anna@Example.com",
    "phone": "+7 999 123-45-67",
    "name": "Anna",
}


def _lead_schema(schema: dict) -> None:
    # "At least one identifier", stated as "not: each identifier it has is something other than
    # one": validators honour it and client generators ignore it. `anyOf` branches made generated
    # clients type the lead as one identifier, or as anything, and hid the identifiers' formats
    # from schemathesis; the formats inside the `not` let it generate an identifier to satisfy it.
    properties = schema["properties"]
    schema["not"] = {
        "properties": {
            name: {"not": {"type": "string", "format": properties[name]["format"]}} for name in IDENTIFIERS
        }
    }
    schema["examples"] = [LEAD_EXAMPLE]


class LeadIn(Body):
    """Who wrote. At least one of `external_id`, `email`, `phone` is required (a blank one counts as
    absent); the lead is looked up by them in that order, or created."""

    model_config = ConfigDict(json_schema_extra=_lead_schema)

    external_id: (
        Annotated[
            str,
            *_identifier(
                identifiers.normalize_external_id, "lead-external-id", identifiers.MAX_EXTERNAL_ID_LENGTH
            ),
        ]
        | None
    ) = None
    """An id shared across the company's bots (a CRM or messenger user id), compared as sent: no
    control or invisible characters."""
    email: (
        Annotated[str, *_identifier(identifiers.normalize_email, "lead-email", identifiers.MAX_EMAIL_LENGTH)]
        | None
    ) = None
    """A valid address; stored NFKC-normalised, lower-cased, its domain IDNA-encoded."""
    phone: Annotated[str, *_identifier(identifiers.normalize_phone, "lead-phone", 32)] | None = None
    """Any common format, stored in E.164; no letters, no extension."""
    name: Annotated[str, _text(200), AfterValidator(_stripped)] | None = None
    """The lead's name."""
    verified: (
        Annotated[
            list[Literal[IDENTIFIERS]],  # type: ignore[valid-type]  # the names, from identifiers.py
            AfterValidator(_unique),
            Field(json_schema_extra={"uniqueItems": True}),
        ]
        | None
    ) = None
    """The identifiers the bot verified for this request (a messenger's user id, a phone shared
    through the messenger; not an e-mail typed in a chat); absent or null: the bot's own setting.
    Only verified identifiers join an existing lead: an unverified match makes a new lead, marked as
    a possible duplicate for a manager. Any of the three names may be given: one whose identifier
    the request does not carry has no effect."""

    @model_validator(mode="after")
    def _one_identifier(self) -> "LeadIn":
        if self.external_id is None and self.email is None and self.phone is None:
            raise invalid("no_identifier")
        return self


class ContactIn(Body):
    """A contact: who wrote through the bot, and what."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "lead": LEAD_EXAMPLE,
                    "message": "Hello, I want to order",
                    "external_id": "msg-8812",
                }
            ]
        }
    )

    lead: LeadIn
    message: Annotated[str, _text(10_000)] | None = None
    """What the lead wrote."""
    external_id: Annotated[str, _text(100), AfterValidator(_stripped)] | None = None
    """The bot's own id of this contact: sending it again is a safe retry."""


class CloseIn(Body):
    """How a bot closes a contact; no body closes it without a note."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "The customer ordered"}]})

    reason: Annotated[str, _text(models.RESOLUTION_LENGTH), AfterValidator(_stripped)] | None = None
    """Kept as the contact's resolution note."""


class AcceptIn(Body):
    """A bot says its contact's operator answered; the body, if any, is an empty object."""

    model_config = ConfigDict(json_schema_extra={"examples": [{}]})


# The contact's external_id where a bot names it in a query string (reads and closes).
ExternalIdParameter = Annotated[str, _text(100, NOT_BLANK_NO_NUL), AfterValidator(_stripped)]


# Answers -------------------------------------------------------------------------------------------


class Lead(Body):
    """The lead's id, whether this request created it, and only the identifiers (and name) this
    request sent, normalised: never what is stored."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 151,
                    "created": True,
                    "name": "Anna",
                    "external_id": "tg-9001",
                    "email": "anna@example.com",
                    "phone": "+79991234567",
                }
            ]
        }
    )

    id: int
    created: bool
    name: str | SkipJsonSchema[None] = None
    external_id: str | SkipJsonSchema[None] = None
    email: str | SkipJsonSchema[None] = None
    phone: str | SkipJsonSchema[None] = None
    """In E.164."""


class Bot(Body):
    """The bot that sent the contact."""

    id: int
    name: str


class Operator(Body):
    """The operator who has the contact."""

    id: int
    name: str


Reason = models.ContactEvent.Reason
# Who or what closes a contact, as ContactEvent records it.
CLOSE_REASONS = (
    Reason.OPERATOR.value,
    Reason.MANAGER.value,
    Reason.BOT.value,
    Reason.AUTO.value,
    Reason.EXPIRED.value,
)


class ClosedBy(Body):
    """Who or what closed the contact."""

    reason: Literal[CLOSE_REASONS]  # type: ignore[valid-type]  # from the model
    """`operator`: its operator, in the dashboard; `manager`: a manager; `bot`: the bot, through this
    API; `auto`: open longer than the bot's auto-close time after its assignment; `expired`: waited
    too long in the queue."""
    operator: Operator | None
    """The operator who closed it, when `reason` is `operator`; else null."""


CONTACT_EXAMPLE: JsonDict = {
    "id": 702,
    "status": "open",
    "external_id": "msg-8813",
    "message": "Hello, I want to order",
    "lead": {"id": 151, "created": False, "external_id": "tg-9001"},
    "bot": {"id": 31, "name": "Telegram Sales"},
    "operator": {"id": 13, "name": "Chen Wei"},
    "created_at": "2026-11-25T22:07:21.987337+00:00",
    "assigned_at": "2026-11-25T22:07:21.989489+00:00",
    "accepted_at": None,
    "closed_at": None,
    "open": True,
    "opens_at": None,
    "resolution": None,
    "closed_by": None,
}


class Contact(Body):
    """A contact as it is now."""

    model_config = ConfigDict(json_schema_extra={"examples": [CONTACT_EXAMPLE]})

    id: int
    status: Literal[tuple(models.Contact.Status.values)]  # type: ignore[valid-type]  # from the model
    external_id: str | None
    message: str
    lead: Lead
    bot: Bot
    operator: Operator | None
    created_at: datetime
    assigned_at: datetime | None
    accepted_at: datetime | None
    """When its operator took it (rule 8); null while it is new."""
    closed_at: datetime | None
    open: bool
    """Whether the bot is within its working hours now (rule 11): outside them contacts wait."""
    opens_at: datetime | None
    """When the bot opens next, in its time zone; null while it is open."""
    resolution: str | None
    """The close's note ("" when it closed without one); null unless it is closed."""
    closed_by: ClosedBy | None
    """Who or what closed it; null unless it is closed."""


class Error(Body):
    """What went wrong; with bad fields, each by its path (`lead.email`, `reason`, `body`...)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"error": "Invalid fields.", "fields": {"lead.email": "Enter a valid e-mail address."}}
            ]
        }
    )

    error: str
    fields: dict[str, str] | SkipJsonSchema[None] = None
    """Each bad field by its path: what is wrong with it."""


class Conflict(Body):
    """The contact already sent with this external_id."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "error": "This external_id was already sent with another lead or message.",
                    "contact_id": 701,
                }
            ]
        }
    )

    error: str
    contact_id: int


class Stretch(Body):
    """A stretch of open hours."""

    opens: datetime
    closes: datetime


class Hours(Body):
    """A bot's working hours (rule 11): whether it is open now, and its next 7 days."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "open": False,
                    "opens_at": "2026-12-08T09:00:00+03:00",
                    "time_zone": "Europe/Moscow",
                    "hours": [{"opens": "2026-12-08T09:00:00+03:00", "closes": "2026-12-08T18:00:00+03:00"}],
                }
            ]
        }
    )

    open: bool
    opens_at: datetime | None
    """When it opens next, in its time zone; null while it is open."""
    time_zone: str
    hours: list[Stretch] | None
    """The open stretches of the next 7 days, in its time zone; null when it has no hours (always open)."""


class Health(Body):
    """Whether the database answers."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok"}]})

    status: Literal["ok", "database unavailable"]


# Webhook events ---------------------------------------------------------------------------------------


class EventData(Body):
    """The contact that changed, and how."""

    contact: Contact
    """As GET /api/contacts/{id} answered it at the change: its lead is only `id` and `created`."""
    reason: Literal[tuple(models.ContactEvent.Reason.values)]  # type: ignore[valid-type]  # from the model
    """What made the change."""


class _Event(Body):
    id: UUID
    """The event's id: deduplicate on it."""
    type: str
    created: datetime
    """When the change happened."""
    data: EventData


def _event_example(event: str, reason: str, **contact) -> dict:
    return {
        "id": "0b6f1c2e-4f0a-4c39-9d51-6a3e0f2b7c11",
        "type": event,
        "created": "2026-11-25T22:07:21.989489+00:00",
        "data": {
            "contact": {**CONTACT_EXAMPLE, **contact},
            "reason": reason,
        },
    }


class ContactAssigned(_Event):
    """A contact went to an operator."""

    model_config = ConfigDict(json_schema_extra={"examples": [_event_example("contact.assigned", "intake")]})

    type: Literal[models.Webhook.Event.ASSIGNED.value]  # type: ignore[name-defined]  # from the model


class ContactAccepted(_Event):
    """A contact's operator took it: in the dashboard, or the bot said so."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _event_example("contact.accepted", "operator", accepted_at="2026-11-25T22:08:40.112231+00:00")
            ]
        }
    )

    type: Literal[models.Webhook.Event.ACCEPTED.value]  # type: ignore[name-defined]  # from the model


class ContactPassedOn(_Event):
    """A new contact was not taken in time and went to another operator (`data.contact.operator`)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _event_example(
                    "contact.passed_on",
                    "passed-on",
                    operator={"id": 14, "name": "Olga Petrova"},
                    assigned_at="2026-11-25T22:12:21.991072+00:00",
                )
            ]
        }
    )

    type: Literal[models.Webhook.Event.PASSED_ON.value]  # type: ignore[name-defined]  # from the model


class ContactWaiting(_Event):
    """A contact waits in the queue."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _event_example("contact.waiting", "intake", status="waiting", operator=None, assigned_at=None)
            ]
        }
    )

    type: Literal[models.Webhook.Event.WAITING.value]  # type: ignore[name-defined]  # from the model


class ContactClosed(_Event):
    """A contact was closed: `data.contact.closed_by` says by whom, `data.contact.resolution` with
    which note."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _event_example(
                    "contact.closed",
                    "operator",
                    status="closed",
                    accepted_at="2026-11-25T22:08:40.112231+00:00",
                    closed_at="2026-11-25T22:31:02.114277+00:00",
                    resolution="Ordered two licences; invoice sent",
                    closed_by={"reason": "operator", "operator": {"id": 13, "name": "Chen Wei"}},
                )
            ]
        }
    )

    type: Literal[models.Webhook.Event.CLOSED.value]  # type: ignore[name-defined]  # from the model


EVENTS: dict[str, type[_Event]] = {
    models.Webhook.Event.ASSIGNED.value: ContactAssigned,
    models.Webhook.Event.ACCEPTED.value: ContactAccepted,
    models.Webhook.Event.PASSED_ON.value: ContactPassedOn,
    models.Webhook.Event.WAITING.value: ContactWaiting,
    models.Webhook.Event.CLOSED.value: ContactClosed,
}
REQUESTS: tuple[type[Body], ...] = (ContactIn, CloseIn, AcceptIn)
ANSWERS: tuple[type[Body], ...] = (Contact, Error, Conflict, Health, Hours)


class _Document(GenerateJsonSchema):
    """JSON Schema for an OpenAPI document: no titles beside the names, no `null` defaults that
    would read as values, nullable fields as two types."""

    def field_title_should_be_set(self, schema) -> bool:
        return False

    def sort(self, value, parent_key=None):
        return value  # the order the models declare, examples included

    def default_schema(self, schema):
        if schema.get("default") is None:
            return self.generate_inner(schema["schema"])
        return super().default_schema(schema)

    def get_union_of_schemas(self, schemas):
        # A nullable string or array as one schema of two types, not as `anyOf` branches: in
        # branches schemathesis' coverage phase no longer generates the identifiers by their formats.
        match schemas:
            case [{"type": str(kind), **rest} as inner, {"type": "null"}] if not {"enum", "const"} & set(
                rest
            ):
                return {**inner, "type": [kind, "null"]}
        return super().get_union_of_schemas(schemas)


def _unwrapped(schema):
    """`schema` with its descriptions, docstrings wrapped in the source, on one line each."""
    if isinstance(schema, list):
        return [_unwrapped(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    return {
        key: value.replace("\n", " ") if key == "description" else _unwrapped(value)
        for key, value in schema.items()
    }


def json_schemas() -> dict[str, dict]:
    """Each body's JSON Schema by its name, referring to the others under #/components/schemas."""
    models_: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        (model, "validation") for model in (*REQUESTS, *ANSWERS, *EVENTS.values())
    ]
    _, schemas = models_json_schema(
        models_, ref_template="#/components/schemas/{model}", schema_generator=_Document
    )
    return _unwrapped(schemas["$defs"])
