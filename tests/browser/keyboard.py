"""What the keyboard and refresh tests share: pressing Tab to a control, awaiting a refresh, and an
operator at work."""

from playwright.sync_api import expect

from distribution import routing
from distribution.models import Bot, Contact, Operator
from distribution.tokens import create_bot

from .conftest import operator_with_login

# The next time the element with this id refreshes itself (htmx:afterSettle of its own request).
NEXT_REFRESH = """(id) => new Promise((resolve) => {
    const settled = (event) => {
        if (event.detail.elt?.id === id) {
            document.removeEventListener("htmx:afterSettle", settled);
            resolve();
        }
    };
    document.addEventListener("htmx:afterSettle", settled);
})"""
SETTLE = """() => {
    const settled = (resolve) => document.addEventListener("htmx:afterSettle", resolve, {once: true});
    window.settled = new Promise(settled);
}"""
FOCUSED = "(selector) => document.activeElement.matches(selector)"
TABS = 120


def tab_to(page, selector: str) -> None:
    """Press Tab until the focus is on `selector`."""
    for _ in range(TABS):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED, selector):
            return
    raise AssertionError(f"{selector} is not reached by Tab")


def press_and_settle(page, key: str) -> None:
    """Press `key` and wait until what it asked for is swapped in and processed by htmx: the
    browser may focus an [autofocus] in it before htmx has made its controls work."""
    page.evaluate(SETTLE)
    page.keyboard.press(key)
    page.evaluate("window.settled")


def assert_focused(page, selector: str) -> None:
    expect(page.locator(selector)).to_be_focused()


def send(bot, external_id: str) -> Contact:
    identity = routing.LeadIdentity(external_id=external_id)
    return routing.register_contact(bot=bot, identity=identity, message=f"Hi from {external_id}").contact


def at_work() -> tuple[Bot, Operator]:
    """A bot and an operator with a login (capacity 5) to whom its contacts go."""
    bot, _ = create_bot(name="Telegram Sales")
    operator = operator_with_login("Operator A", capacity=5)
    routing.set_weight(bot=bot, operator=operator, weight=10)
    return bot, operator
