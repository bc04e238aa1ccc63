"""`check --deploy` refuses, with an error, a SECRET_KEY that ships with the project or that is
weaker than Django's minimum, when DEBUG is off."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import ERROR, Tags, run_checks

ROOT = Path(__file__).resolve().parent.parent


def shipped_keys() -> list[str]:
    """The SECRET_KEYs written in the project's files: compose.yaml's default, the Dockerfile's for
    collectstatic, the one settings.py gives DEBUG."""
    (compose,) = re.findall(r"SECRET_KEY: \$\{SECRET_KEY:-([^}]+)\}", (ROOT / "compose.yaml").read_text())
    (dockerfile,) = re.findall(r"SECRET_KEY=(\S+)", (ROOT / "Dockerfile").read_text())
    (debug,) = re.findall(r'SECRET_KEY = "([^"]+)"', (ROOT / "minicrm" / "settings.py").read_text())
    return [compose, dockerfile, debug]


def errors_for(settings, key: str, *, debug: bool = False) -> list[str]:
    settings.SECRET_KEY, settings.DEBUG = key, debug
    messages = run_checks(tags=[Tags.security], include_deployment_checks=True)
    return [message.id for message in messages if message.level >= ERROR]


@pytest.mark.parametrize("key", shipped_keys())
def test_it_refuses_a_key_that_ships_with_the_project(settings, key):
    assert "minicrm.E001" in errors_for(settings, key)


@pytest.mark.parametrize(
    "key",
    [
        secrets.token_urlsafe(50)[:49],
        "ab" * 40,
        "django-insecure-" + secrets.token_urlsafe(50),
    ],
    ids=["49 characters", "2 different characters", "Django's insecure prefix"],
)
def test_it_refuses_a_key_weaker_than_djangos_minimum(settings, key):
    assert errors_for(settings, key) == ["minicrm.E002"]


def test_it_passes_a_random_key(settings):
    assert errors_for(settings, secrets.token_urlsafe(50)) == []


def test_it_leaves_a_placeholder_alone_in_debug(settings):
    assert errors_for(settings, shipped_keys()[0], debug=True) == []


def check_deploy(key: str) -> subprocess.CompletedProcess:
    """`manage.py check --deploy` as .ci/run runs it, with `key` (and none of the tests' settings)."""
    env = {
        "PATH": os.environ["PATH"],
        "DEBUG": "false",
        "SECRET_KEY": key,
        "ALLOWED_HOSTS": "crm.example.com",
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_it_fails_check_deploy_with_composes_default_key():
    result = check_deploy(shipped_keys()[0])

    assert result.returncode != 0
    assert "minicrm.E001" in result.stderr


def test_it_passes_check_deploy_with_a_generated_key():
    result = check_deploy(secrets.token_urlsafe(50))

    assert result.returncode == 0, result.stderr
