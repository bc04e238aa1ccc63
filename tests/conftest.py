import importlib
import itertools
import os
import sys

import hypothesis
import pytest
from django.db import connection
from django.utils import translation

from distribution import routing
from distribution.models import BotOperator, Contact, Operator, Webhook, WebhookDelivery
from distribution.tokens import create_bot

_numbers = itertools.count(1)
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


@pytest.fixture(autouse=True)
def _the_settings_language():
    """Each test starts in LANGUAGE_CODE: LocaleMiddleware leaves a request's language active in
    its thread, so a test after one that asked for Russian got Russian messages from a form."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The tests build the tables from the models (--no-migrations): the intake's PostgreSQL
    function, which only a migration's SQL creates, is added."""
    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(importlib.import_module("distribution.migrations.0013_intake_function").CREATE)


@pytest.fixture
def make_operator(db):
    def make(*, name: str = "", capacity: int = 100, active: bool = True) -> Operator:
        return Operator.objects.create(
            name=name or f"Operator {next(_numbers)}", max_open_contacts=capacity, is_active=active
        )

    return make


@pytest.fixture
def bot_with_operators(db, make_operator):
    """bot_with_operators(weights=[10, 30]) -> (bot, [operator, operator]), operators in id order."""

    def make(*, weights: list[int], capacities: list[int] | None = None, name: str = ""):
        bot, _ = create_bot(name=name or f"Bot {next(_numbers)}")
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
