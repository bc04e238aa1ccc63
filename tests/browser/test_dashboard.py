"""A manager's tasks, done in a real browser with htmx."""

import re

from playwright.sync_api import expect

from distribution import routing
from distribution.models import BotOperator, Contact, Operator
from distribution.tokens import create_bot


def scene(*, capacities=(2, 2), weights=(10, 30)):
    bot, _ = create_bot(name="Telegram Sales")
    operators = []
    for number, (capacity, weight) in enumerate(zip(capacities, weights, strict=True)):
        operator = Operator.objects.create(name=f"Operator {'AB'[number]}", max_open_contacts=capacity)
        routing.set_weight(bot=bot, operator=operator, weight=weight)
        operators.append(operator)
    return bot, operators


def test_it_logs_in_and_shows_the_overview(manager_page):
    expect(manager_page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(manager_page.get_by_role("heading", name="Waiting queue")).to_be_visible()


def test_it_switches_an_operator_off_in_place(manager_page, live_server):
    _bot, (first, _second) = scene()
    manager_page.goto(f"{live_server.url}/operators/")
    manager_page.evaluate("window.notReloaded = true")
    row = manager_page.locator(f"#operator-{first.pk}")

    row.get_by_role("button", name=first.name, pressed=True).click()

    expect(row.get_by_role("button", name=first.name, pressed=False)).to_be_visible()
    expect(row).to_have_class("off")
    expect(manager_page.locator("#messages")).to_contain_text(f"{first.name} switched off")
    assert manager_page.evaluate("window.notReloaded") is True  # swapped by htmx, no page load
    first.refresh_from_db()
    assert not first.is_active


def test_it_shows_a_capacity_error_in_place(manager_page, live_server):
    _bot, (first, _second) = scene()
    manager_page.goto(f"{live_server.url}/operators/")
    row = manager_page.locator(f"#operator-{first.pk}")
    field = row.get_by_label(f"Capacity of {first.name}")

    # The browser's own check would stop 0; the server's answer is what this test is about.
    field.evaluate("input => input.removeAttribute('min')")
    field.fill("0")
    row.get_by_role("button", name="Save").click()

    expect(row.locator(".error")).to_contain_text("greater than or equal to 1")
    first.refresh_from_db()
    assert first.max_open_contacts == 2


def test_it_recomputes_shares_as_the_manager_types_and_saves_a_weight(manager_page, live_server):
    bot, (first, second) = scene()
    manager_page.goto(f"{live_server.url}/bots/{bot.pk}/")
    first_share = manager_page.locator(f"#link-{first.pk} output")
    expect(first_share).to_have_text("25.0 %")

    manager_page.get_by_label(f"Weight of {first.name}").fill("30")

    expect(first_share).to_have_text("50.0 %")
    expect(manager_page.locator(f"#link-{second.pk} output")).to_have_text("50.0 %")
    manager_page.locator(f"#link-{first.pk}").get_by_role("button", name="Save").click()
    expect(manager_page.locator("#messages")).to_contain_text("on Telegram Sales is now 30")
    assert BotOperator.objects.get(bot=bot, operator=first).weight == 30


def test_closing_a_contact_assigns_a_waiting_one(manager_page, live_server):
    bot, (operator,) = scene(capacities=(1,), weights=(10,))
    busy = routing.register_contact(bot=bot, identity=routing.LeadIdentity(external_id="tg-1")).contact
    waiting = routing.register_contact(bot=bot, identity=routing.LeadIdentity(external_id="tg-2")).contact
    manager_page.goto(f"{live_server.url}/contacts/")
    waiting_row = manager_page.locator(f"#contact-{waiting.pk}")
    expect(waiting_row).to_contain_text("Waiting")

    manager_page.once("dialog", lambda dialog: dialog.accept())
    manager_page.get_by_role("button", name=f"Close contact {busy.pk}").click()

    expect(manager_page.locator(f"#contact-{busy.pk}")).to_contain_text("Closed")
    expect(waiting_row).to_contain_text("Open")
    expect(waiting_row).to_contain_text(operator.name)
    expect(manager_page.locator("#messages")).to_contain_text(f"Contact #{waiting.pk} from the queue went to")
    waiting.refresh_from_db()
    assert waiting.status == Contact.Status.OPEN


def test_it_opens_the_distribution_report(manager_page, live_server):
    bot, (_light, heavy) = scene(capacities=(100, 100))
    for number in range(8):
        routing.register_contact(bot=bot, identity=routing.LeadIdentity(external_id=f"tg-{number}"))
    manager_page.get_by_role("link", name="Report").click()

    expect(manager_page.get_by_role("heading", name="Distribution report")).to_be_visible()
    heavy_row = manager_page.locator("table.shares tr", has_text=heavy.name)
    expect(heavy_row).to_contain_text("75.0 %")
    expect(heavy_row.locator("td").last).to_have_text("6")

    manager_page.get_by_label("Period").select_option("today")

    expect(manager_page).to_have_url(re.compile(r"period=today"))
    expect(heavy_row).to_contain_text("75.0 %")


def test_it_adds_a_bot_and_shows_its_token_once(manager_page, live_server):
    manager_page.goto(f"{live_server.url}/bots/")

    manager_page.get_by_label("Name").fill("WhatsApp Support")
    manager_page.get_by_role("button", name="Add bot").click()

    token = manager_page.get_by_role("textbox", name="Token")
    expect(token).to_have_value(re.compile(r"^[A-Za-z0-9_-]{40,}$"))
    expect(manager_page.get_by_role("row", name=re.compile("WhatsApp Support"))).to_be_visible()
    manager_page.reload()
    expect(manager_page.get_by_role("textbox", name="Token")).to_have_count(0)


def test_it_works_without_javascript(browser, live_server, transactional_db, roles):
    from django.contrib.auth import get_user_model

    from .conftest import PASSWORD, log_in

    manager = get_user_model().objects.create_user("manager", password=PASSWORD, is_staff=True)
    manager.groups.add(roles["Managers"])
    bot, (operator,) = scene(capacities=(1,), weights=(10,))
    busy = routing.register_contact(bot=bot, identity=routing.LeadIdentity(external_id="tg-1")).contact
    waiting = routing.register_contact(bot=bot, identity=routing.LeadIdentity(external_id="tg-2")).contact
    page = browser.new_context(java_script_enabled=False).new_page()
    log_in(page, live_server, "manager", then="/operators/")

    page.get_by_role("button", name="Hand over 1").click()
    expect(page.get_by_role("heading", name=f"Hand over the contacts of {operator.name}")).to_be_visible()
    page.get_by_role("link", name="Cancel").click()
    page.get_by_role("button", name=operator.name, pressed=True).click()
    expect(page.locator("#messages")).to_contain_text(f"{operator.name} switched off")
    page.get_by_role("button", name=operator.name, pressed=False).click()
    page.goto(f"{live_server.url}/contacts/")
    page.get_by_role("button", name=f"Close contact {busy.pk}").click()
    expect(page.get_by_role("heading", name=f"Close contact #{busy.pk}")).to_be_visible()
    page.get_by_role("button", name="Close contact").click()

    expect(page.locator("#messages")).to_contain_text(
        f"Contact #{waiting.pk} from the queue went to {operator.name}"
    )
    expect(page.locator(f"#contact-{waiting.pk}")).to_contain_text("Open")
    operator.refresh_from_db()
    assert operator.is_active


def test_it_keeps_no_copy_of_a_pushed_page_in_the_browser_storage(manager_page, live_server):
    # Pages are no-store and logging out must leave none behind: htmx's history cache would keep
    # them in the tab's storage (sessionStorage since htmx 2.0.x, localStorage before).
    scene()
    manager_page.goto(f"{live_server.url}/contacts/")

    manager_page.get_by_label("Status").select_option("open")

    expect(manager_page).to_have_url(re.compile(r"status=open"))
    expect(manager_page.locator("#contact-results")).to_be_visible()
    for storage in ("sessionStorage", "localStorage"):
        assert manager_page.evaluate(f"{storage}.getItem('htmx-history-cache')") is None
