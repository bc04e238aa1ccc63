"""TIME_ZONE is the environment's, or Moscow's when the site speaks Russian, else UTC."""

import os
import subprocess
import sys

import pytest

from .test_settings import ROOT


def time_zone_of(**env) -> str:
    code = "import django; from django.conf import settings; django.setup(); print(settings.TIME_ZONE)"
    clean = {k: v for k, v in os.environ.items() if k not in {"TIME_ZONE", "LANGUAGE_CODE"}}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "minicrm.settings", "DEBUG": "true", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "Europe/Moscow"),  # Russian is the default language
        ({"LANGUAGE_CODE": "ru"}, "Europe/Moscow"),
        ({"LANGUAGE_CODE": "en"}, "UTC"),
        ({"LANGUAGE_CODE": "ru", "TIME_ZONE": "Asia/Tokyo"}, "Asia/Tokyo"),
        ({"LANGUAGE_CODE": "en", "TIME_ZONE": "Europe/Berlin"}, "Europe/Berlin"),
    ],
)
def test_it_defaults_the_time_zone_by_language(env, expected):
    assert time_zone_of(**env) == expected
