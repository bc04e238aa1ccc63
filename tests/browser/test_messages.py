"""Messages come in the page's flow, where they cover no control, announced to screen readers
and dismissable; a success goes by itself after a few seconds, an error or a warning stays. An
inline error does not move a table's columns: what the manager was looking at stays where it was."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from distribution import routing
from distribution.models import Operator
from distribution.tokens import create_bot

from .conftest import PASSWORD, log_in

FADES = "message => getComputedStyle(message).animationName"
# Longer than a success shows (minicrm.css: 6 s, then 0.6 s to fade and fold).
GONE_WITHIN = 10_000
CONTROLS = "button, input:not([type=hidden]), select, textarea, a"
# The controls of the page that the messages' boxes overlap, by their text or name.
COVERED = """([messages, controls]) => {
    const boxes = [...document.querySelectorAll(messages)].map((m) => m.getBoundingClientRect());
    const meets = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    return [...document.querySelectorAll(controls)]
        .filter((control) => !control.closest("#messages") && control.getClientRects().length)
        .filter((control) => boxes.some((box) => meets(box, control.getBoundingClientRect())))
        .map((control) => control.textContent.trim() || control.name || control.outerHTML.slice(0, 80));
}"""


def column_edges(page) -> list[float]:
    return page.locator("thead th").evaluate_all(
        "cells => cells.map((cell) => cell.getBoundingClientRect().left)"
    )


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("width", [1280, 390])
def test_it_shows_a_message_where_it_covers_no_control(manager_page, live_server, language, width):
    for number in range(30):
        Operator.objects.create(name=f"Operator {number:02}", max_open_contacts=2)
    zoya = Operator.objects.create(name="Zoya", max_open_contacts=2)  # the last row
    manager_page.set_viewport_size({"width": width, "height": 800})
    manager_page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    manager_page.goto(f"{live_server.url}/operators/")
    row = manager_page.locator(f"#operator-{zoya.pk}")

    row.locator("button.toggle").click()

    message = manager_page.locator("#messages > .message.success")
    expect(message).to_contain_text("Zoya")
    expect(manager_page.locator("#messages")).to_have_attribute("role", "status")
    expect(manager_page.locator("#messages")).to_have_attribute("aria-live", "polite")
    assert manager_page.evaluate(COVERED, ["#messages > .message", CONTROLS]) == []
    # Scrolled down, the page stays where it was while a message comes above it.
    row.evaluate("row => row.scrollIntoView({block: 'center'})")
    expect(message).to_have_count(0, timeout=GONE_WITHIN)
    assert manager_page.evaluate("window.scrollY") > 0
    top = row.bounding_box()["y"]
    row.locator("button.toggle").click()
    expect(message).to_contain_text("Zoya")
    assert row.bounding_box()["y"] == pytest.approx(top, abs=1)
    assert manager_page.evaluate(COVERED, ["#messages > .message", CONTROLS]) == []


def test_it_fades_a_success_and_keeps_a_warning_until_dismissed_by_keyboard(manager_page, live_server):
    bot, _ = create_bot(name="Telegram Sales")
    olga = Operator.objects.create(name="Olga", max_open_contacts=2)
    routing.set_weight(bot=bot, operator=olga, weight=10)
    for number in range(2):
        routing.register_contact(bot=bot, identity=routing.LeadIdentity(external_id=f"tg-{number}"))
    manager_page.goto(f"{live_server.url}/operators/")

    manager_page.get_by_label("Capacity of Olga").fill("1")
    manager_page.locator(f"#operator-{olga.pk}").get_by_role("button", name="Save").click()

    success = manager_page.locator("#messages > .message.success")
    warning = manager_page.locator("#messages > .message.warning")
    expect(success).to_contain_text("Olga can now hold 1 open contact.")
    expect(warning).to_contain_text("more than 1")
    expect(success).to_have_count(0, timeout=GONE_WITHIN)
    expect(warning).to_be_visible()
    warning.get_by_role("button", name="Dismiss").focus()
    manager_page.keyboard.press("Enter")
    expect(warning).to_have_count(0)


def test_it_lets_a_success_go_without_motion_when_asked(manager_page, live_server):
    Operator.objects.create(name="Olga", max_open_contacts=2)
    manager_page.emulate_media(reduced_motion="reduce")
    manager_page.goto(f"{live_server.url}/operators/")

    manager_page.get_by_role("button", name="Olga", pressed=True).click()

    message = manager_page.locator("#messages > .message.success")
    expect(message).to_contain_text("Olga switched off")
    assert message.evaluate("message => getComputedStyle(message).animationDuration") == "0.001s"
    expect(message).to_have_count(0, timeout=GONE_WITHIN)


def test_it_dismisses_a_message_at_once(manager_page, live_server):
    Operator.objects.create(name="Olga", max_open_contacts=2)
    manager_page.goto(f"{live_server.url}/operators/")

    manager_page.get_by_role("button", name="Olga", pressed=True).click()

    messages = manager_page.locator("#messages")
    expect(messages).to_contain_text("Olga switched off")
    messages.get_by_role("button", name="Dismiss").click()
    expect(messages.get_by_text("Olga switched off")).to_have_count(0)


def test_it_keeps_the_messages_region_so_that_each_new_message_is_announced(manager_page, live_server):
    Operator.objects.create(name="Olga", max_open_contacts=2)
    manager_page.goto(f"{live_server.url}/operators/")
    region = manager_page.locator("#messages").element_handle()

    manager_page.get_by_role("button", name="Olga", pressed=True).click()
    expect(manager_page.locator("#messages")).to_contain_text("Olga switched off")

    assert region.evaluate("region => region.isConnected")


def test_it_shows_an_inline_error_without_moving_the_columns(manager_page, live_server):
    olga = Operator.objects.create(name="Olga", max_open_contacts=2)
    manager_page.set_viewport_size({"width": 1280, "height": 800})
    manager_page.goto(f"{live_server.url}/operators/")
    edges = column_edges(manager_page)

    manager_page.get_by_label("Capacity of Olga").fill("999999")
    manager_page.locator(f"#operator-{olga.pk}").get_by_role("button", name="Save").click()

    expect(manager_page.locator(f"#capacity-error-{olga.pk}")).to_be_visible()
    assert column_edges(manager_page) == edges


def test_a_refusal_in_place_keeps_the_region_and_stays_until_dismissed(
    page, live_server, transactional_db, csp_violations
):
    operator = Operator.objects.create(name="Olga")
    viewer = get_user_model().objects.create_user("viewer", password=PASSWORD)
    viewer.user_permissions.add(Permission.objects.get(codename="view_operator"))
    page.set_default_timeout(10_000)
    log_in(page, live_server, "viewer", then="/operators/")
    region = page.locator("#messages").element_handle()

    page.get_by_role("button", name=operator.name, pressed=True).click()

    refusal = page.locator("#messages > .message.error")
    expect(refusal).to_contain_text("Not allowed.")
    assert region.evaluate("region => region.isConnected")
    expect(page.locator("#messages #messages")).to_have_count(0)
    assert refusal.evaluate(FADES) == "none"
    refusal.get_by_role("button", name="Dismiss").click()
    expect(refusal).to_have_count(0)
    assert csp_violations == []


def test_a_request_error_in_the_messages_area_can_be_dismissed(manager_page, live_server):
    # It does not fade (an error), so it needs a dismiss button like the server's toasts.
    manager_page.evaluate("htmx.ajax('GET', '/no-such-page/', {source: '#main', target: '#main'})")

    error = manager_page.locator("#messages > .message.error")
    expect(error).to_contain_text("Not found")
    assert error.evaluate(FADES) == "none"
    error.get_by_role("button", name="Dismiss").click()
    expect(error).to_have_count(0)
