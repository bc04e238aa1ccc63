"""What a manager trying the dashboard for the first time tripped over, seen in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from distribution import routing
from distribution.models import BotOperator, Lead, Operator
from distribution.tokens import create_bot


def test_back_shows_the_true_state_of_an_operator(manager_page, live_server):
    operator = Operator.objects.create(name="Olga", max_open_contacts=2)
    manager_page.goto(f"{live_server.url}/operators/")
    row = manager_page.locator(f"#operator-{operator.pk}")
    row.get_by_role("button", name="Olga", pressed=True).click()
    expect(row.get_by_role("button", name="Olga", pressed=False)).to_be_visible()

    manager_page.get_by_role("link", name="Bots").click()
    expect(manager_page.get_by_role("heading", name="Bots")).to_be_visible()
    manager_page.go_back()

    expect(row.get_by_role("button", name="Olga", pressed=False)).to_be_visible()
    expect(row).to_have_class("off")


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_a_failed_save_says_so_in_place_and_keeps_no_typed_value(manager_page, live_server, settings, debug):
    settings.DEBUG = debug
    bot, _ = create_bot(name="Telegram Sales")
    olga = Operator.objects.create(name="Olga", max_open_contacts=2)
    ivan = Operator.objects.create(name="Ivan", max_open_contacts=2)
    routing.set_weight(bot=bot, operator=olga, weight=10)
    routing.set_weight(bot=bot, operator=ivan, weight=10)
    manager_page.goto(f"{live_server.url}/bots/{bot.pk}/")
    routing.remove_operator(bot=bot, operator=olga)  # in another tab
    row = manager_page.locator(f"#link-{olga.pk}")

    row.get_by_label("Weight of Olga").fill("30")
    expect(row.locator("output")).to_have_text("75.0 %")
    row.get_by_role("button", name="Save").click()

    expect(row.get_by_role("alert")).to_contain_text("removed or changed in another tab")
    expect(row.get_by_label("Weight of Olga")).to_have_value("10")
    expect(row.locator("output")).to_have_text("50.0 %")
    assert not BotOperator.objects.filter(bot=bot, operator=olga).exists()


def test_an_unreachable_server_is_said_in_place(manager_page, live_server):
    operator = Operator.objects.create(name="Olga", max_open_contacts=2)
    manager_page.goto(f"{live_server.url}/operators/")
    manager_page.route("**/switch", lambda route: route.abort())
    row = manager_page.locator(f"#operator-{operator.pk}")

    row.get_by_role("button", name="Olga", pressed=True).click()

    expect(row.get_by_role("alert")).to_contain_text("could not be reached")
    expect(row.get_by_role("button", name="Olga", pressed=True)).to_be_visible()


def test_the_contacts_list_shows_a_messages_first_line(manager_page, live_server):
    bot, _ = create_bot(name="Telegram Sales")
    message = "Hello, I want to order\nthe blue one, size M"
    contact = routing.register_contact(
        bot=bot, identity=routing.LeadIdentity(external_id="tg-1"), message=message
    ).contact
    long = routing.register_contact(
        bot=bot, identity=routing.LeadIdentity(external_id="tg-2"), message="x" * 2000
    ).contact
    manager_page.set_viewport_size({"width": 1280, "height": 800})
    manager_page.goto(f"{live_server.url}/contacts/")

    cell = manager_page.locator(f"#contact-{contact.pk} td.first-line")
    expect(cell).to_have_text("Hello, I want to order …")
    expect(cell).to_have_attribute("title", message)
    expect(manager_page.locator(f"#contact-{long.pk} td.first-line")).to_have_text("x" * 79 + "…")
    assert manager_page.evaluate("document.documentElement.scrollWidth") <= 1280


def test_the_operator_page_switches_sets_capacity_and_closes_after_asking(manager_page, live_server):
    bot, _ = create_bot(name="Telegram Sales")
    olga = Operator.objects.create(name="Olga", max_open_contacts=1)
    routing.set_weight(bot=bot, operator=olga, weight=10)
    busy, waiting = (
        routing.register_contact(bot=bot, identity=routing.LeadIdentity(external_id=f"tg-{n}")).contact
        for n in range(2)
    )
    page = manager_page
    page.goto(f"{live_server.url}/operators/{olga.pk}/")
    asked = []

    page.get_by_role("button", name="Olga", pressed=True).click()
    expect(page.get_by_role("button", name="Olga", pressed=False)).to_be_visible()
    page.get_by_role("button", name="Olga", pressed=False).click()
    expect(page.get_by_role("button", name="Olga", pressed=True)).to_be_visible()
    page.get_by_label("Capacity").fill("2")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(f"#contact-{waiting.pk}")).to_be_visible()  # the raise took the waiting one
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name=f"Close contact {busy.pk}").click()
    expect(page.locator(f"#contact-{busy.pk}")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=f"Close contact {busy.pk}").click()

    expect(page.locator(f"#contact-{busy.pk}")).to_have_count(0)
    expect(page.locator("#operator-work .stat").first).to_contain_text("1 / 2")
    assert asked == [f"Close contact #{busy.pk} of {busy.lead}? Only a manager can reopen it."]
    busy.refresh_from_db()
    assert busy.status == "closed"


def test_a_merge_checks_the_other_lead_then_asks_naming_both(manager_page, live_server):
    bot, _ = create_bot(name="Telegram Sales")
    anna = routing.register_contact(
        bot=bot, identity=routing.LeadIdentity(external_id="tg-1", name="Anna")
    ).contact.lead
    boris = routing.register_contact(
        bot=bot, identity=routing.LeadIdentity(external_id="tg-2", name="Boris")
    ).contact.lead
    dialogs = []
    manager_page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    manager_page.goto(f"{live_server.url}/leads/{anna.pk}/")
    merge = manager_page.locator("#merge")

    merge.get_by_label("The other lead").evaluate("input => input.removeAttribute('required')")
    merge.get_by_role("button", name="Merge…").click()
    expect(merge.locator(".error")).to_contain_text("This field is required.")
    merge.get_by_label("The other lead").fill("nobody")
    merge.get_by_role("button", name="Merge…").click()
    expect(merge.locator(".error")).to_contain_text("No lead has this number or identifier.")
    merge.get_by_label("The other lead").fill("tg-2")
    merge.get_by_role("button", name="Merge…").click()

    expect(merge.get_by_role("heading")).to_have_text(f"Merge #{boris.pk} Boris into #{anna.pk} Anna?")
    expect(merge).to_contain_text(
        f"#{boris.pk} will be deleted: its 1 contact moves to #{anna.pk}. This cannot be undone."
    )
    expect(merge.get_by_role("radio", name=f"Keep tg-1 (#{anna.pk}'s), drop tg-2")).to_be_checked()
    assert Lead.objects.filter(pk=boris.pk).exists()
    merge.get_by_role("button", name=f"Merge and delete #{boris.pk}").click()
    expect(manager_page.locator("#messages")).to_contain_text(f"Lead #{boris.pk} merged into this one")
    assert not Lead.objects.filter(pk=boris.pk).exists()
    assert dialogs == []


def test_pages_speak_in_human_labels(manager_page, live_server):
    bot, _ = create_bot(name="Instagram Returns")
    olga = Operator.objects.create(name="Charles", max_open_contacts=1)
    routing.set_weight(bot=bot, operator=olga, weight=10)
    identity = routing.LeadIdentity(
        external_id="ig-1", email="anna@example.com", phone="+79991234567", name="Anna"
    )
    lead = routing.register_contact(bot=bot, identity=identity).contact.lead
    routing.register_contact(bot=bot, identity=routing.LeadIdentity(external_id="ig-2"))  # waits
    pages = [
        "/",
        f"/leads/{lead.pk}/",
        "/leads/?q=anna",
        f"/operators/{olga.pk}/",
        f"/bots/{bot.pk}/",
        "/contacts/",
        "/report/",
    ]
    texts = {}
    for path in pages:
        manager_page.goto(f"{live_server.url}{path}")
        texts[path] = manager_page.locator("main").inner_text()

    seen = "\n".join(texts.values())
    for raw in ("EXTERNAL_ID", "external_id", "EMAIL", "E-MAIL", "s's", "0 minutes"):
        assert raw not in seen, [path for path, text in texts.items() if raw in text]
    assert "less than a minute" in texts["/"]
    assert "All contacts of Charles" in texts[f"/operators/{olga.pk}/"]


def test_the_report_shows_one_chosen_bot(manager_page, live_server):
    bots = [create_bot(name=f"Bot {number}")[0] for number in range(5)]
    olga = Operator.objects.create(name="Olga", max_open_contacts=100)
    for bot in bots:
        routing.set_weight(bot=bot, operator=olga, weight=10)
        routing.register_contact(bot=bot, identity=routing.LeadIdentity(external_id=f"tg-{bot.pk}"))
    manager_page.goto(f"{live_server.url}/report/")
    expect(manager_page.locator("#report h2 a")).to_have_count(5)

    manager_page.get_by_label("Bot").select_option(label="Bot 3")

    expect(manager_page).to_have_url(re.compile(rf"bot={bots[3].pk}"))
    expect(manager_page.locator("#report h2 a")).to_have_text(["Bot 3"])
    expect(manager_page.locator("#report")).to_contain_text("(7 days): 1 assignment.")
