import datetime
import importlib
import itertools
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from unittest import mock

import hypothesis
import pytest
from django.core.handlers.wsgi import get_path_info
from django.db import connection
from django.test import client as test_client
from django.utils import timezone, translation

from distribution import routing
from distribution.identifiers import IDENTIFIERS
from distribution.management.commands import worker
from distribution.models import BotOperator, Contact, Operator, Webhook, WebhookDelivery
from distribution.tokens import create_bot
from minicrm.errors import is_api_path
from minicrm.handlers import ApiMiddleware, SiteMiddleware

_numbers = itertools.count(1)
ROOT = Path(__file__).resolve().parent.parent
# The lead of the bots' API tests' `contact`.
ANNA = routing.LeadIdentity(
    external_id="tg-5511", email="anna@example.com", phone="+79991234567", name="Anna"
)


def fuzz_settings(*, examples: int) -> hypothesis.settings:
    """A fuzz test's Hypothesis settings: FUZZ_EXAMPLES examples (else `examples`), the same ones
    on every run up to 200 (CI is repeatable), new ones beyond (a long run explores)."""
    examples = int(os.environ.get("FUZZ_EXAMPLES", examples))
    return hypothesis.settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[
            hypothesis.HealthCheck.function_scoped_fixture,
            hypothesis.HealthCheck.too_slow,
        ],
        derandomize=examples <= 200,
    )


# Tests that start gunicorn with bench/harness.py, which collects the static files into the tree's
# staticfiles/: under pytest-xdist, one worker runs them all, one at a time.
under_gunicorn = pytest.mark.xdist_group("gunicorn")

# Tests that one database only can run are marked only_on_postgresql(why) or only_on_sqlite(why). A
# run on the other database skips them and names them at the end, in the summary and on stderr.
DATABASE_ONLY = {
    "postgresql": ("PostgreSQL", "DATABASE_URL=postgres://... scripts/test runs them"),
    "sqlite": ("SQLite", "scripts/test without DATABASE_URL runs them"),
}
_SKIPPED_FOR = "skipped for the database"
_banner = pytest.StashKey[list]()


def pytest_collection_modifyitems(config, items):
    for item in items:
        for vendor, (name, _how) in DATABASE_ONLY.items():
            marker = item.get_closest_marker(f"only_on_{vendor}")
            if marker and connection.vendor != vendor:
                item.add_marker(pytest.mark.skip(reason=f"{name} only: {' '.join(marker.args)}"))
                item.user_properties.append((_SKIPPED_FOR, vendor))


def pytest_terminal_summary(terminalreporter, config):
    skipped = {}
    for report in terminalreporter.stats.get("skipped", []):
        for key, vendor in report.user_properties:
            if key == _SKIPPED_FOR:
                skipped.setdefault(vendor, []).append(report.nodeid)
    lines = []
    for vendor, nodeids in sorted(skipped.items()):
        name, how = DATABASE_ONLY[vendor]
        lines.append(f"{len(nodeids)} {name}-only tests NOT RUN on {connection.display_name}: {how}.")
        lines += [f"    {nodeid}" for nodeid in sorted(nodeids)]
    if lines:
        terminalreporter.write_sep("!", "tests of the other database NOT RUN", red=True, bold=True)
        for line in lines:
            terminalreporter.write_line(line, red=True, bold=not line.startswith(" "))
        config.stash[_banner] = lines


def pytest_unconfigure(config):
    """Say it again on stderr, after all that the run printed."""
    if lines := config.stash.get(_banner, []):
        print("\n".join(["", "!" * 100, *lines, "!" * 100]), file=sys.stderr)


def subprocess_database_url() -> str:
    """Return the URL of the test database, for a process the test starts."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def subprocess_env(**extra: str) -> dict:
    """Return a child process's environment: the production settings on the test database."""
    return {
        **{key: value for key, value in os.environ.items() if key != "DEBUG"},
        "DJANGO_SETTINGS_MODULE": "minicrm.settings",
        "SECRET_KEY": "tests-only-secret-key",
        "DATABASE_URL": subprocess_database_url(),
        **extra,
    }


class Clock:
    def __init__(self):
        self.now = timezone.now()

    def advance(self, delta: datetime.timedelta) -> None:
        self.now += delta


class _SiteClientHandler(SiteMiddleware, test_client.ClientHandler):
    pass


class _ApiClientHandler(ApiMiddleware, test_client.ClientHandler):
    pass


class SplitClientHandler:
    """The test client's handler, choosing the middleware by path as minicrm.wsgi does."""

    def __init__(self, *args, **kwargs):
        self.site = _SiteClientHandler(*args, **kwargs)
        self.api = _ApiClientHandler(*args, **kwargs)

    def __call__(self, environ):
        return (self.api if is_api_path(get_path_info(environ)) else self.site)(environ)


@pytest.fixture(autouse=True, scope="session")
def _the_split_middleware():
    """Every Client() sends /api through settings.API_MIDDLEWARE, as the server does."""
    with mock.patch.object(test_client, "ClientHandler", SplitClientHandler):
        yield


@pytest.fixture
def clock():
    """timezone.now frozen at the real time, moved on by clock.advance()."""
    frozen = Clock()
    with mock.patch("django.utils.timezone.now", side_effect=lambda: frozen.now):
        yield frozen


@pytest.fixture(autouse=True)
def _the_settings_language():
    """Each test starts in LANGUAGE_CODE: LocaleMiddleware leaves a request's language active in
    its thread, so a test after one that asked for Russian got Russian messages from a form."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def make_operator(db):
    def make(*, name: str = "", capacity: int = 100, active: bool = True) -> Operator:
        return Operator.objects.create(
            name=name or f"Operator {next(_numbers)}", max_open_contacts=capacity, is_active=active
        )

    return make


@pytest.fixture
def bot_with_operators(db, make_operator):
    """bot_with_operators(weights=[10, 30]) -> (bot, [operator, operator]), operators in id order.

    `verifies` names the identifiers the bot vouches for (a new bot's: the external id).
    """

    def make(
        *, weights: list[int], capacities: list[int] | None = None, name: str = "", verifies=("external_id",)
    ):
        bot, _ = create_bot(name=name or f"Bot {next(_numbers)}")
        if set(verifies) != bot.verified:
            for field in IDENTIFIERS:
                setattr(bot, f"verifies_{field}", field in verifies)
            bot.save(update_fields=[f"verifies_{field}" for field in IDENTIFIERS])
        operators = []
        for weight, capacity in zip(weights, capacities or [100] * len(weights), strict=True):
            operator = make_operator(capacity=capacity)
            BotOperator.objects.create(bot=bot, operator=operator, weight=weight)
            operators.append(operator)
        return bot, operators

    return make


@pytest.fixture
def send(db):
    """send(bot) registers a contact of a new lead (or of `lead=` an existing identity)."""

    def send_contact(bot, *, lead: routing.LeadIdentity | None = None, **kwargs) -> Contact:
        identity = lead or routing.LeadIdentity(external_id=f"lead-{next(_numbers)}")
        return routing.register_contact(bot=bot, identity=identity, **kwargs).contact

    return send_contact


@pytest.fixture
def make_delivery(db):
    """make_delivery(contact, **fields) -> a delivery of contact.assigned to the webhook of the
    contact's bot, which is made (at https://hooks.example.com/minicrm) if the bot has none."""

    def make(contact: Contact, **fields) -> WebhookDelivery:
        webhook, _ = Webhook.objects.get_or_create(
            bot=contact.bot,
            defaults={
                "url": "https://hooks.example.com/minicrm",
                "secret": "whsec_test",
                "events": list(Webhook.Event.values),
            },
        )
        fields = {"event": Webhook.Event.ASSIGNED, "payload": {"type": "contact.assigned"}, **fields}
        return WebhookDelivery.objects.create(webhook=webhook, contact=contact, **fields)

    return make


@pytest.fixture
def bot_and_token(db):
    return create_bot(name="Telegram Sales")


@pytest.fixture
def operator(bot_and_token, make_operator):
    """Olga, capacity 1, the one operator of bot_and_token's bot (weight 10)."""
    bot, _ = bot_and_token
    operator = make_operator(name="Olga", capacity=1)
    routing.set_weight(bot=bot, operator=operator, weight=10)
    return operator


@pytest.fixture
def contact(bot_and_token, operator):
    """ANNA's contact (message "Hi", external id msg-1) with bot_and_token's bot, open with Olga."""
    bot, _ = bot_and_token
    return routing.register_contact(bot=bot, identity=ANNA, message="Hi", external_id="msg-1").contact


@pytest.fixture
def strangers_contact(db):
    """ANNA's contact (external id msg-9) with another bot than bot_and_token's."""
    bot, _ = create_bot(name="Another bot")
    return routing.register_contact(bot=bot, identity=ANNA, external_id="msg-9").contact


@pytest.fixture
def roles(db):
    """The Managers and Operators groups, made as migration 0008_roles makes them (the suite
    runs without migrations)."""
    from django.apps import apps
    from django.contrib.auth.models import Group

    importlib.import_module("distribution.migrations.0008_roles").create_groups(apps, None)
    return {group.name: group for group in Group.objects.all()}


@pytest.fixture
def manager(roles):
    """A login in the Managers group: staff (Django admin) and every dashboard permission."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("manager", password="manager-password", is_staff=True)
    user.groups.add(roles["Managers"])
    return user


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


HTMX = {"HTTP_HX_REQUEST": "true"}


def confirmed_merge(target, source) -> dict:
    """The POST of a merge's confirmation of `source` into `target`, as the page shows it now."""
    return {
        "other": f"#{source.pk}",
        "confirmed": "yes",
        "seen": routing.merge_plan(target=target, source=source).seen,
    }


def htmx(target: str = "") -> dict:
    """Headers of an htmx request, aimed at the element with id `target`."""
    return {**HTMX, "HTTP_HX_TARGET": target} if target else dict(HTMX)


@pytest.fixture
def operator_login(db, make_operator, roles):
    """operator_login(name=...) -> (operator, user): an operator with its own login in the
    Operators group, which may work on its own contacts."""
    from django.contrib.auth import get_user_model

    def make(*, name: str = "", capacity: int = 100, active: bool = True) -> tuple[Operator, object]:
        operator = make_operator(name=name, capacity=capacity, active=active)
        user = get_user_model().objects.create_user(f"op-{operator.pk}", password="operator-password")
        user.groups.add(roles["Operators"])
        operator.user = user
        operator.save(update_fields=["user"])
        return operator, user

    return make


class WebhookReceiver(ThreadingHTTPServer):
    """A receiver on 127.0.0.1 that answers 200 after `delay` seconds, or at once when `release` is
    set; `first` is set when it gets its first request."""

    daemon_threads = True

    def __init__(self, *, delay: float = 0.0):
        super().__init__(("127.0.0.1", 0), _WebhookHandler)
        self.delay = delay
        self.release, self.first = threading.Event(), threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class _WebhookHandler(BaseHTTPRequestHandler):
    server: WebhookReceiver

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.server.first.set()
        self.server.release.wait(self.server.delay)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args) -> None:
        pass


@pytest.fixture
def receivers():
    """receivers(delay=...) -> a WebhookReceiver on 127.0.0.1, serving until the end of the test."""
    started = []

    def start(*, delay: float = 0.0) -> WebhookReceiver:
        server = WebhookReceiver(delay=delay)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.release.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def delivery_loop():
    """delivery_loop(every) starts the worker's delivery loop in a thread, stopped at the end."""
    stop = threading.Event()
    threads = []

    def start(*, every: float) -> None:
        thread = threading.Thread(target=worker.deliver_webhooks, kwargs={"every": every, "stop": stop})
        thread.start()
        threads.append(thread)

    yield start
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
