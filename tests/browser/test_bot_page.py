"""The bot's page as a manager sees it after changing its operators in place, adding a bot and
rotating its token."""

import re

from playwright.sync_api import expect

from distribution import routing
from distribution.models import Operator
from distribution.tokens import create_bot

SWITCHED_OFF = "Every operator of this bot is switched off"


def test_it_keeps_the_warning_and_the_stat_cards_true_after_each_change_in_place(manager_page, live_server):
    bot, _ = create_bot(name="Telegram Sales")
    for number in range(4):
        routing.register_contact(
            bot=bot, identity=routing.LeadIdentity(external_id=f"tg-{number}"), message="Hi"
        )
    Operator.objects.create(name="Olga", max_open_contacts=10)
    Operator.objects.create(name="Ivan", max_open_contacts=10)
    manager_page.goto(f"{live_server.url}/bots/{bot.pk}/")
    stats = manager_page.locator("#bot-stats")
    expect(stats).to_contain_text("4 waiting")

    manager_page.get_by_label("Operator", exact=True).select_option(label="Olga")
    manager_page.get_by_label("Weight", exact=True).fill("10")
    manager_page.get_by_role("button", name="Add", exact=True).click()
    expect(manager_page.locator("#link-" + str(Operator.objects.get(name="Olga").pk))).to_be_visible()
    expect(stats).to_contain_text("0 waiting")
    expect(manager_page.get_by_text(SWITCHED_OFF)).to_have_count(0)

    manager_page.get_by_label("Operator", exact=True).select_option(label="Ivan")
    manager_page.get_by_label("Weight", exact=True).fill("5")
    manager_page.get_by_role("button", name="Add", exact=True).click()
    expect(manager_page.get_by_label("Weight of Ivan")).to_be_visible()
    manager_page.get_by_label("Weight of Olga").fill("20")
    manager_page.locator("#link-" + str(Operator.objects.get(name="Olga").pk)).get_by_role(
        "button", name="Save"
    ).click()
    expect(manager_page.locator("#messages")).to_contain_text("on Telegram Sales is now 20")
    expect(manager_page.get_by_text(SWITCHED_OFF)).to_have_count(0)

    manager_page.once("dialog", lambda dialog: dialog.accept())
    manager_page.get_by_role("button", name="Remove Ivan").click()
    expect(manager_page.get_by_label("Weight of Ivan")).to_have_count(0)
    expect(manager_page.get_by_text(SWITCHED_OFF)).to_have_count(0)

    # Still said when true.
    routing.set_operator_active(operator=Operator.objects.get(name="Olga"), is_active=False)
    routing.register_contact(bot=bot, identity=routing.LeadIdentity(external_id="tg-9"), message="Hi")
    manager_page.get_by_label("Weight of Olga").fill("30")
    manager_page.locator("#link-" + str(Operator.objects.get(name="Olga").pk)).get_by_role(
        "button", name="Save"
    ).click()
    expect(manager_page.get_by_text(SWITCHED_OFF)).to_be_visible()
    expect(stats).to_contain_text("1 waiting")


def test_it_shows_a_new_bots_token_where_the_eye_is_and_focuses_it(manager_page, live_server):
    for number in range(40):
        create_bot(name=f"Bot {number}")
    manager_page.set_viewport_size({"width": 1280, "height": 800})
    manager_page.goto(f"{live_server.url}/bots/")

    manager_page.get_by_label("Name").fill("WhatsApp Support")
    manager_page.get_by_role("button", name="Add bot").click()

    token = manager_page.get_by_role("textbox", name="Token")
    expect(token).to_be_focused()
    expect(token).to_be_in_viewport(ratio=1)
    assert token.evaluate("input => input.scrollWidth <= input.clientWidth")


def test_it_shows_the_whole_rotated_token(manager_page, live_server):
    bot, _ = create_bot(name="Telegram Sales")
    manager_page.set_viewport_size({"width": 1280, "height": 800})
    manager_page.goto(f"{live_server.url}/bots/{bot.pk}/")

    manager_page.once("dialog", lambda dialog: dialog.accept())
    manager_page.get_by_role("button", name="Rotate token").click()

    token = manager_page.get_by_role("textbox", name="Token")
    expect(token).to_have_value(re.compile(r"^[A-Za-z0-9_-]{43}$"))
    expect(token).to_be_focused()
    assert token.evaluate("input => input.scrollWidth <= input.clientWidth")
    assert token.evaluate("input => input.getBoundingClientRect().right <= innerWidth")
