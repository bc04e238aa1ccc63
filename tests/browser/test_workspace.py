"""Two operators at work in two browsers: what one does shows in the other's list by itself."""

from playwright.sync_api import expect

from distribution import routing
from distribution.models import Contact
from distribution.tokens import create_bot

from .conftest import operator_with_login


def test_what_one_operator_does_shows_live_in_the_others_list(roles, workspace_of):
    """A closes its contact: its slot takes the waiting one. B closes its own and has room. A goes
    away and hands that contact back: it appears in B's list by polling, without a reload."""
    bot, _ = create_bot(name="Telegram Sales")
    first, second = (
        operator_with_login("Operator A", capacity=1),
        operator_with_login("Operator B", capacity=1),
    )
    routing.set_weight(bot=bot, operator=first, weight=1000)
    routing.set_weight(bot=bot, operator=second, weight=1)

    def send(external_id: str) -> Contact:
        identity = routing.LeadIdentity(external_id=external_id)
        return routing.register_contact(bot=bot, identity=identity, message=f"Hi from {external_id}").contact

    a_contact, b_contact, waiting = send("tg-a"), send("tg-b"), send("tg-waiting")
    assert (a_contact.operator, b_contact.operator, waiting.status) == (first, second, Contact.Status.WAITING)
    page_a, page_b = workspace_of(first), workspace_of(second)
    list_a, list_b = page_a.locator("#my-contacts"), page_b.locator("#my-contacts")
    expect(list_b).to_contain_text("Hi from tg-b")

    note = page_a.get_by_label(f"Resolution of #{a_contact.pk}")
    note.fill("Order placed")
    # A poll that lands while the operator types keeps what was typed (test_workspace_drafts.py).
    with page_a.expect_response(lambda response: response.request.headers.get("hx-target") == "my-contacts"):
        pass
    expect(note).to_have_value("Order placed")
    # Closing is final: each asks first.
    asked = []
    page_a.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page_a.get_by_role("button", name=f"Close #{a_contact.pk}").click()
    expect(list_a).to_contain_text("Hi from tg-waiting")
    assert asked[0].startswith(f"Close contact #{a_contact.pk} of {a_contact.lead}?")
    page_b.once("dialog", lambda dialog: dialog.accept())
    page_b.get_by_role("button", name=f"Close #{b_contact.pk}").click()
    expect(list_b).to_contain_text("No open contacts")

    page_a.get_by_role("button", name="Go away").click()
    expect(page_a.locator("#my-status")).to_contain_text("You hold 1 open contact.")
    page_a.get_by_role("button", name="Hand them back and go away").click()

    expect(list_b).to_contain_text("Hi from tg-waiting")
    expect(list_b).to_contain_text("1 / 1")
    expect(list_a).to_contain_text("No open contacts")
    expect(page_a.locator("#my-status")).to_contain_text("Away")
    assert page_a.evaluate("window.notReloaded") is True
    assert page_b.evaluate("window.notReloaded") is True
    a_contact.refresh_from_db()
    waiting.refresh_from_db()
    assert a_contact.resolution == "Order placed"
    assert waiting.operator == second
