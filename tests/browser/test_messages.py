"""Messages float over the page as toasts, announced to screen readers and dismissable, and an
inline error does not move a table's columns: what the manager was looking at stays where it was."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from distribution import routing
from distribution.models import Operator
from distribution.tokens import create_bot

from .conftest import PASSWORD, log_in

FADES = "message => getComputedStyle(message).animationName"


def column_edges(page) -> list[float]:
    return page.locator("thead th").evaluate_all(
        "cells => cells.map((cell) => cell.getBoundingClientRect().left)"
    )


def test_it_shows_a_message_over_the_page_without_pushing_it_down(manager_page, live_server):
    Operator.objects.create(name="Olga", max_open_contacts=2)
    ivan = Operator.objects.create(name="Ivan", max_open_contacts=2)
    manager_page.set_viewport_size({"width": 1280, "height": 800})
    manager_page.goto(f"{live_server.url}/operators/")
    row = manager_page.locator(f"#operator-{ivan.pk}")
    top = row.bounding_box()["y"]

    manager_page.get_by_role("button", name="Switch Olga off").click()

    messages = manager_page.locator("#messages")
    expect(messages).to_contain_text("Olga switched off")
    expect(messages).to_have_attribute("role", "status")
    expect(messages).to_have_attribute("aria-live", "polite")
    assert row.bounding_box()["y"] == top

    messages.get_by_role("button", name="Dismiss").click()
    expect(messages.get_by_text("Olga switched off")).to_have_count(0)


def test_it_keeps_the_messages_region_so_that_each_new_message_is_announced(manager_page, live_server):
    Operator.objects.create(name="Olga", max_open_contacts=2)
    manager_page.goto(f"{live_server.url}/operators/")
    region = manager_page.locator("#messages").element_handle()

    manager_page.get_by_role("button", name="Switch Olga off").click()
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

    page.get_by_role("button", name=f"Switch {operator.name} off").click()

    refusal = page.locator("#messages > .message.error")
    expect(refusal).to_contain_text("Not allowed.")
    assert region.evaluate("region => region.isConnected")
    expect(page.locator("#messages #messages")).to_have_count(0)
    assert refusal.evaluate(FADES) == "none"
    refusal.get_by_role("button", name="Dismiss").click()
    expect(refusal).to_have_count(0)
    assert csp_violations == []


def test_a_warning_stays_and_a_success_fades(manager_page, live_server):
    bot, _ = create_bot(name="Telegram Sales")
    olga = Operator.objects.create(name="Olga", max_open_contacts=2)
    routing.set_weight(bot=bot, operator=olga, weight=10)
    for number in range(2):
        routing.register_contact(bot=bot, identity=routing.LeadIdentity(external_id=f"tg-{number}"))
    manager_page.goto(f"{live_server.url}/operators/")

    manager_page.get_by_label("Capacity of Olga").fill("1")
    manager_page.locator(f"#operator-{olga.pk}").get_by_role("button", name="Save").click()

    warning = manager_page.locator("#messages > .message.warning")
    expect(warning).to_contain_text("more than 1")
    assert warning.evaluate(FADES) == "none"
    assert manager_page.locator("#messages > .message.success").evaluate(FADES) == "toast-out"


def test_a_request_error_in_the_messages_area_can_be_dismissed(manager_page, live_server):
    # It does not fade (an error), so it needs a dismiss button like the server's toasts.
    manager_page.evaluate("htmx.ajax('GET', '/no-such-page/', {source: '#main', target: '#main'})")

    error = manager_page.locator("#messages > .message.error")
    expect(error).to_contain_text("Not found")
    assert error.evaluate(FADES) == "none"
    error.get_by_role("button", name="Dismiss").click()
    expect(error).to_have_count(0)
