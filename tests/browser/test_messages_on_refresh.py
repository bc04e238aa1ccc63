"""The live refresh adds the messages that it brings and leaves the others alone: a success stays
until it fades, a warning until it is dismissed (issue 24: each refresh emptied the messages area
after ~3 s, before a screen reader had read it)."""

from playwright.sync_api import expect

from distribution import routing
from distribution.models import ContactEvent

from .keyboard import NEXT_REFRESH, at_work, send, tab_to


def test_it_keeps_a_success_through_the_next_refresh(roles, workspace_of):
    bot, operator = at_work()
    contact = send(bot, "tg-1")
    page = workspace_of(operator)
    success = page.locator("#messages > .message.success")

    tab_to(page, f"#take-{contact.pk}")
    page.keyboard.press("Enter")
    expect(success).to_contain_text(f"Contact #{contact.pk} taken.")
    page.evaluate(NEXT_REFRESH, "my-contacts")

    expect(success).to_contain_text(f"Contact #{contact.pk} taken.")


def test_it_keeps_a_warning_until_dismissed(roles, workspace_of):
    bot, operator = at_work()
    contact = send(bot, "tg-1")
    page = workspace_of(operator)
    warning = page.locator("#messages > .message.warning")
    # Closed by the bot while the page still offers to take it: the next refresh would remove the row.
    page.route("**/me/", lambda route: route.abort() if route.request.method == "GET" else route.continue_())
    routing.close_contact(contact=contact, by=None, reason=ContactEvent.Reason.BOT)

    tab_to(page, f"#take-{contact.pk}")
    page.keyboard.press("Enter")
    expect(warning).to_contain_text(f"Contact #{contact.pk} is closed")
    page.unroute("**/me/")
    for _ in range(2):
        page.evaluate(NEXT_REFRESH, "my-contacts")
    expect(warning).to_be_visible()
    tab_to(page, "#messages .warning button[data-dismiss]")
    page.keyboard.press("Enter")

    expect(warning).to_have_count(0)
