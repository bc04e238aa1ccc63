"""A note being typed in /me/ survives the live refresh and the actions on other rows (issue 21,
item 1: a refresh answered after a close lost it)."""

import contextlib

from playwright.sync_api import Error, expect

from distribution import routing
from distribution.tokens import create_bot

from .conftest import operator_with_login


def is_refresh(request) -> bool:
    return request.headers.get("hx-target") == "my-contacts" and request.method == "GET"


def test_it_keeps_a_draft_while_the_list_refreshes(roles, workspace_of):
    bot, _ = create_bot(name="Telegram Sales")
    operator = operator_with_login("Operator A", capacity=5)
    routing.set_weight(bot=bot, operator=operator, weight=10)
    contact = routing.register_contact(bot=bot, identity=routing.LeadIdentity(external_id="tg-1")).contact
    page = workspace_of(operator)
    note = page.get_by_label(f"Resolution of #{contact.pk}")

    note.press_sequentially("Order")
    with page.expect_response(lambda response: is_refresh(response.request)):
        pass
    note.press_sequentially(" placed")

    expect(note).to_have_value("Order placed")
    expect(note).to_be_focused()
    assert note.evaluate("field => field.selectionStart") == len("Order placed")


def test_it_keeps_a_draft_when_a_refresh_answers_after_a_close(roles, workspace_of):
    """The refresh leaves when the operator clicks Close on another row and answers after it, with
    the list from before the close."""
    bot, _ = create_bot(name="Telegram Sales")
    operator = operator_with_login("Operator A", capacity=5)
    routing.set_weight(bot=bot, operator=operator, weight=10)
    drafted, closed = (
        routing.register_contact(bot=bot, identity=routing.LeadIdentity(external_id=lead)).contact
        for lead in ("tg-drafted", "tg-closed")
    )
    page = workspace_of(operator)
    note = page.get_by_label(f"Resolution of #{drafted.pk}")
    note.fill("Call back on Monday")
    held = []
    page.route(
        "**/me/",
        lambda route: held.append(route) if is_refresh(route.request) and not held else route.continue_(),
    )
    with page.expect_request(is_refresh):
        pass

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_response(f"**/me/contacts/{closed.pk}/close"):
        page.get_by_role("button", name=f"Close #{closed.pk}").click()
    expect(page.locator(f"#my-contact-{closed.pk}")).to_have_count(0)
    # The held refresh goes on now, if the close has not dropped it.
    with contextlib.suppress(Error):
        held[0].continue_()
    # Two refreshes later, whatever the held one did is done.
    for _ in range(2):
        with page.expect_response(lambda response: is_refresh(response.request)):
            pass

    expect(page.locator(f"#my-contact-{closed.pk}")).to_have_count(0)
    expect(note).to_have_value("Call back on Monday")
    expect(page.locator("input[name=note]")).to_have_count(1)
