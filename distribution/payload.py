"""The intake's body, checked at the boundary: exact types, known fields, sane sizes, normalised
identifiers. Anything else is a PayloadError that names each bad field."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from .identifiers import NORMALIZERS, InvalidIdentifier, LeadIdentity
from .models import RESOLUTION_LENGTH

MAX_LENGTHS = {
    "external_id": 100,
    "message": 10_000,
    "lead.external_id": 100,
    "lead.email": 254,
    "lead.phone": 32,
    "lead.name": 200,
    "reason": RESOLUTION_LENGTH,
}


class PayloadError(Exception):
    def __init__(self, fields: dict[str, str]):
        super().__init__("; ".join(f"{name}: {error}" for name, error in fields.items()))
        self.fields = fields


@dataclass(frozen=True)
class ContactPayload:
    identity: LeadIdentity
    message: str
    external_id: str | None


def _text(data: dict, key: str, path: str, errors: dict[str, str]) -> str:
    """The string at data[key] ("" when absent or null), or "" with an error recorded."""
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        errors[path] = _("Must be a string.")
        return ""
    if "\x00" in value:
        errors[path] = _("Must not contain NUL characters.")
        return ""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        errors[path] = _("Must be valid Unicode text.")
        return ""
    if len(value) > MAX_LENGTHS[path]:
        errors[path] = _("At most %(limit)s characters.") % {"limit": MAX_LENGTHS[path]}
        return ""
    return value


def _unknown(data: dict, allowed: tuple[str, ...], prefix: str, errors: dict[str, str]) -> None:
    for key in data:
        if key not in allowed:
            errors[f"{prefix}{key}"] = _("Unknown field.")


def parse_contact_payload(data: object) -> ContactPayload:
    if not isinstance(data, dict):
        raise PayloadError({"body": _("Must be a JSON object.")})
    errors: dict[str, str] = {}
    _unknown(data, ("lead", "message", "external_id"), "", errors)
    message = _text(data, "message", "message", errors)
    external_id = _text(data, "external_id", "external_id", errors).strip() or None

    lead = data.get("lead")
    if not isinstance(lead, dict):
        errors["lead"] = _("Required: an object with external_id, email or phone.")
        raise PayloadError(errors)
    _unknown(lead, ("external_id", "email", "phone", "name"), "lead.", errors)
    name = _text(lead, "name", "lead.name", errors).strip()
    identifiers = {}
    for field, normalize in NORMALIZERS.items():
        value = _text(lead, field, f"lead.{field}", errors).strip()
        if value:
            try:
                identifiers[field] = normalize(value)
            except InvalidIdentifier as error:
                errors[f"lead.{field}"] = str(error)
    if not identifiers and not any(key.startswith("lead.") for key in errors):
        errors["lead"] = _("Give at least one of external_id, email, phone.")
    if errors:
        raise PayloadError(errors)
    identity = LeadIdentity(**identifiers, name=name)
    return ContactPayload(identity=identity, message=message, external_id=external_id)


def parse_external_id(value: str) -> str:
    """A contact's external_id as a bot names it in a query string, checked like the intake's."""
    errors: dict[str, str] = {}
    external_id = _text({"external_id": value}, "external_id", "external_id", errors).strip()
    if not external_id and not errors:
        errors["external_id"] = _("Required: the external_id the bot sent with the contact.")
    if errors:
        raise PayloadError(errors)
    return external_id


def parse_close_payload(data: object) -> str:
    """The close's optional body: {"reason": "..."}, the resolution note recorded with it."""
    if not isinstance(data, dict):
        raise PayloadError({"body": _("Must be a JSON object.")})
    errors: dict[str, str] = {}
    _unknown(data, ("reason",), "", errors)
    reason = _text(data, "reason", "reason", errors).strip()
    if errors:
        raise PayloadError(errors)
    return reason
