"""On a phone (390 CSS px wide) and at 200 % zoom every page of the dashboard and of the workspace,
long names and all, is as wide as the window: nothing scrolls sideways and no control is cut off.

200 % zoom is emulated by the viewport it leaves: a 1280x800 window at 200 % lays pages out in
640x400 CSS px, as a 640x400 viewport does (CSS `zoom` on the root would scale the layout instead).
"""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import get_resolver, reverse
from playwright.sync_api import expect

from distribution import routing
from distribution.models import Operator, Webhook, WebhookDelivery
from distribution.tokens import create_bot

from ..test_dashboard_access import WORKSPACE, _routes, dashboard_urls

SIZES = {"phone": {"width": 390, "height": 844}, "zoom-200": {"width": 640, "height": 400}}
# The workspace's cards, also at 200 % zoom of a 1920x1080 window: its table would not fit.
WORKSPACE_SIZES = {**SIZES, "zoom-200-wide": {"width": 960, "height": 540}}
# Each visible control that no card scrolls to, outside the window's width (its left and right).
CUT_CONTROLS = """() => [...document.querySelectorAll("button, input, select, textarea, a")]
    .filter((control) => control.checkVisibility() && control.type !== "hidden"
        && !control.closest(".skip, .visually-hidden"))
    .filter((control) => {
        for (let box = control.parentElement; box; box = box.parentElement) {
            if (box.scrollWidth > box.clientWidth && getComputedStyle(box).overflowX === "auto") return false;
        }
        const {left, right} = control.getBoundingClientRect();
        return left < 0 || right > window.innerWidth + 0.5;
    })
    .map((control) => control.outerHTML.slice(0, 80))
"""
# What is hidden for the eye and lies right of the window: it could make the page wider.
HIDDEN_OUTSIDE = """() => [...document.querySelectorAll(".visually-hidden")]
    .filter((element) => element.getBoundingClientRect().right > window.innerWidth)
    .map((element) => element.outerHTML.slice(0, 80))
"""
# Whether the element is whole in the window and nothing covers it.
FULLY_VISIBLE = """(element) => {
    const {left, right, top, bottom} = element.getBoundingClientRect();
    const inside = left >= 0 && right <= window.innerWidth && top >= 0 && bottom <= window.innerHeight;
    return inside && element.contains(document.elementFromPoint((left + right) / 2, (top + bottom) / 2));
}"""


@pytest.fixture
def long_names(transactional_db, roles):
    """Names of 200 letters: a bot, its operator (with a login, two contacts open), and a lead
    waiting; a delivery of the bot's webhook."""
    bot, _ = create_bot(name="B" * 200)
    user = get_user_model().objects.create_user("operator")
    user.groups.add(Group.objects.get(name="Operators"))
    operator = Operator.objects.create(name="O" * 200, max_open_contacts=2, user=user)
    routing.set_weight(bot=bot, operator=operator, weight=10)
    first, _second, _waiting = (
        routing.register_contact(
            bot=bot,
            identity=routing.LeadIdentity(
                external_id=f"tg-{letter}",
                name=letter * 200,
                email=f"{letter.lower() * 60}@example-company.ru",
                phone="+7 999 123-45-67",
            ),
            message=letter * 300,
        ).contact
        for letter in "LKW"
    )
    webhook = Webhook.objects.create(
        bot=bot,
        url="https://hooks.example.com/" + "h" * 150,
        secret="whsec_test",
        events=list(Webhook.Event.values),
    )
    delivery = WebhookDelivery.objects.create(
        webhook=webhook, contact=first, event=Webhook.Event.ASSIGNED, payload={"type": "contact.assigned"}
    )
    return {
        "bot": bot,
        "link": bot,
        "operator": operator,
        "lead": first.lead,
        "contact": first,
        "delivery": delivery,
    }


def pages(user, urls) -> list[str]:
    """Those of `urls` that answer `user`'s GET with a page (not a download, not a 405)."""
    client = Client()
    client.force_login(user)
    return [
        url
        for url in urls
        if (response := client.get(url)).status_code == 200
        and response["Content-Type"].startswith("text/html")
    ]


def workspace_urls(contact) -> list[str]:
    """Every route of the workspace, of `contact` where it names one."""
    return [
        reverse(pattern.name, kwargs=dict.fromkeys(pattern.pattern.converters, contact.pk))
        for pattern in _routes(get_resolver().url_patterns)
        if pattern.name in WORKSPACE
    ]


def too_wide(page, live_server, urls) -> dict:
    """url -> (the page's width, its cut controls, what it hides outside) of each of `urls` wider
    than the window, cutting a control off or hiding something beyond the window's right edge."""
    found = {}
    for url in urls:
        page.goto(f"{live_server.url}{url}")
        assert page.url == f"{live_server.url}{url}", "not logged in"
        width = page.evaluate("document.documentElement.scrollWidth")
        cut, hidden = page.evaluate(CUT_CONTROLS), page.evaluate(HIDDEN_OUTSIDE)
        if width > page.viewport_size["width"] or cut or hidden:
            found[url] = (width, cut, hidden)
    return found


@pytest.fixture
def context_of(browser, live_server):
    """context_of(user, size, language) -> a page of a new browser context, `user` logged in (the
    session of a test client's login: the login form is tested elsewhere)."""
    contexts = []

    def open_context(user, size: str, language: str):
        client = Client()
        client.force_login(user)
        contexts.append(browser.new_context(viewport=WORKSPACE_SIZES[size]))
        contexts[-1].add_cookies(
            [
                {"name": name, "value": value, "url": live_server.url}
                for name, value in [
                    ("django_language", language),
                    (settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value),
                ]
            ]
        )
        page = contexts[-1].new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_context
    for context in contexts:
        context.close()


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize("size", SIZES)
def test_it_fits_every_page_of_the_dashboard_in_the_window(
    live_server, long_names, context_of, manager, size, language
):
    urls = pages(manager, [url for _name, url in dashboard_urls(long_names)])
    assert len(urls) >= 19, urls
    page = context_of(manager, size, language)

    assert too_wide(page, live_server, urls) == {}


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize("size", WORKSPACE_SIZES)
def test_it_fits_the_workspace_in_the_window(live_server, long_names, context_of, size, language):
    operator = long_names["operator"]
    urls = pages(operator.user, workspace_urls(long_names["contact"]))
    assert len(urls) >= 2, urls
    page = context_of(operator.user, size, language)

    assert too_wide(page, live_server, urls) == {}

    page.goto(f"{live_server.url}/me/")
    cards = page.locator("#my-contacts tbody tr")
    expect(cards).to_have_count(2)
    for card in cards.all():
        for control in (card.locator("input[name=note]"), card.locator("form:has(input[name=note]) button")):
            control.scroll_into_view_if_needed()
            assert control.evaluate(FULLY_VISIBLE), control


@pytest.mark.parametrize("size", SIZES)
def test_it_scrolls_a_table_with_its_first_column_in_view(live_server, long_names, context_of, manager, size):
    page = context_of(manager, size, "en")
    page.goto(f"{live_server.url}/contacts/")
    card = page.locator("#contact-results")
    table = card.locator(".table-scroll")
    first_cell = page.locator(f"#contact-{long_names['contact'].pk} > :first-child")
    first_cell.scroll_into_view_if_needed()
    where = first_cell.bounding_box()["x"]

    table.evaluate("table => table.scrollLeft = table.scrollWidth")

    assert table.evaluate("table => table.scrollLeft") > 0
    assert first_cell.bounding_box()["x"] == pytest.approx(where, abs=1)
    assert first_cell.evaluate(FULLY_VISIBLE)
    # The table scrolls, not its card with the heading and the links above it.
    assert card.evaluate("card => card.scrollWidth <= card.clientWidth")


@pytest.mark.parametrize("size", SIZES)
def test_it_keeps_a_message_in_the_window(live_server, context_of, manager, size):
    page = context_of(manager, size, "en")
    page.goto(f"{live_server.url}/bots/")

    page.get_by_label("Name").fill("W" * 200)
    page.get_by_role("button", name="Add bot").click()

    message = page.locator("#messages .message")
    expect(message).to_contain_text("W" * 200)
    page.evaluate("window.scrollTo(0, 0)")
    assert message.evaluate("message => message.getBoundingClientRect().right") <= SIZES[size]["width"]
    assert message.get_by_role("button", name="Dismiss").evaluate(FULLY_VISIBLE)
    assert page.evaluate("document.documentElement.scrollWidth") == SIZES[size]["width"]


def test_it_lets_the_keyboard_scroll_a_table_without_controls(live_server, long_names, context_of, manager):
    page = context_of(manager, "phone", "en")
    page.goto(f"{live_server.url}/report/")
    scrolling = page.locator(".table-scroll").filter(
        has_not=page.locator("a[href], button, input, select, textarea")
    )
    wider = [box for box in scrolling.all() if box.evaluate("box => box.scrollWidth > box.clientWidth")]
    assert wider
    for box in wider:
        expect(box).to_have_attribute("tabindex", "0")
    page.set_viewport_size({"width": 1280, "height": 800})

    expect(page.locator(".table-scroll[tabindex]")).to_have_count(0)
