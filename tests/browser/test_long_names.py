"""Names of 200 letters without a space (lead names come from the bots) wrap, whole, instead of
widening the page: no page, card, table or message grows wider than the window."""

import pytest
from playwright.sync_api import expect

from distribution import routing
from distribution.models import Lead, Operator
from distribution.tokens import create_bot

WIDTH = 1280
# Wider than anything in the window, if it were not wrapped or cut.
OVERFLOWING = """() => [document.documentElement, ...document.querySelectorAll("main *, #messages *")]
    .filter((element) => !element.matches("input, textarea"))
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
