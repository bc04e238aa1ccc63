"""The one normal form of each lead identifier. The intake, the dashboard's search and merge form,
Django admin and the data migration all call these functions, so a value typed anywhere finds the
lead that a bot created. They are pure (no database), and idempotent: a normal form normalises to
itself.

- E-mail: trimmed, NFKC-normalised (full-width letters, digits and signs become ASCII) and
  lower-cased; the domain is stored IDNA-encoded, so ``user@пример.рф`` and
  ``user@xn--e1afmkfd.xn--p1ai`` are one address. NFKC is safe here because the local part
  must come out ASCII (NFKC leaves ASCII alone, so it never joins two addresses that were valid
  as typed) and IDNA maps the domain through NFKC anyway. Format characters (Unicode category Cf:
  zero-width spaces and joiners, bidi marks, the soft hyphen) and every other default-ignorable
  code point (variation selectors, Hangul fillers, the combining grapheme joiner) are refused:
  IDNA would drop them silently, turning a look-alike into someone else's address. So are ``ß``
  and final ``ς`` in the domain, where IDNA 2003 (Python's codec, which Django uses too) and
  IDNA 2008 name different domains.
- Phone: E.164 via phonenumbers, a number without country code read in `PHONE_DEFAULT_REGION`.
  Letters are refused (phonenumbers would read ``+7 999 ABC 45 67`` as a keypad word, 222), and
  so is an extension (``ext. 123``, ``x123``, ``доб. 123``): the lead's phone has no room for it
  and dropping it would lose part of what was sent. Format characters are ignored: they cannot
  reach the E.164 digits (phone apps wrap numbers in bidi marks).
- External id: another system's key, compared as it is: only surrounding whitespace is trimmed,
  no Unicode normalisation (a wrong merge on the strongest identifier would hand one customer's
  lead to another); control, format and other default-ignorable characters are refused.
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

# IDNA 2003 maps these (sharp s to ss, final sigma to sigma), IDNA 2008 keeps them: the two
# name different domains.
IDNA_DEVIATIONS = frozenset("ßς")

# Unicode's Default_Ignorable_Code_Point property (DerivedCoreProperties.txt, Unicode 15.1 and 16.0:
# 4,174 code points), which unicodedata does not expose: characters that render as nothing. Not
# all are category Cf (U+034F, U+115F, U+180B, U+3164, U+FE0F, U+E0100... are Mn or Lo), and
# IDNA's mapping drops several of them, so "a@exa\ufe0fmple.com" would become a@example.com.
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
    """A value that is not an identifier of its kind; str() is a message for the sender."""


class InvalidEmail(InvalidIdentifier):
    pass


class InvalidPhone(InvalidIdentifier):
    pass


class InvalidExternalId(InvalidIdentifier):
    pass


# Searched by regular expressions: a loop over the characters in Python was a tenth of an
# intake's CPU (issue 12). Category Cc is exactly the C0 controls, DEL and the C1 controls.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_IGNORABLE = re.compile(
    "["
    + "".join(f"{re.escape(chr(first))}-{re.escape(chr(last))}" for first, last in DEFAULT_IGNORABLE)
    + "]"
)


def _has_control(value: str) -> bool:
    return _CONTROL.search(value) is not None


def _has_invisible(value: str) -> bool:
    """Whether `value` holds a format character (Cf) or another default-ignorable code point."""
    if value.isascii():  # no ASCII character is either
        return False
    return _IGNORABLE.search(value) is not None or any(
        unicodedata.category(character) == "Cf" for character in value
    )


def normalize_email(value: str) -> str:
    """The stored form of an e-mail address (see the module's docstring). Raises InvalidEmail."""
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
    """The domain's IDNA (ASCII) form, lower-cased. Raises InvalidEmail."""
    try:
        ascii_domain = domain.encode("idna").decode("ascii").lower()
        # Decoding checks that each xn-- label round-trips, so a label that some other Unicode
        # spelling of the same name encodes to is refused rather than stored as a second form.
        ascii_domain.encode("ascii").decode("idna")
    except UnicodeError as error:
        raise InvalidEmail(_("Enter a valid e-mail address.")) from error
    return ascii_domain


def normalize_phone(value: str, *, region: str | None = None) -> str:
    """Return the number in E.164, reading a number without country code as one of `region`.
    Raises InvalidPhone."""
    typed = "".join(character for character in value if unicodedata.category(character) != "Cf")
    try:
        number = phonenumbers.parse(typed, region or settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        number = None
    # The extension first: its marker ("ext.", "x", "доб.") is made of letters too.
    if number is not None and number.extension:
        raise InvalidPhone(_("Extensions are not accepted: send the number without “ext.”, “x” or “доб.”."))
    if any(character.isalpha() for character in typed):
        raise InvalidPhone(_("Must not contain letters: send the digits, e.g. +7 999 123-45-67."))
    if number is None or not (
        phonenumbers.is_possible_number(number) and phonenumbers.is_valid_number(number)
    ):
        raise InvalidPhone(_("Enter a valid phone number, e.g. +7 999 123-45-67."))
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if len(e164) > MAX_E164_LENGTH:  # the library accepts a few national plans longer than E.164
        raise InvalidPhone(_("Too long for a phone number (E.164 allows 15 digits)."))
    return e164


def normalize_external_id(value: str) -> str:
    """The external id as sent, without surrounding whitespace. Raises InvalidExternalId."""
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
        """Build one from identifiers as people write them; blanks are absent."""
        return cls(
            external_id=normalize_external_id(external_id) if external_id.strip() else None,
            email=normalize_email(email) if email.strip() else None,
            phone=normalize_phone(phone) if phone.strip() else None,
            name=name.strip(),
        )
