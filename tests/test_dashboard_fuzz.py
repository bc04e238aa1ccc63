"""Generated input in the dashboard, as a manager: any query string on every page and any fields
in every form answer below 500, and nothing is half-written — a refused form changes nothing,
an accepted one leaves only valid rows and no operator beyond its capacity.

CI runs FUZZ_EXAMPLES (60) examples per test; run this file with more for a longer search.
"""

import contextlib
import re
from urllib.parse import quote_from_bytes

import pytest
from django.apps import apps
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from distribution import selectors
from distribution.models import Bot, BotOperator, Operator, Webhook

from .conftest import HTMX, fuzz_settings

fuzz = fuzz_settings(examples=60)

# Each page and the query parameters it reads; <name> is an id of the scene's rows.
PAGES = {
    "/": [],
    "/operators/": [],
    "/operators/<operator>/": [],
    "/operators/<operator>/hand-over": [],
    "/bots/": [],
    "/bots/<bot>/": [],
    "/bots/<bot>/rotate-token": [],
    "/bots/<bot>/webhook/rotate-secret": [],
    "/bots/<bot>/webhook/remove": [],
    "/bots/<bot>/operators/<operator>/remove": [],
    "/leads/": ["q", "page"],
    "/leads/<lead>/": ["identifiers"],
    "/contacts/": ["status", "bot", "operator", "period", "start", "end", "page"],
    "/contacts/<contact>/": [],
    "/contacts/<contact>/reopen": [],
    "/report/": ["period", "start", "end"],
    "/contacts/export.csv": ["status", "bot", "operator", "period", "start", "end"],
    "/report/export.csv": ["bot", "period", "start", "end"],
}
# Each page that reads a query string is a test of its own; the others share one.
PAGE_GROUPS = [[page] for page, names in PAGES.items() if names]
PAGE_GROUPS.append([page for page, names in PAGES.items() if not names])
# Each form and its fields.
FORMS = {
    "/operators/": ["name", "max_open_contacts"],
    "/operators/<operator>/switch": ["is_active"],
    "/operators/<operator>/capacity": ["max_open_contacts"],
    "/operators/<operator>/hand-over": [],
    "/bots/": ["name", "slug"],
    "/bots/<bot>/rotate-token": [],
    "/bots/<bot>/auto-close": ["auto_close_after"],
    "/bots/<bot>/answering": ["answer_within", "return_within"],
    "/bots/<bot>/webhook": ["url", "events"],
    "/bots/<bot>/webhook/switch": ["is_active"],
    "/bots/<bot>/webhook/rotate-secret": [],
    "/bots/<bot>/webhook/remove": [],
    "/bots/<bot>/deliveries/<delivery>/resend": [],
    "/bots/<bot>/operators": ["operator", "weight"],
    "/bots/<bot>/operators/<operator>/weight": ["weight"],
    "/bots/<bot>/operators/<operator>/remove": [],
    "/leads/<lead>/merge": ["other"],
    "/leads/<lead>/split": ["identifiers", "contacts"],
    "/contacts/<contact>/close": ["next", "note"],
    "/contacts/<contact>/transfer": ["to", "note"],
    "/contacts/<contact>/reopen": [],
}
PARTIALS = ["counts", "load", "queue", "operators-content", "bots-content", "links", "token", "webhook"]
PARTIALS += ["lead-results", "merge", "contact-results", "report", "answering", "contact-actions"]

IDS = ["<bot>", "<operator>", "<free_operator>", "<lead>", "<other_lead>", "<contact>", "<delivery>"]
# Characters for which str.isdigit() holds but which are no ASCII digit: superscripts, Arabic-Indic,
# extended Arabic-Indic, Devanagari, full-width; int() refuses some and reads the others.
OTHER_DIGITS = "\u00b2\u00b3\u00b9\u2070\u2074\u2081\u0660\u0661\u0663\u06f1\u0967\uff10\uff11\u2460"
digits = st.builds(
    lambda sign, text: sign + text,
    st.sampled_from(["", "#", "-", "+"]),
    st.text(alphabet=st.sampled_from("0123456789" + OTHER_DIGITS), min_size=1, max_size=6),
)
# Values the forms treat specially, at and beyond their edges.
numbers = (
    st.sampled_from(
        [
            *["", " ", "0", "-1", "1", "2", "10", "1.5", "1e3", "0x10", "\uff11\uff12", "\u0663", "9" * 30],
            *["\u00b2", "#\u00b2", "1\u00b2", "\u0661\u0662", "\u2460"],
            *[str(2**31), str(2**63 - 1), str(2**63), str(-(2**63) - 1), "9" * 5000],
        ]
    )
    | st.integers().map(str)
    | digits
)
# The calendar's ends, mostly: each day between behaves like any other.
edge_dates = st.sampled_from(["9999-12-31", "0001-01-01", "1899-12-31", "9998-12-31", "2026-02-30"])
dates = edge_dates | st.dates().map(str)
words = st.sampled_from(
    [
        *["today", "7d", "30d", "custom", "all", "open", "waiting", "closed", "on", "off", "-", "#1"],
        *["new", "overdue"],
        *["\x00", "a\x00b", "%", "_", "\\", "'", '"', "<script>", "//evil.example", "/", "1"],
        *["a@b.c", "Anna@Example.COM", "+7 999 123-45-67", "8 916 555-44-33"],
        *["external_id", "email", "phone", "name", "90m", "24h", "\u00b2h", "\u0663d", "366d", "выкл"],
        *[
            "https://hooks.example.com/",
            "http://127.0.0.1/",
            "https://[::1]/",
            "https://[::1",
            "contact.closed",
        ],
    ]
)
any_text = st.text(max_size=30) | st.text(min_size=90, max_size=260) | st.binary(max_size=20)
values = st.sampled_from(IDS) | numbers | dates | words | any_text
# What each field is most likely to be given, besides anything at all.
KINDS = {
    **dict.fromkeys(["max_open_contacts", "weight", "page"], numbers),
    **dict.fromkeys(["bot", "operator", "other", "contacts", "to"], st.sampled_from(IDS) | numbers),
    "identifiers": st.sampled_from(["external_id", "email", "phone", "name"]) | values,
    **dict.fromkeys(["start", "end"], dates),
    "events": st.sampled_from(Webhook.Event.values) | values,
}


def fields_of(names: list[str]) -> st.SearchStrategy:
    """Pairs of a field and a value: the form's own fields, each maybe missing, then a few more
    pairs of any field (repeated or unknown) and any value."""
    kinds = {name: KINDS.get(name, values) for name in names}
    own = st.fixed_dictionaries(kinds) | st.fixed_dictionaries({}, optional=kinds | {"": values})
    name = st.sampled_from(names) | st.text(max_size=10) if names else st.text(max_size=10)
    more = st.lists(st.tuples(name, values), max_size=3)
    return st.builds(lambda fields, extra: [*fields.items(), *extra], own, more)


# An id in a URL: the scene's, or one no row has, up to beyond what a database holds.
path_ids = st.lists(
    st.sampled_from([None, None, None, "0", "999999", str(2**63 - 1), str(2**63), "9" * 40]),
    min_size=2,
    max_size=2,
)


def encoded(pairs: list[tuple[str, str | bytes]], ids: dict[str, int]) -> str:
    def part(value: str | bytes) -> str:
        if isinstance(value, str):
            value = str(ids.get(value, value)).encode("utf-8", "surrogatepass")
        return quote_from_bytes(value, safe="")

    return "&".join(f"{part(name)}={part(value)}" for name, value in pairs)


@pytest.fixture
def scene(bot_with_operators, make_operator, send, make_delivery) -> dict[str, int]:
    """A bot with two operators, one full, a queue, two leads, an open contact, a webhook with a
    delivery, and an operator linked to no bot: the ids of its rows."""
    bot, (full, _roomy) = bot_with_operators(weights=[10, 30], capacities=[1, 2])
    contacts = [send(bot) for _ in range(4)]
    return {
        "<bot>": bot.pk,
        "<operator>": full.pk,
        "<free_operator>": make_operator().pk,
        "<lead>": contacts[0].lead_id,
        "<other_lead>": contacts[1].lead_id,
        "<contact>": contacts[0].pk,
        "<delivery>": make_delivery(contacts[0]).pk,
    }


@contextlib.contextmanager
def rolled_back():
    """Every example starts from the same scene: what one writes is undone after it."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def url_of(template: str, ids: dict[str, int], other_ids: list[str | None]) -> str:
    """The URL with, in turn, the other id if there is one, or else the scene's row's."""
    others = iter(other_ids)
    return re.sub("<[a-z_]+>", lambda match: next(others) or str(ids[match[0]]), template)


def stored() -> dict[str, list[tuple]]:
    """Every row of the app's tables."""
    return {
        model.__name__: list(model.objects.order_by("pk").values_list())
        for model in apps.get_app_config("distribution").get_models()
    }


def headers(is_htmx: bool, target: str) -> dict:
    return {**HTMX, "HTTP_HX_TARGET": target} if is_htmx else {}


targets = st.sampled_from(PARTIALS) | st.text(max_size=10)
# What every request draws: its fields (from `data`), the ids in its path, htmx or not, its target.
any_request = {"data": st.data(), "other_ids": path_ids, "is_htmx": st.booleans(), "target": targets}


@fuzz
@pytest.mark.parametrize(
    "pages",
    PAGE_GROUPS,
    ids=lambda pages: pages[0] if len(pages) == 1 else "others",
)
@given(**any_request)
@pytest.mark.django_db
def test_any_query_string_on_any_page_gets_an_answer_below_500_and_writes_nothing(
    manager_client, scene, pages, data, other_ids, is_htmx, target
):
    page = data.draw(st.sampled_from(pages), label="page")
    query = encoded(data.draw(fields_of(PAGES[page]), label="query"), scene)
    before = stored()

    with rolled_back():
        response = manager_client.get(f"{url_of(page, scene, other_ids)}?{query}", **headers(is_htmx, target))

        assert response.status_code < 500, (response.status_code, response.content[:300])
        assert stored() == before


@fuzz
@pytest.mark.parametrize("form", sorted(FORMS))
@given(**any_request)
@pytest.mark.django_db
def test_any_fields_in_any_form_get_an_answer_below_500_and_nothing_half_written(
    manager_client, scene, form, data, other_ids, is_htmx, target
):
    body = encoded(data.draw(fields_of([*FORMS[form], "next"]), label="fields"), scene)
    before = stored()

    with rolled_back():
        response = manager_client.post(
            url_of(form, scene, other_ids),
            body,
            content_type="application/x-www-form-urlencoded",
            **headers(is_htmx, target),
        )

        assert response.status_code < 500, (response.status_code, response.content[:300])
        if response.status_code >= 400:
            assert stored() == before
        for row in [
            *Operator.objects.all(),
            *Bot.objects.all(),
            *BotOperator.objects.all(),
            *Webhook.objects.all(),
        ]:
            row.full_clean()
        for operator in selectors.operators_with_load():
            assert operator.open_contacts <= operator.max_open_contacts
