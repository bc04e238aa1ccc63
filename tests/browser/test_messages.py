"""Messages float over the page as toasts, announced to screen readers and dismissable, and an
inline error does not move a table's columns: what the manager was looking at stays where it was."""

from playwright.sync_api import expect

from distribution.models import Operator


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
