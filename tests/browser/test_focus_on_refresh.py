"""The live refresh (every few seconds on /me/ and the overview) leaves the focus where it was: on
the same control when it is still there, else on the one that now stands in its place in the tab
order, never on the page's body."""

from playwright.sync_api import expect

from distribution import routing
from distribution.models import ContactEvent, Operator

from .keyboard import NEXT_REFRESH, at_work, send, tab_to

SAME_ELEMENT = "window.focused === document.activeElement"


def test_it_keeps_the_focus_on_a_close_button_through_the_refresh(roles, workspace_of):
    bot, operator = at_work()
    first, _second = send(bot, "tg-1"), send(bot, "tg-2")
    page = workspace_of(operator)
    tab_to(page, f"#close-{first.pk}")
    page.evaluate("window.focused = document.activeElement")

    send(bot, "tg-3")  # a new row comes with the refresh
    page.evaluate(NEXT_REFRESH, "my-contacts")

    expect(page.locator("#my-contacts tbody tr")).to_have_count(3)
    assert page.evaluate(SAME_ELEMENT)


def test_it_moves_the_focus_to_the_next_row_when_the_refresh_removes_its_row(roles, workspace_of):
    bot, operator = at_work()
    first, second = send(bot, "tg-1"), send(bot, "tg-2")
    page = workspace_of(operator)
    tab_to(page, f"#close-{first.pk}")

    routing.close_contact(contact=first, by=None, reason=ContactEvent.Reason.BOT)
    page.evaluate(NEXT_REFRESH, "my-contacts")

    expect(page.locator(f"#my-contact-{first.pk}")).to_have_count(0)
    expect(page.locator(f"#my-contact-{second.pk} a")).to_be_focused()


def test_it_keeps_the_focus_on_the_overview_through_its_refresh(manager_page, live_server):
    olga = Operator.objects.create(name="Olga", max_open_contacts=2)
    manager_page.reload()
    link = f"#load a[href='{olga.get_absolute_url()}']"
    tab_to(manager_page, link)
    manager_page.evaluate("window.focused = document.activeElement")

    olga.max_open_contacts = 3
    olga.save()
    manager_page.evaluate(NEXT_REFRESH, "load")

    expect(manager_page.locator("#load")).to_contain_text("0 / 3")
    assert manager_page.evaluate(SAME_ELEMENT)
