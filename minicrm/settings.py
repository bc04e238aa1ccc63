"""Settings, all from the environment (the README's Configuration) with defaults a checkout runs on."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from minicrm.durations import parse_duration

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def envduration(name: str) -> timedelta | None:
    """Read a duration like `24h`; None (off) when unset, empty, `0` or `off`."""
    value = os.environ.get(name, "").strip()
    if value.lower() in {"", "off", "0"}:
        return None
    try:
        return parse_duration(value)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name}: {error}") from error


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=true for development).")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")
CSRF_FAILURE_VIEW = "minicrm.errors.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "minicrm.apps.AxesConfig",
    "minicrm.apps.TasksConfig",
    "distribution",
]

MIDDLEWARE = [
    "minicrm.middleware.ServerTimingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "minicrm.middleware.NoStoreForLoggedInPagesMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "minicrm.middleware.ApiLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "distribution.time_zones.LoginTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "minicrm.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# What requests under /api go through instead (minicrm/handlers.py): a bot has no session, so
# nothing here reads or writes one, and CSRF has no cookie to protect. The API answers in the
# request's language (ApiLanguageMiddleware), a bad Host with JSON (CommonMiddleware asks for it),
# and 503 when the database is unavailable, as the dashboard does.
API_MIDDLEWARE = [
    "minicrm.middleware.ServerTimingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "minicrm.middleware.ApiLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "minicrm.middleware.ApiContentSecurityPolicyMiddleware",
    "minicrm.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "minicrm.urls"
WSGI_APPLICATION = "minicrm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]

# IMMEDIATE: writers queue on the busy timeout instead of failing on a lock upgrade, and that queue
# serialises assignments (rule 6, docs/locking.md#sqlite). The WAL's PRAGMAs: docs/deployment.md.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": envint("SQLITE_BUSY_TIMEOUT", 20),
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
    "PRAGMA wal_autocheckpoint=1000; PRAGMA journal_size_limit=67108864;",
}

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {**SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}
    # A file: the concurrency tests need several connections to one database.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "test_db.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Russian for a browser that asks for neither language: the dashboard's users work in Russian.
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "ru")
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(f"LANGUAGE_CODE: one of {', '.join(dict(LANGUAGES))}.")
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["minicrm.formats"]
# Each login may choose its own (distribution/time_zones.py); the daily figures
# count the days of this one.
TIME_ZONE = os.environ.get("TIME_ZONE") or ("Europe/Moscow" if LANGUAGE_CODE == "ru" else "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

LOGIN_URL = "login"
# "home" sends an operator to its workspace, a manager to the overview.
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# On the server: the default cookie storage is signed, not encrypted.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Axes first: it refuses a locked-out login before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Why the pair, not either alone: docs/deployment.md#security.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 15))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "minicrm.login_throttling.lockout_response"
AXES_CLIENT_IP_CALLABLE = "minicrm.login_throttling.client_ip"
# No start-up banner from every command and worker.
AXES_VERBOSE = False
# Only a header that the proxy overwrites: any client can send one.
CLIENT_IP_HEADER = os.environ.get("CLIENT_IP_HEADER", "")

# No inline styles: bars are <meter> and <progress> elements.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Any client can send X-Forwarded-Proto: trust it only behind a proxy that overwrites it.
if envbool("TRUST_X_FORWARDED_PROTO"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD")
# Preloading binds the whole domain for years: its owner opts in, and until then no nagging.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# The project's own settings.
PHONE_DEFAULT_REGION = os.environ.get("PHONE_DEFAULT_REGION", "RU")
INTAKE_MAX_BODY_BYTES = envint("INTAKE_MAX_BODY_BYTES", 64 * 1024)
# A client that stalls mid-body holds a gunicorn thread this long at most.
REQUEST_BODY_TIMEOUT = envint("REQUEST_BODY_TIMEOUT", 10)
if REQUEST_BODY_TIMEOUT <= 0:
    raise ImproperlyConfigured("REQUEST_BODY_TIMEOUT: a number of seconds, at least 1.")
INTAKE_RATE_LIMIT = envint("INTAKE_RATE_LIMIT", 600)
INTAKE_RATE_WINDOW = envint("INTAKE_RATE_WINDOW", 60)

AUTO_CLOSE_AFTER = envduration("AUTO_CLOSE_AFTER")
WAITING_EXPIRES_AFTER = envduration("WAITING_EXPIRES_AFTER")
ANSWER_WITHIN = envduration("ANSWER_WITHIN")
AWAY_AFTER_MISSED = envint("AWAY_AFTER_MISSED", 3)
SWEEP_EVERY = envint("SWEEP_EVERY", 60)
WAL_CHECKPOINT_EVERY = envint("WAL_CHECKPOINT_EVERY", 60)

WEBHOOK_POLL_EVERY = envint("WEBHOOK_POLL_EVERY", 1)
WEBHOOK_TIMEOUT = envint("WEBHOOK_TIMEOUT", 5)
if WEBHOOK_TIMEOUT <= 0:
    raise ImproperlyConfigured("WEBHOOK_TIMEOUT: a number of seconds, at least 1.")
WEBHOOK_CONCURRENCY = envint("WEBHOOK_CONCURRENCY", 4)
if WEBHOOK_CONCURRENCY <= 0:
    raise ImproperlyConfigured("WEBHOOK_CONCURRENCY: a number of webhooks, at least 1.")
WEBHOOK_RETRY_FOR = envduration("WEBHOOK_RETRY_FOR") or timedelta(days=1)
WEBHOOK_ALLOW_PRIVATE = envbool("WEBHOOK_ALLOW_PRIVATE")

# What Prometheus sends as its bearer token to GET /metrics; unset, /metrics is a 404.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"refusals": {"()": "minicrm.errors.OneLineRefusals"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "level": os.environ.get("LOG_LEVEL", "INFO"),
            "filters": ["refusals"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Through the root handler only, not twice.
    "loggers": {"django": {"handlers": [], "propagate": True}},
}
