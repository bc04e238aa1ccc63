"""schemathesis hooks for .ci/schemathesis: values for the API's own string formats
(distribution/contract.py), drawn from what identifiers.py's normalisers accept, so that the
requests schemathesis generates as valid are valid."""

import functools

import django
import phonenumbers
import schemathesis
from hypothesis import strategies as st

# The normalisers' refusals are translated messages: gettext needs the app registry (the settings
# are the server's, from .ci/schemathesis's environment).
django.setup()

from distribution import identifiers  # noqa: E402


def _accepted(normalize, value: str) -> bool:
    # The intake trims before it normalises, and a blank identifier counts as absent.
    if not value.strip():
        return False
    try:
        normalize(value.strip())
    except identifiers.InvalidIdentifier:
        return False
    return True


def _example_phones() -> list[str]:
    """Each region's example number, in E.164 and in its international format."""
    styles = (phonenumbers.PhoneNumberFormat.E164, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    examples = filter(None, map(phonenumbers.example_number, sorted(phonenumbers.SUPPORTED_REGIONS)))
    numbers = [phonenumbers.format_number(example, style) for example in examples for style in styles]
    normalize = functools.partial(identifiers.normalize_phone, region="RU")
    return [number for number in numbers if _accepted(normalize, number)]


schemathesis.openapi.format(
    "lead-email", st.emails().filter(functools.partial(_accepted, identifiers.normalize_email))
)
schemathesis.openapi.format("lead-phone", st.sampled_from(_example_phones()))
schemathesis.openapi.format(
    "lead-external-id",
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=100).filter(
        functools.partial(_accepted, identifiers.normalize_external_id)
    ),
)
