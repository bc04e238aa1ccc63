"""The project's own system checks."""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)

# The keys in compose.yaml, the Dockerfile and settings.py; tests/test_secret_key_check.py holds
# this set to those files.
PLACEHOLDER_SECRET_KEYS = frozenset(
    {
        "insecure-compose-default-set-SECRET_KEY-before-this-leaves-your-laptop",
        "collectstatic-only",
        "django-insecure-development-only-key-never-use-in-production",
    }
)
_HINT = (
    "Give SECRET_KEY a random value of its own: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
)


@register(Tags.security, deploy=True)
def check_secret_key(app_configs, **kwargs) -> list[Error]:
    """Refuse, as errors, a placeholder key and one that Django's security.W009 finds weak.

    With the key, anyone can forge a manager's session."""
    if settings.DEBUG:
        return []
    key = settings.SECRET_KEY
    if key in PLACEHOLDER_SECRET_KEYS:
        return [
            Error(
                "SECRET_KEY is a placeholder that ships with mini-CRM, known to all.",
                hint=_HINT,
                id="minicrm.E001",
            )
        ]
    if (
        len(key) < SECRET_KEY_MIN_LENGTH
        or len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
        or key.startswith(SECRET_KEY_INSECURE_PREFIX)
    ):
        return [
            Error(
                f"SECRET_KEY is weak: it needs at least {SECRET_KEY_MIN_LENGTH} characters, "
                f"{SECRET_KEY_MIN_UNIQUE_CHARACTERS} of them different, "
                f"and no {SECRET_KEY_INSECURE_PREFIX!r} prefix.",
                hint=_HINT,
                id="minicrm.E002",
            )
        ]
    return []
