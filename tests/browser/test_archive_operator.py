"""A manager archives an operator from its page, confirming first, and unarchives it."""

from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from distribution import routing
from distribution.models import Contact, Operator
from distribution.tokens import create_bot

from .conftest import PASSWORD, log_in


def olga_with_a_contact() -> Operator:
    """Olga and Boris on one bot; Olga holds an open contact."""
    bot, _ = create_bot(name="Telegram Sales")
    olga = Operator.objects.create(name="Olga", max_open_contacts=10)
    routing.set_weight(bot=bot, operator=olga, weight=10)
    routing.register_contact(bot=bot, identity=routing.LeadIdentity(external_id="tg-1"))
    boris = Operator.objects.create(name="Boris", max_open_contacts=10)
    routing.set_weight(bot=bot, operator=boris, weight=10)
    return olga


def test_it_archives_after_asking_and_unarchives(manager_page, live_server):
    olga = olga_with_a_contact()
    page = manager_page
    page.goto(f"{live_server.url}/operators/{olga.pk}/")
    edit = page.locator("#operator-edit")

    page.once("dialog", lambda dialog: dialog.dismiss())
    edit.get_by_role("button", name="Archive…").click()
    expect(edit.get_by_role("button", name="Archive…")).to_be_visible()
    assert Operator.objects.get(pk=olga.pk).archived_at is None

    page.once("dialog", lambda dialog: dialog.accept())
    edit.get_by_role("button", name="Archive…").click()
    expect(page.locator("#messages")).to_contain_text(
        "Olga archived; 1 open contact handed back to the queue"
    )
    expect(page.locator("#operator-edit")).to_contain_text("Archived on")
    expect(page.get_by_role("button", name="Switch Olga on")).to_have_count(0)
    assert Contact.objects.get().operator.name == "Boris"

    page.goto(f"{live_server.url}/operators/")
    expect(page.locator("#operators-content")).not_to_contain_text("Olga")
    page.get_by_role("link", name="Archived operators").click()
    page.get_by_role("button", name="Unarchive Olga").click()
    expect(page.locator("#messages")).to_contain_text("Olga is back, switched off")
    assert Operator.objects.get(pk=olga.pk).archived_at is None


def test_it_asks_on_a_page_of_its_own_without_javascript(browser, live_server, transactional_db, roles):
    olga = olga_with_a_contact()
    get_user_model().objects.create_user("manager", password=PASSWORD).groups.add(roles["Managers"])
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server, "manager", then=f"/operators/{olga.pk}/")

    page.get_by_role("button", name="Archive…").click()
    expect(page.get_by_role("heading", name="Archive Olga")).to_be_visible()
    page.get_by_role("button", name="Archive", exact=True).click()

    expect(page.locator("#messages")).to_contain_text("Olga archived")
    assert Operator.objects.get(pk=olga.pk).archived_at is not None
    context.close()
