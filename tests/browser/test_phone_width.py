"""On a phone (390 px wide) the operator's workspace is a card per contact, every control within
reach, and the manager's pages stay as wide as the screen: a wide table scrolls in its own card,
its names and phones whole rather than broken into letters ("Pav/el/Vol/kov")."""

import pytest
from playwright.sync_api import expect

from distribution import routing
from distribution.models import Contact
from distribution.tokens import create_bot

from .conftest import operator_with_login

PHONE = {"width": 390, "height": 844}
# How many lines an inline element takes (one box per line).
LINES = "element => element.getClientRects().length"


@pytest.fixture
def pavels_contacts(transactional_db, roles):
    bot, _ = create_bot(name="Telegram Sales")
    pavel = operator_with_login("Pavel Volkov", capacity=5)
    routing.set_weight(bot=bot, operator=pavel, weight=10)
    contacts = [
        routing.register_contact(
            bot=bot,
            identity=routing.LeadIdentity(
                external_id=f"tg-{number}",
                name=name,
                email=f"{name.split()[0].lower()}.{number}@example.ru",
                phone=f"+7 999 123-45-6{number}",
            ),
            message="Hello, I would like to order a sofa and two armchairs",
        ).contact
        for number, name in enumerate(["Konstantin Konstantinopolsky", "Anna Ivanova"])
    ]
    return pavel, contacts


def in_language(page, live_server, language: str) -> None:
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.reload()


@pytest.mark.parametrize("language", ["en", "ru"])
def test_it_lets_an_operator_close_a_contact_on_a_phone(live_server, workspace_of, pavels_contacts, language):
    pavel, (first, _second) = pavels_contacts
    page = workspace_of(pavel)
    page.set_viewport_size(PHONE)
    in_language(page, live_server, language)
    card = page.locator(f"#my-contact-{first.pk}")

    assert card.get_by_text("Konstantin Konstantinopolsky").evaluate(LINES) == 1
    assert card.get_by_text("+7 999 123-45-60").evaluate(LINES) == 1
    close = card.locator("form:has(input[name=note]) button")
    box = close.bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    card.locator("input[name=note]").fill("Sofa ordered")
    page.once("dialog", lambda dialog: dialog.accept())
    close.click(trial=False)

    expect(card).to_have_count(0)
    first.refresh_from_db()
    assert (first.status, first.resolution) == (Contact.Status.CLOSED, "Sofa ordered")


@pytest.mark.parametrize("language", ["en", "ru"])
def test_it_keeps_the_managers_pages_within_a_phones_width(
    manager_page, live_server, pavels_contacts, language
):
    pavel, (first, _second) = pavels_contacts
    manager_page.set_viewport_size(PHONE)
    in_language(manager_page, live_server, language)
    paths = [
        "/",
        "/operators/",
        f"/operators/{pavel.pk}/",
        "/bots/",
        f"/bots/{first.bot_id}/",
        "/leads/",
        f"/leads/{first.lead_id}/",
        "/contacts/",
        f"/contacts/{first.pk}/",
        "/report/",
    ]
    too_wide = {}
    for path in paths:
        manager_page.goto(f"{live_server.url}{path}")
        width = manager_page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[path] = width
    assert too_wide == {}

    manager_page.goto(f"{live_server.url}/contacts/")
    row = manager_page.locator(f"#contact-{first.pk}")
    assert row.get_by_role("link", name="Pavel Volkov").evaluate(LINES) == 1
    assert row.locator("time").evaluate(LINES) == 1
    # The table is wider than the phone: it scrolls in its card.
    table = manager_page.locator("#contact-results .table-scroll")
    assert table.evaluate("table => table.scrollWidth > table.clientWidth")
