"""Names of 200 letters without a space (lead names come from the bots) wrap, whole, instead of
widening the page: no page, card, table or message grows wider than the window."""

import pytest
from playwright.sync_api import expect

from distribution import routing
from distribution.models import Lead, Operator
from distribution.tokens import create_bot

from .conftest import operator_with_login

WIDTH = 1280
# Wider than anything in the window, if it were not wrapped or cut.
OVERFLOWING = """() => [document.documentElement, ...document.querySelectorAll("main *, #messages *")]
    .filter((element) => !element.matches("input, textarea") && element.checkVisibility())
    .filter((element) => element.scrollWidth > element.clientWidth + 1
        && getComputedStyle(element).overflowX !== "hidden"
        && element.clientWidth > 0)
    .map((element) => `${element.tagName}#${element.id}.${element.className}: `
        + `${element.scrollWidth} > ${element.clientWidth}`)
"""


@pytest.fixture
def long_names(transactional_db):
    bot, _ = create_bot(name="B" * 200)
    operator = Operator.objects.create(name="O" * 200, max_open_contacts=1)
    routing.set_weight(bot=bot, operator=operator, weight=10)
    open_contact = routing.register_contact(
        bot=bot, identity=routing.LeadIdentity(external_id="tg-1", name="L" * 200), message="M" * 300
    ).contact
    routing.register_contact(
        bot=bot, identity=routing.LeadIdentity(external_id="tg-2", name="K" * 200), message="Hi"
    )
    return {
        "bot": bot,
        "operator": operator,
        "lead": Lead.objects.get(external_id="tg-1"),
        "contact": open_contact,
    }


def test_it_keeps_every_page_within_the_window(manager_page, live_server, long_names):
    manager_page.set_viewport_size({"width": WIDTH, "height": 800})
    paths = [
        "/",
        "/operators/",
        f"/operators/{long_names['operator'].pk}/",
        "/bots/",
        f"/bots/{long_names['bot'].pk}/",
        "/leads/",
        f"/leads/{long_names['lead'].pk}/",
        "/contacts/",
        f"/contacts/{long_names['contact'].pk}/",
        "/report/",
    ]
    too_wide = {}
    for path in paths:
        manager_page.goto(f"{live_server.url}{path}")
        if overflowing := manager_page.evaluate(OVERFLOWING):
            too_wide[path] = overflowing
    assert too_wide == {}, too_wide


def test_it_keeps_a_flash_message_within_the_window(manager_page, live_server):
    manager_page.set_viewport_size({"width": WIDTH, "height": 800})
    manager_page.goto(f"{live_server.url}/bots/")

    manager_page.get_by_label("Name").fill("W" * 200)
    manager_page.get_by_role("button", name="Add bot").click()

    expect(manager_page.locator("#messages")).to_contain_text("W" * 200)
    assert manager_page.evaluate(OVERFLOWING) == []


LONG_NAME = ("Konstantin Konstantinopolsky-Vasilevsky " * 5)[:160]
# How many lines an inline element takes (one box per line).
LINES = "element => element.getClientRects().length"


@pytest.fixture
def a_long_name_and_a_short_one(transactional_db, roles):
    bot, _ = create_bot(name="Telegram Sales")
    operator = operator_with_login("Olga Smirnova", capacity=5)
    routing.set_weight(bot=bot, operator=operator, weight=10)
    long, short = (
        routing.register_contact(
            bot=bot,
            identity=routing.LeadIdentity(
                external_id=f"tg-{number}",
                name=name,
                email=f"konstantin.konstantinopolsky.{number}@example-company.ru",
                phone=f"+7 999 123-45-6{number}",
            ),
            message="Hello, I would like to order",
        ).contact
        for number, name in enumerate([LONG_NAME, "Anna"])
    )
    return operator, long, short


@pytest.mark.parametrize("language", ["en", "ru"])
def test_it_keeps_a_long_names_row_as_high_as_a_short_ones(
    manager_page, live_server, a_long_name_and_a_short_one, language
):
    _operator, long, short = a_long_name_and_a_short_one
    manager_page.set_viewport_size({"width": WIDTH, "height": 800})
    manager_page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    manager_page.goto(f"{live_server.url}/contacts/")
    long_row, short_row = (
        manager_page.locator(f"#contact-{long.pk}"),
        manager_page.locator(f"#contact-{short.pk}"),
    )

    assert long_row.locator("time").evaluate(LINES) == 1
    assert long_row.get_by_role("link", name="Telegram Sales").evaluate(LINES) == 1
    assert long_row.bounding_box()["height"] == pytest.approx(short_row.bounding_box()["height"], abs=1)
    # Cut short, the name is whole in its title and on the lead's page.
    expect(long_row.get_by_role("link", name=LONG_NAME)).to_have_attribute("title", LONG_NAME)


def test_it_keeps_e_mails_and_phones_whole_in_the_workspace(a_long_name_and_a_short_one, workspace_of):
    operator, long, _short = a_long_name_and_a_short_one
    page = workspace_of(operator)
    page.set_viewport_size({"width": WIDTH, "height": 800})
    row = page.locator(f"#my-contact-{long.pk}")

    assert row.get_by_text("konstantin.konstantinopolsky.0@example-company.ru").evaluate(LINES) == 1
    assert row.get_by_text("+7 999 123-45-60").evaluate(LINES) == 1
    assert row.get_by_text("Telegram Sales").evaluate(LINES) == 1
