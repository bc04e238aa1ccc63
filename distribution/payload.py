"""The API's request bodies and parameters, checked at the boundary by contract.py's models."""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from . import contract
from .identifiers import LeadIdentity


class PayloadError(Exception):
    """Each bad field, by its path, with a message in the request's language."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("; ".join(f"{name}: {error}" for name, error in fields.items()))
        self.fields = fields


@dataclass(frozen=True)
class ContactPayload:
    identity: LeadIdentity
    message: str
    external_id: str | None
    # The identifiers the bot vouches for in this request; None: the bot's own setting.
    verified: frozenset[str] | None = None


def _message(error: ErrorDetails) -> str:
    """Return our message for a pydantic error; pydantic's are English and name Python types."""
    kind, path, context = error["type"], error["loc"], error.get("ctx") or {}
    if path == ("lead",) and kind in ("missing", "model_type"):
        return _("Required: an object with external_id, email or phone.")
    if kind == "string_too_long":
        return _("At most %(limit)s characters.") % {"limit": context["max_length"]}
    if kind == "string_pattern_mismatch" and "\x00" not in error["input"]:  # contract.NOT_BLANK_NO_NUL
        return _("Required: the external_id the bot sent with the contact.")
    messages = {
        "model_type": _("Must be a JSON object."),
        "string_pattern_mismatch": _("Must not contain NUL characters."),
        "extra_forbidden": _("Unknown field."),
        "string_type": _("Must be a string."),
        "string_unicode": _("Must be valid Unicode text."),
        "list_type": _("Must be an array."),
        "literal_error": _("Must be one of: external_id, email, phone."),
        "nul": _("Must not contain NUL characters."),
        "not_unique": _("Name each identifier once."),
        "no_identifier": _("Give at least one of external_id, email, phone."),
    }
    return messages.get(kind) or context.get("message") or _("Invalid value.")


def _fields(error: ValidationError) -> dict[str, str]:
    fields: dict[str, str] = {}
    for each in error.errors(include_url=False):
        # An item of a list is named by the list: lead.verified, not lead.verified.0.
        path = ".".join(part for part in each["loc"] if isinstance(part, str)) or "body"
        fields.setdefault(path, _message(each))
    return fields


_CONTACT = contract.ContactIn.__pydantic_validator__


def parse_contact_payload(data: object) -> ContactPayload:
    try:
        contact = _CONTACT.validate_python(data)
    except ValidationError as error:
        raise PayloadError(_fields(error)) from None
    lead = contact.lead
    identity = LeadIdentity(
        external_id=lead.external_id, email=lead.email, phone=lead.phone, name=lead.name or ""
    )
    return ContactPayload(
        identity=identity,
        message=contact.message or "",
        external_id=contact.external_id or None,
        verified=None if lead.verified is None else frozenset(lead.verified),
    )


_EXTERNAL_ID = TypeAdapter(contract.ExternalIdParameter)


def parse_external_id(value: str) -> str:
    """Return a contact's external_id from a query string, checked like the intake's."""
    try:
        return _EXTERNAL_ID.validate_python(value)
    except ValidationError as error:
        raise PayloadError({"external_id": _message(error.errors(include_url=False)[0])}) from None


def parse_accept_payload(data: object) -> None:
    """Check the accept's optional body: an empty object."""
    try:
        contract.AcceptIn.model_validate(data)
    except ValidationError as error:
        raise PayloadError(_fields(error)) from None


def parse_close_payload(data: object) -> str:
    """Return the resolution note of a close's optional body, {"reason": "..."}."""
    try:
        return contract.CloseIn.model_validate(data).reason or ""
    except ValidationError as error:
        raise PayloadError(_fields(error)) from None
