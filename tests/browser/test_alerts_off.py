"""An operator switches the alerts off on /me/: new contacts still count in the tab's title but
neither beep nor notify, in this browser until switched on again."""

from playwright.sync_api import expect

from distribution import routing
from distribution.tokens import create_bot

from .conftest import operator_with_login
from .test_answered_in_time import ALERTS, LIVE, TITLE


def test_it_keeps_quiet_while_the_alerts_are_off(roles, workspace_of):
    bot, _ = create_bot(name="Telegram Sales")
    operator = operator_with_login("Operator A", capacity=5)
    routing.set_weight(bot=bot, operator=operator, weight=10)

    def send(lead: str) -> int:
        identity = routing.LeadIdentity(external_id=lead, name=f"Lead {lead}")
        return routing.register_contact(bot=bot, identity=identity, message=f"Hi from {lead}").contact.pk

    page = workspace_of(operator, init_script=ALERTS)
    page.get_by_role("button", name="Notify me").click()
    switch = page.get_by_role("checkbox", name="A sound and a desktop notification when a new contact")
    switch.uncheck()

    send("tg-1")
    expect(page.locator("#my-contacts")).to_contain_text("Hi from tg-1", timeout=LIVE)
    expect(page).to_have_title(f"(1) {TITLE}")
    assert page.evaluate("window.alerts") == [["permission"]]

    page.reload()
    expect(switch).not_to_be_checked()
    page.evaluate("Notification.permission = 'granted'")  # as the browser remembers it
    switch.check()
    second = send("tg-2")
    # The title and the alerts change in one step of the page's script.
    expect(page).to_have_title(f"(2) {TITLE}", timeout=LIVE)
    assert page.evaluate("window.alerts") == [
        ["beep"],
        ["notification", "New contact", f"#{second} · Lead tg-2 · Telegram Sales"],
    ]
