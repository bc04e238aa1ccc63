"""Every dashboard page and its main actions, with DEBUG off and on, leave the browser's console
clean: no script error, no Content Security Policy violation. Chromium also logs each answer of
4xx or 5xx it loads, and htmx each error answer it gets: those are checked against the answers the
test provokes on purpose (form errors, a stale tab), so that no other failed load goes unseen."""

import re

import pytest
from playwright.sync_api import expect

from distribution import routing
from distribution.models import Operator
from distribution.tokens import create_bot

# Reported by the page itself, so that a violation is caught even if the console words it anew.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} by ${event.blockedURI || "inline"}`);
});
"""
FAILED_LOAD = re.compile(
    r"^(Failed to load resource: the server responded with a status of|Response Status Error Code) [45]\d\d\b"
)


@pytest.fixture
def console_errors(manager_page):
    errors = []
    manager_page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and not FAILED_LOAD.match(message.text)
            else None
        ),
    )
    manager_page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    manager_page.add_init_script(REPORT_VIOLATIONS)
    return errors


@pytest.fixture
def failed_loads(manager_page, live_server):
    failed = []
    manager_page.on(
        "response",
        lambda response: (
            failed.append((response.status, response.url.removeprefix(live_server.url)))
            if response.status >= 400
            else None
        ),
    )
    return failed


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_every_page_and_action_leaves_the_console_clean(
    manager_page, console_errors, failed_loads, live_server, settings, debug
):
    settings.DEBUG = debug
    page, url = manager_page, live_server.url
    bot, _ = create_bot(name="Telegram Sales")
    olga = Operator.objects.create(name="Olga", max_open_contacts=1)
    Operator.objects.create(name="Ivan", max_open_contacts=2)
    routing.set_weight(bot=bot, operator=olga, weight=10)
    contacts = [
        routing.register_contact(bot=bot, identity=routing.LeadIdentity(external_id=f"tg-{n}"), message="Hi")
        for n in range(2)
    ]
    busy, waiting = (contact.contact for contact in contacts)

    page.goto(f"{url}/")
    expect(page.get_by_role("heading", name="Waiting queue")).to_be_visible()

    page.goto(f"{url}/operators/")
    page.get_by_label("Name").fill("   ")  # a form error the browser lets through
    page.get_by_role("button", name="Add operator").click()
    expect(page.locator("#operators-content .error").first).to_be_visible()
    page.get_by_label("Name").fill("Nina")
    page.get_by_role("button", name="Add operator").click()
    expect(page.get_by_role("link", name="Nina")).to_be_visible()
    row = page.locator(f"#operator-{olga.pk}")
    capacity = row.get_by_label("Capacity of Olga")
    capacity.evaluate("input => input.removeAttribute('min')")
    capacity.fill("0")
    row.get_by_role("button", name="Save").click()
    expect(row.locator(".error")).to_be_visible()
    row.get_by_label("Capacity of Olga").fill("3")
    row.get_by_role("button", name="Save").click()
    expect(row.locator(".error")).to_have_count(0)
    row.get_by_role("button", name="Olga", pressed=True).click()
    row.get_by_role("button", name="Olga", pressed=False).click()
    expect(row.get_by_role("button", name="Olga", pressed=True)).to_be_visible()
    page.get_by_role("link", name="Olga").click()
    expect(page.get_by_role("heading", name="Olga")).to_be_visible()

    page.goto(f"{url}/bots/")
    page.get_by_label("Name").fill("   ")
    page.get_by_role("button", name="Add bot").click()
    expect(page.locator("#bots-content .error").first).to_be_visible()
    page.get_by_label("Name").fill("WhatsApp Support")
    page.get_by_role("button", name="Add bot").click()
    expect(page.get_by_role("textbox", name="Token")).to_be_visible()

    page.goto(f"{url}/bots/{bot.pk}/")
    page.locator("#links").get_by_label("Operator").select_option(label="Ivan")
    page.locator("#links").get_by_role("button", name="Add").click()
    expect(page.locator("#links").get_by_role("link", name="Ivan")).to_be_visible()
    weight = page.get_by_label("Weight of Olga")
    weight.evaluate("input => input.removeAttribute('min')")
    weight.fill("0")
    page.locator(f"#link-{olga.pk}").get_by_role("button", name="Save").click()
    expect(page.locator(f"#link-{olga.pk} .error")).to_be_visible()
    page.get_by_label("Weight of Olga").fill("30")
    page.locator(f"#link-{olga.pk}").get_by_role("button", name="Save").click()
    expect(page.locator("#messages")).to_contain_text("is now 30")
    routing.remove_operator(bot=bot, operator=olga)  # in another tab: this one is stale
    page.get_by_label("Weight of Olga").fill("20")
    page.locator(f"#link-{olga.pk}").get_by_role("button", name="Save").click()
    expect(page.locator(f"#link-{olga.pk}").get_by_role("alert")).to_be_visible()

    page.goto(f"{url}/leads/")
    page.get_by_label("Search by name, e-mail, phone or external id").fill("tg-1")
    expect(page.locator("#lead-results").get_by_role("link")).to_have_count(1)
    page.locator("#lead-results").get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    page.goto(f"{url}/contacts/")
    page.get_by_label("From", exact=True).fill("2026-01-05")
    page.get_by_label("To", exact=True).fill("2026-01-01")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#contact-results .error")).to_be_visible()
    page.goto(f"{url}/contacts/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=f"Close contact {busy.pk}").click()
    expect(page.locator(f"#contact-{waiting.pk}")).to_contain_text("Open")
    page.goto(f"{url}/contacts/{busy.pk}/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    page.goto(f"{url}/report/")
    page.get_by_label("Period").select_option("today")
    expect(page).to_have_url(re.compile(r"period=today"))

    assert console_errors == []
    weight = f"/bots/{bot.pk}/operators/{olga.pk}/weight"
    assert failed_loads == [
        (422, "/operators/"),
        (422, f"/operators/{olga.pk}/capacity"),
        (422, "/bots/"),
        (422, weight),
        (404, weight),
    ]
