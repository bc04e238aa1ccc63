"""An operator's close in a browser with JavaScript off: the form POSTs, a confirmation page
asks, and the note never shows in an address the browser visits."""

from distribution import routing
from distribution.models import Contact
from distribution.tokens import create_bot

from .conftest import log_in, operator_with_login


def test_an_operator_closes_with_a_note_without_javascript(browser, live_server, transactional_db, roles):
    bot, _ = create_bot(name="Telegram Sales")
    operator = operator_with_login("Operator A", capacity=1)
    routing.set_weight(bot=bot, operator=operator, weight=10)
    contact = routing.register_contact(bot=bot, identity=routing.LeadIdentity(external_id="tg-1")).contact
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    visited = []
    page.on("request", lambda request: visited.append(request.url))
    try:
        log_in(page, live_server, "operator-a", lands_on="/me/")

        page.get_by_label(f"Resolution of #{contact.pk}").fill("Refund 4111")
        page.get_by_role("button", name=f"Close #{contact.pk}").click()
        page.get_by_role("button", name="Close contact").click()

        page.wait_for_url(f"{live_server.url}/me/")
        contact.refresh_from_db()
        assert (contact.status, contact.resolution) == (Contact.Status.CLOSED, "Refund 4111")
        assert not [url for url in visited if "Refund" in url or "note=" in url]
    finally:
        context.close()
