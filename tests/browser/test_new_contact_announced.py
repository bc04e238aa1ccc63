"""A new contact that the refresh brings to /me/ is said once in a polite live region, by itself:
not the whole list on every refresh."""

from playwright.sync_api import expect

from .keyboard import NEXT_REFRESH, at_work, send

# What the region says, each time it changes.
RECORD = """() => {
    window.said = [];
    const region = document.getElementById("my-news");
    const record = () => window.said.push(region.textContent);
    new MutationObserver(record).observe(region, {childList: true, characterData: true, subtree: true});
}"""


def test_it_announces_a_new_contact_once(roles, workspace_of):
    bot, operator = at_work()
    send(bot, "tg-earlier")
    page = workspace_of(operator)
    region = page.locator("#my-news")
    expect(region).to_have_attribute("aria-live", "polite")
    page.evaluate(RECORD)

    contact = send(bot, "tg-new")
    expect(page.locator(f"#my-contact-{contact.pk}")).to_be_visible()
    for _ in range(2):
        page.evaluate(NEXT_REFRESH, "my-contacts")

    said = f"New contact: #{contact.pk} · {contact.lead} · Telegram Sales."
    assert page.evaluate("window.said") == [said]
    expect(region).to_have_text(said)
