"""A manager saves a bot's auto-close time that would close open contacts at once: the page names
them and asks first, with JavaScript and without."""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from distribution import routing
from distribution.models import Bot, Contact, Operator
from distribution.tokens import create_bot

from .conftest import PASSWORD, log_in


def bot_with_old_contacts(count: int) -> Bot:
    """A bot with `count` open contacts assigned ten minutes ago."""
    bot, _ = create_bot(name="Telegram Sales")
    operator = Operator.objects.create(name="Olga", max_open_contacts=10)
    routing.set_weight(bot=bot, operator=operator, weight=10)
    for number in range(count):
        routing.register_contact(bot=bot, identity=routing.LeadIdentity(external_id=f"tg-{number}"))
    Contact.objects.update(assigned_at=timezone.now() - datetime.timedelta(minutes=10))
    return bot


def saved(bot: Bot) -> datetime.timedelta | None:
    return Bot.objects.get(pk=bot.pk).auto_close_after


def test_it_asks_in_place_before_saving(manager_page, live_server):
    bot = bot_with_old_contacts(3)
    page = manager_page
    page.goto(f"{live_server.url}/bots/{bot.pk}/")
    section = page.locator("#auto-close")

    page.get_by_label("Close open contacts after").fill("2m")
    section.get_by_role("button", name="Save").click()
    expect(section).to_contain_text("This closes 3 open contacts now, assigned more than 2m ago: #")
    expect(section.get_by_role("button", name="Save and close them")).to_be_focused()
    assert saved(bot) is None

    section.get_by_role("link", name="Cancel").click()
    expect(page.get_by_label("Close open contacts after")).to_be_visible()
    expect(section).not_to_contain_text("This closes")
    assert saved(bot) is None

    page.get_by_label("Close open contacts after").fill("2m")
    section.get_by_role("button", name="Save").click()
    section.get_by_role("button", name="Save and close them").click()
    expect(page.locator("#messages")).to_contain_text("now close 2m after their assignment")
    expect(page.get_by_label("Close open contacts after")).to_have_value("2m")
    assert saved(bot) == datetime.timedelta(minutes=2)
    assert len(routing.sweep_idle_contacts().closed) == 3


def test_it_asks_on_a_page_of_its_own_without_javascript(browser, live_server, transactional_db, roles):
    bot = bot_with_old_contacts(2)
    get_user_model().objects.create_user("manager", password=PASSWORD).groups.add(roles["Managers"])
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        log_in(page, live_server, "manager")
        page.goto(f"{live_server.url}/bots/{bot.pk}/")

        page.get_by_label("Close open contacts after").fill("5m")
        page.locator("#auto-close").get_by_role("button", name="Save").click()
        expect(page.locator("h1")).to_have_text("Auto-close of Telegram Sales")
        expect(page.get_by_text("This closes 2 open contacts now, assigned more than 5m ago")).to_be_visible()
        assert saved(bot) is None

        page.get_by_role("button", name="Save and close them").click()
        page.wait_for_url(f"{live_server.url}/bots/{bot.pk}/")
        expect(page.locator("#messages")).to_contain_text("now close 5m after their assignment")
        assert saved(bot) == datetime.timedelta(minutes=5)
    finally:
        context.close()
