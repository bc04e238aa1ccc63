"""Rule 9 seen by two operators in two browsers: a contact that A does not take in time passes to B,
whose page alerts (a beep, a desktop notification, the count in the tab's title); A's loses it, and
after three misses shows A switched away, and why."""

import datetime

from playwright.sync_api import expect

from distribution import routing
from distribution.models import Contact
from distribution.tokens import create_bot

from .conftest import operator_with_login

SECOND = datetime.timedelta(seconds=1)
# The browser's Notification and WebAudio, stubbed: what the page asks of them goes to window.alerts.
ALERTS = """
window.alerts = [];
window.Notification = class {
  static permission = "default";
  static requestPermission() {
    Notification.permission = "granted";
    window.alerts.push(["permission"]);
    return Promise.resolve("granted");
  }
  constructor(title, options) {
    window.alerts.push(["notification", title, options.body]);
  }
};
window.AudioContext = class {
  currentTime = 0;
  destination = {};
  resume() {
    return Promise.resolve();
  }
  createOscillator() {
    return { frequency: {}, connect: (node) => node, start: () => window.alerts.push(["beep"]), stop() {} };
  }
  createGain() {
    return { gain: { setValueAtTime() {}, exponentialRampToValueAtTime() {} }, connect: (node) => node };
  }
};
"""
TITLE = "My contacts · mini-CRM"
# A refresh every 3 s, on a busy machine.
LIVE = 10_000


def past_the_deadlines(clock, contacts: list[Contact]) -> None:
    """Move the frozen clock a second past the contacts' deadlines. PostgreSQL stamps an
    assignment by its own clock, which went on while the browsers logged in."""
    deadlines = Contact.objects.filter(pk__in=[c.pk for c in contacts]).values_list("answer_by", flat=True)
    clock.advance(max(deadlines) + SECOND - clock.now)


def test_a_contact_not_taken_in_time_passes_on_live(roles, workspace_of, settings, clock):
    settings.ANSWER_WITHIN = datetime.timedelta(minutes=5)
    settings.AWAY_AFTER_MISSED = 3
    bot, _ = create_bot(name="Telegram Sales")
    first, second = (
        operator_with_login("Operator A", capacity=5),
        operator_with_login("Operator B", capacity=5),
    )
    routing.set_weight(bot=bot, operator=first, weight=1000)
    routing.set_weight(bot=bot, operator=second, weight=1)

    def send(lead: str) -> Contact:
        identity = routing.LeadIdentity(external_id=lead, name=f"Lead {lead}")
        return routing.register_contact(bot=bot, identity=identity, message=f"Hi from {lead}").contact

    page_a, page_b = workspace_of(first, init_script=ALERTS), workspace_of(second, init_script=ALERTS)
    list_a, list_b = page_a.locator("#my-contacts"), page_b.locator("#my-contacts")
    page_b.get_by_role("button", name="Notify me").click()
    expect(page_b.get_by_text("Desktop notifications are allowed.")).to_be_visible()
    expect(page_b.get_by_role("button", name="Notify me")).to_be_hidden()

    late = send("tg-1")
    assert late.operator == first
    expect(list_a).to_contain_text("Hi from tg-1", timeout=LIVE)
    expect(page_a).to_have_title(f"(1) {TITLE}")
    expect(page_a.locator(f"#my-contact-{late.pk} time.deadline")).to_contain_text(" left")
    assert page_a.evaluate("window.alerts") == [["beep"]]  # no permission asked: no notification

    past_the_deadlines(clock, [late])
    assert routing.pass_on_due().passed_on == [late]

    expect(list_b).to_contain_text("Hi from tg-1", timeout=LIVE)
    expect(page_b).to_have_title(f"(1) {TITLE}")
    page_b.wait_for_function("window.alerts.length === 3")
    assert page_b.evaluate("window.alerts") == [
        ["permission"],
        ["beep"],
        ["notification", "New contact", f"#{late.pk} · Lead tg-1 · Telegram Sales"],
    ]
    expect(list_a).not_to_contain_text("Hi from tg-1", timeout=LIVE)
    expect(page_a).to_have_title(TITLE)

    # B takes it: no longer new, no longer counted.
    page_b.get_by_role("button", name=f"Take #{late.pk}").click()
    expect(page_b.locator(f"#my-contact-{late.pk}")).to_contain_text("Taken less than a minute ago")
    expect(page_b).to_have_title(TITLE)

    # Two more misses make three in a row: A is switched away, and its page says why.
    more = [send("tg-2"), send("tg-3")]
    assert {contact.operator for contact in more} == {first}
    expect(list_a).to_contain_text("Hi from tg-3", timeout=LIVE)
    past_the_deadlines(clock, more)
    assert routing.pass_on_due().away == [first]

    expect(page_a.locator("#my-status")).to_contain_text(
        "You were switched away after 3 contacts in a row were not taken in time.", timeout=LIVE
    )
    expect(list_a).to_contain_text("No open contacts")
    expect(page_b).to_have_title(f"(2) {TITLE}", timeout=LIVE)
    page_a.get_by_role("button", name="Be available").click()
    expect(page_a.locator("#my-status")).to_contain_text("Available")
    expect(page_a.locator("#my-status")).not_to_contain_text("in a row")
    assert page_a.evaluate("window.notReloaded") is True
    assert page_b.evaluate("window.notReloaded") is True
