"""The project's settings as production has them, but for what a test run cannot have: a secret
from the environment, TLS in front of the test client, and collected static files."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from minicrm.settings import *  # noqa: F403
from minicrm.settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
# Serve static files from the source folders, as in development: nothing is collected here.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
