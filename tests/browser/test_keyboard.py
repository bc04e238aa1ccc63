"""The main workflows by keyboard alone (Tab, Enter, Space): after each action the focus is on the
control that replaced the one pressed, or the next in the tab order if it went, never on the
page's body; and the live refresh leaves it there."""

import pytest
from playwright.sync_api import expect

from distribution import routing
from distribution.models import Contact, Operator, Webhook
from distribution.tokens import create_bot

from .keyboard import NEXT_REFRESH, assert_focused, at_work, press_and_settle, send, tab_to


def test_it_switches_an_operator_and_keeps_the_focus_on_its_switch(manager_page, live_server):
    olga = Operator.objects.create(name="Olga", max_open_contacts=2)
    Operator.objects.create(name="Pavel", max_open_contacts=2)
    manager_page.goto(f"{live_server.url}/operators/")
    switch = f"#operator-{olga.pk} button.toggle"

    tab_to(manager_page, switch)
    manager_page.keyboard.press("Space")

    expect(manager_page.locator(switch)).to_have_attribute("aria-pressed", "false")
    assert_focused(manager_page, switch)
    manager_page.keyboard.press("Space")
    expect(manager_page.locator(switch)).to_have_attribute("aria-pressed", "true")
    assert_focused(manager_page, switch)
    olga.refresh_from_db()
    assert olga.is_active


def test_it_saves_a_capacity_and_keeps_the_focus_on_save(manager_page, live_server):
    olga = Operator.objects.create(name="Olga", max_open_contacts=2)
    manager_page.goto(f"{live_server.url}/operators/")
    save = f"#operator-{olga.pk} form[action$='/capacity'] button"

    tab_to(manager_page, f"#capacity-{olga.pk}")
    manager_page.keyboard.press("Control+A")
    manager_page.keyboard.type("5")
    manager_page.keyboard.press("Tab")
    manager_page.keyboard.press("Enter")

    expect(manager_page.locator("#messages")).to_contain_text("Olga can now hold 5 open contacts.")
    assert_focused(manager_page, save)
    olga.refresh_from_db()
    assert olga.max_open_contacts == 5


def test_it_saves_a_weight_and_keeps_the_focus_on_save(manager_page, live_server):
    bot, _ = create_bot(name="Telegram Sales")
    olga = Operator.objects.create(name="Olga", max_open_contacts=2)
    routing.set_weight(bot=bot, operator=olga, weight=10)
    manager_page.goto(f"{live_server.url}/bots/{bot.pk}/")
    save = f"#link-{olga.pk} form[action$='/weight'] button"

    tab_to(manager_page, f"#weight-{olga.pk}")
    manager_page.keyboard.press("Control+A")
    manager_page.keyboard.type("40")
    manager_page.keyboard.press("Tab")
    manager_page.keyboard.press("Enter")

    expect(manager_page.locator(f"#weight-{olga.pk}")).to_have_value("40")
    expect(manager_page.locator("#messages")).to_contain_text("40")
    assert_focused(manager_page, save)
    assert bot.links.get(operator=olga).weight == 40


def test_it_switches_a_webhook_and_keeps_the_focus_on_its_switch(manager_page, live_server):
    bot, _ = create_bot(name="Telegram Sales")
    Webhook.objects.create(bot=bot, url="https://crm.example.com/hook", secret="s" * 40)
    manager_page.goto(f"{live_server.url}/bots/{bot.pk}/")
    switch = "#webhook button.toggle"

    tab_to(manager_page, switch)
    manager_page.keyboard.press("Enter")

    expect(manager_page.locator(switch)).to_have_attribute("aria-pressed", "false")
    assert_focused(manager_page, switch)
    assert not Webhook.objects.get(bot=bot).is_active


def test_it_hands_over_and_puts_the_focus_on_the_next_row(manager_page, live_server):
    bot, _ = create_bot(name="Telegram Sales")
    olga, pavel = (Operator.objects.create(name=name, max_open_contacts=2) for name in ("Olga", "Pavel"))
    routing.set_weight(bot=bot, operator=olga, weight=10)
    send(bot, "tg-1")
    manager_page.goto(f"{live_server.url}/operators/")
    manager_page.once("dialog", lambda dialog: dialog.accept())

    tab_to(manager_page, f"#operator-{olga.pk} form[action$='/hand-over'] button")
    manager_page.keyboard.press("Enter")

    expect(manager_page.locator(f"#operator-{olga.pk} form[action$='/hand-over']")).to_have_count(0)
    assert_focused(manager_page, f"#operator-{pavel.pk} a")


def test_it_closes_from_the_list_and_puts_the_focus_on_the_next_row(manager_page, live_server):
    bot, _ = create_bot(name="Telegram Sales")
    olga = Operator.objects.create(name="Olga", max_open_contacts=5)
    routing.set_weight(bot=bot, operator=olga, weight=10)
    older, newer = send(bot, "tg-older"), send(bot, "tg-newer")
    manager_page.goto(f"{live_server.url}/contacts/")
    manager_page.once("dialog", lambda dialog: dialog.accept())

    # Newest first: the newer contact's row comes first.
    tab_to(manager_page, f"#contact-{newer.pk} button")
    manager_page.keyboard.press("Enter")

    expect(manager_page.locator(f"#contact-{newer.pk}")).to_contain_text("Closed")
    assert_focused(manager_page, f"#contact-{older.pk} a[href$='/contacts/{older.pk}/']")
    newer.refresh_from_db()
    assert newer.status == Contact.Status.CLOSED


def test_an_operator_closes_with_a_note_and_the_focus_goes_to_the_next_row(roles, workspace_of):
    bot, operator = at_work()
    first, second = send(bot, "tg-1"), send(bot, "tg-2")
    page = workspace_of(operator)
    page.once("dialog", lambda dialog: dialog.accept())
    next_row = f"#my-contact-{second.pk} a"

    tab_to(page, f"#note-{first.pk}")
    page.keyboard.type("Order placed")
    page.keyboard.press("Tab")
    assert_focused(page, f"#close-{first.pk}")
    page.keyboard.press("Enter")

    expect(page.locator(f"#my-contact-{first.pk}")).to_have_count(0)
    assert_focused(page, next_row)
    page.evaluate(NEXT_REFRESH, "my-contacts")
    assert_focused(page, next_row)
    first.refresh_from_db()
    assert (first.status, first.resolution) == (Contact.Status.CLOSED, "Order placed")


def test_an_operator_takes_a_contact_and_the_focus_goes_to_its_note(roles, workspace_of):
    bot, operator = at_work()
    contact = send(bot, "tg-1")
    page = workspace_of(operator)

    tab_to(page, f"#take-{contact.pk}")
    page.keyboard.press("Enter")

    expect(page.locator(f"#take-{contact.pk}")).to_have_count(0)
    assert_focused(page, f"#note-{contact.pk}")
    page.evaluate(NEXT_REFRESH, "my-contacts")
    assert_focused(page, f"#note-{contact.pk}")


def test_it_asks_away_s_question_with_the_focus_on_its_first_choice(roles, workspace_of):
    bot, operator = at_work()
    send(bot, "tg-1")
    page = workspace_of(operator)
    question = page.get_by_role("alertdialog")

    tab_to(page, "#my-availability")
    press_and_settle(page, "Enter")

    expect(question).to_contain_text("You hold 1 open contact.")
    assert_focused(page, "button[value=keep]")
    page.keyboard.press("Tab")
    assert_focused(page, "button[value=hand-back]")
    page.keyboard.press("Tab")
    assert_focused(page, "#my-status a[data-focus-key]")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")

    expect(page.locator("#my-status")).to_contain_text("Away")
    assert_focused(page, "#my-availability")
    page.evaluate(NEXT_REFRESH, "my-contacts")
    assert_focused(page, "#my-availability")
    operator.refresh_from_db()
    assert not operator.is_active
    assert operator.contacts.filter(status=Contact.Status.OPEN).count() == 1


# "Stay available" reached by Tab, or Escape, the dialog's way out.
@pytest.mark.parametrize("keys", [["Tab", "Tab", "Enter"], ["Escape"]], ids=["stay-available", "escape"])
def test_staying_available_gives_the_focus_back_to_go_away(roles, workspace_of, keys):
    bot, operator = at_work()
    send(bot, "tg-1")
    page = workspace_of(operator)

    tab_to(page, "#my-availability")
    press_and_settle(page, "Enter")
    assert_focused(page, "button[value=keep]")
    for key in keys:
        page.keyboard.press(key)

    expect(page.get_by_role("alertdialog")).to_have_count(0)
    assert_focused(page, "#my-availability")
    assert page.evaluate("window.notReloaded") is True
    operator.refresh_from_db()
    assert operator.is_active
