"""The one normal form of each lead identifier, wherever it is typed (docs/rules.md#rule-1-lead).

The functions are pure and idempotent: a normal form normalises to itself.
"""

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

# The widths of the Lead columns.
MAX_EMAIL_LENGTH = 254
MAX_EXTERNAL_ID_LENGTH = 100
MAX_E164_LENGTH = 16  # "+" and 15 digits

# IDNA 2003 (Python's codec, and Django's) maps these, IDNA 2008 keeps them: the two name different
# domains.
IDNA_DEVIATIONS = frozenset("ßς")

# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt, 15.1 and 16.0), which
# unicodedata lacks: characters that render as nothing, not all of them Cf.
DEFAULT_IGNORABLE = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)


class InvalidIdentifier(ValueError):
    """A value that is not an identifier of its kind; str() is the message for the sender."""


class InvalidEmail(InvalidIdentifier):
    pass


class InvalidPhone(InvalidIdentifier):
    pass


class InvalidExternalId(InvalidIdentifier):
    pass


# Regular expressions: a loop over the characters was a tenth of an intake's CPU. Category Cc is
# exactly the C0 controls, DEL and the C1 controls.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_IGNORABLE = re.compile(
    "["
    + "".join(f"{re.escape(chr(first))}-{re.escape(chr(last))}" for first, last in DEFAULT_IGNORABLE)
    + "]"
)


def _has_control(value: str) -> bool:
    return _CONTROL.search(value) is not None


def _has_invisible(value: str) -> bool:
    """Return whether `value` holds a format character (Cf) or another default-ignorable one."""
    if value.isascii():
        return False
    return _IGNORABLE.search(value) is not None or any(
        unicodedata.category(character) == "Cf" for character in value
    )


def normalize_email(value: str) -> str:
    """Return the stored form of an e-mail address: NFKC, lower case, an IDNA domain.

    Raise InvalidEmail, also for invisible characters, which IDNA would drop silently and so turn a
    look-alike into someone else's address."""
    # NFKC leaves ASCII alone, and a valid local part is ASCII: it never joins two valid addresses.
    address = unicodedata.normalize("NFKC", value.strip()).lower()
    if _has_invisible(value) or _has_invisible(address):
        raise InvalidEmail(_("Must not contain invisible formatting characters (e.g. zero-width spaces)."))
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise InvalidEmail(_("Enter a valid e-mail address."))
    if IDNA_DEVIATIONS & set(domain):
        raise InvalidEmail(_("Domains with “ß” or “ς” are not accepted: IDNA versions disagree on them."))
    address = f"{local}@{normalize_domain(domain)}"
    if len(address) > MAX_EMAIL_LENGTH:
        raise InvalidEmail(_("At most %(limit)s characters.") % {"limit": MAX_EMAIL_LENGTH})
    try:
        validate_email(address)
    except ValidationError as error:
        raise InvalidEmail(_("Enter a valid e-mail address.")) from error
    return address


def normalize_domain(domain: str) -> str:
    """Return the domain's IDNA (ASCII) form, lower-cased, or raise InvalidEmail."""
    try:
        ascii_domain = domain.encode("idna").decode("ascii").lower()
        # A label that does not round-trip would be a second stored form of one name.
        ascii_domain.encode("ascii").decode("idna")
    except UnicodeError as error:
        raise InvalidEmail(_("Enter a valid e-mail address.")) from error
    return ascii_domain


def unicode_email(address: str) -> str:
    """Return a stored address as people read it: its domain in Unicode (пример.рф, not xn--…).

    A domain mixing scripts stays in IDNA, as browsers show it: Cyrillic look-alikes of "apple" and
    ".com" are not apple.com."""
    local, at, domain = address.rpartition("@")
    if "xn--" not in domain.lower():  # no label in IDNA: nothing to decode (most addresses)
        return address
    try:
        shown = domain.encode("ascii").decode("idna")
    except UnicodeError:  # not a stored form: shown as it is
        return address
    scripts = {unicodedata.name(character).split()[0] for character in shown if character.isalpha()}
    return f"{local}{at}{shown}" if len(scripts) <= 1 else address


def shown_identifier(field: str, value: str) -> str:
    """Return an identifier's stored value as a page shows it."""
    return unicode_email(value) if field == "email" else value


def normalize_phone(value: str, *, region: str | None = None) -> str:
    """Return the number in E.164, reading one without a country code in `region`.

    Raise InvalidPhone, also for an extension, which the stored number would lose."""
    # Format characters are dropped: phone apps wrap numbers in bidi marks.
    typed = "".join(character for character in value if unicodedata.category(character) != "Cf")
    try:
        number = phonenumbers.parse(typed, region or settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        number = None
    # The extension first: its marker ("ext.", "x", "доб.") is letters too. phonenumbers would read
    # other letters as a keypad word.
    if number is not None and number.extension:
        raise InvalidPhone(_("Extensions are not accepted: send the number without “ext.”, “x” or “доб.”."))
    if any(character.isalpha() for character in typed):
        raise InvalidPhone(_("Must not contain letters: send the digits, e.g. +7 999 123-45-67."))
    if number is None or not (
        phonenumbers.is_possible_number(number) and phonenumbers.is_valid_number(number)
    ):
        raise InvalidPhone(_("Enter a valid phone number, e.g. +7 999 123-45-67."))
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if len(e164) > MAX_E164_LENGTH:  # a few national plans are longer than E.164
        raise InvalidPhone(_("Too long for a phone number (E.164 allows 15 digits)."))
    return e164


def normalize_external_id(value: str) -> str:
    """Return the external id as sent, only trimmed, or raise InvalidExternalId.

    Another system's key is not normalised: a wrong match on it would give a customer's lead away."""
    external_id = value.strip()
    if not external_id:
        raise InvalidExternalId(_("Must not be blank."))
    if _has_control(external_id) or _has_invisible(external_id):
        raise InvalidExternalId(_("Must not contain control or invisible formatting characters."))
    if len(external_id) > MAX_EXTERNAL_ID_LENGTH:
        raise InvalidExternalId(_("At most %(limit)s characters.") % {"limit": MAX_EXTERNAL_ID_LENGTH})
    return external_id


NORMALIZERS = {"external_id": normalize_external_id, "email": normalize_email, "phone": normalize_phone}

# The identifiers of a lead, in the order rule 1 looks a lead up by.
IDENTIFIERS = ("external_id", "email", "phone")


@dataclass(frozen=True)
class LeadIdentity:
    """What a request says about its lead, already normalised."""

    external_id: str | None = None
    email: str | None = None
    phone: str | None = None
    name: str = ""

    def identifiers(self) -> dict[str, str]:
        return {field: getattr(self, field) for field in IDENTIFIERS if getattr(self, field)}

    @classmethod
    def normalised(
        cls, *, external_id: str = "", email: str = "", phone: str = "", name: str = ""
    ) -> "LeadIdentity":
        """Normalise identifiers as people write them; blanks are absent."""
        return cls(
            external_id=normalize_external_id(external_id) if external_id.strip() else None,
            email=normalize_email(email) if email.strip() else None,
            phone=normalize_phone(phone) if phone.strip() else None,
            name=name.strip(),
        )
