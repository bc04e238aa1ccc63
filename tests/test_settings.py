"""Settings come from the environment, and production refuses to start without a secret."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def settings_of(**env) -> subprocess.CompletedProcess:
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "db = settings.DATABASES['default']; "
        "print(json.dumps({'debug': settings.DEBUG, 'hosts': settings.ALLOWED_HOSTS, "
        "'engine': db['ENGINE'], 'options': db.get('OPTIONS', {}), 'name': str(db['NAME']), "
        "'origins': settings.CSRF_TRUSTED_ORIGINS, 'rate': settings.INTAKE_RATE_LIMIT}))"
    )
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "INTAKE_RATE_LIMIT"}
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "minicrm.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_it_refuses_to_start_without_a_secret_outside_debug():
    result = settings_of()

    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_it_hashes_passwords_with_djangos_default_not_the_tests_fast_one():
    from django.conf import global_settings

    import minicrm.settings

    assert not hasattr(minicrm.settings, "PASSWORD_HASHERS")
    assert global_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.PBKDF2PasswordHasher"


def test_it_starts_without_a_secret_in_debug():
    result = settings_of(DEBUG="true")

    assert result.returncode == 0, result.stderr
    assert '"debug": true' in result.stdout


def test_it_defaults_to_sqlite_in_wal_with_immediate_transactions():
    result = settings_of(DEBUG="true")

    assert '"engine": "django.db.backends.sqlite3"' in result.stdout
    assert '"transaction_mode": "IMMEDIATE"' in result.stdout
    assert "journal_mode=WAL" in result.stdout
    assert '"timeout": 20' in result.stdout
    assert result.stdout.count("db.sqlite3") == 1


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"DATABASE_URL": "postgres://crm:pw@db.internal:5432/crm"},
            '"engine": "django.db.backends.postgresql"',
        ),
        (
            {"ALLOWED_HOSTS": "crm.example.com, api.example.com"},
            '"hosts": ["crm.example.com", "api.example.com"]',
        ),
        ({"CSRF_TRUSTED_ORIGINS": "https://crm.example.com"}, '"origins": ["https://crm.example.com"]'),
        ({}, '"rate": 600'),
        ({"INTAKE_RATE_LIMIT": "0"}, '"rate": 0'),
    ],
)
def test_it_reads_the_environment(env, expected):
    result = settings_of(SECRET_KEY="s" * 50, **env)

    assert result.returncode == 0, result.stderr
    assert expected in result.stdout


def https_as_seen_by_django(**env) -> dict:
    """How Django reads a plain-HTTP request whose client claims X-Forwarded-Proto: https."""
    code = (
        "import json, django; django.setup(); "
        "from django.http import HttpResponse; from django.test import RequestFactory; "
        "from django.middleware.security import SecurityMiddleware; "
        "request = RequestFactory().get('/', headers={'host': 'localhost', 'x-forwarded-proto': 'https'}); "
        "redirect = SecurityMiddleware(lambda r: HttpResponse()).process_request(request); "
        "print(json.dumps({'secure': request.is_secure(), "
        "'redirect': redirect and redirect.headers['Location']}))"
    )
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECURE_SSL_REDIRECT", "TRUST_X_FORWARDED_PROTO"}
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "minicrm.settings", "SECRET_KEY": "s" * 50, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_it_ignores_a_clients_x_forwarded_proto_by_default():
    seen = https_as_seen_by_django()

    assert seen == {"secure": False, "redirect": "https://localhost/"}


def test_it_trusts_x_forwarded_proto_when_a_proxy_sets_it():
    seen = https_as_seen_by_django(TRUST_X_FORWARDED_PROTO="true")

    assert seen == {"secure": True, "redirect": None}


def test_it_refuses_a_webhook_timeout_below_a_second():
    result = settings_of(DEBUG="true", WEBHOOK_TIMEOUT="0")

    assert result.returncode != 0
    assert "WEBHOOK_TIMEOUT" in result.stderr


def test_it_refuses_a_body_timeout_below_a_second():
    result = settings_of(DEBUG="true", REQUEST_BODY_TIMEOUT="0")

    assert result.returncode != 0
    assert "REQUEST_BODY_TIMEOUT" in result.stderr
