"""The project's settings as production has them, but for what a test run cannot have: a secret
from the environment, TLS in front of the test client, collected static files, a slow password
hasher; and no rate limit on the intake, which the tests of the limit turn on."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
# The rate limit is off unless a test turns it on.
os.environ.setdefault("INTAKE_RATE_LIMIT", "0")
# Webhooks go to receivers on 127.0.0.1, over http; the SSRF tests turn the rule back on.
os.environ.setdefault("WEBHOOK_ALLOW_PRIVATE", "true")
# The tests read the pages in English unless they ask for Russian.
os.environ.setdefault("LANGUAGE_CODE", "en")

from minicrm.settings import *  # noqa: F403
from minicrm.settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
# Serve static files from the source folders, as in development: nothing is collected here.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Tasks run at once, in the test's thread; the worker's own tests choose the database backend.
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
# PBKDF2 took half the suite's time in fixtures' logins; no test is about the hasher.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
