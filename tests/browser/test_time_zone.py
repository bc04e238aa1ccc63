"""A manager picks a time zone through the header's link with JavaScript off: the page's plain
form saves it, the browser comes back to the page it left, and its times follow."""

import datetime

from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from distribution import routing
from distribution.models import Contact
from distribution.tokens import create_bot

from .conftest import PASSWORD, log_in


def test_it_picks_a_zone_from_the_header(browser, live_server, transactional_db, roles):
    manager = get_user_model().objects.create_user("manager", password=PASSWORD, is_staff=True)
    manager.groups.add(roles["Managers"])
    bot, _ = create_bot(name="Telegram Sales")
    contact = routing.register_contact(bot=bot, identity=routing.LeadIdentity(external_id="tg-1")).contact
    moment = datetime.datetime(2026, 12, 6, 9, 30, tzinfo=datetime.UTC)
    Contact.objects.filter(pk=contact.pk).update(created_at=moment)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        log_in(page, live_server, "manager", then="/contacts/")
        created = page.locator(f"#contact-{contact.pk} time").first
        expect(created).to_have_attribute("datetime", "2026-12-06T09:30:00+00:00")

        page.get_by_role("link", name="Time: UTC (UTC+00:00)").click()
        page.get_by_label("Time zone").select_option("Asia/Vladivostok")
        page.get_by_role("button", name="Save").click()

        page.wait_for_url(f"{live_server.url}/contacts/")
        expect(page.get_by_text("Times are shown in Asia/Vladivostok (UTC+10:00).")).to_be_visible()
        expect(page.get_by_role("link", name="Time: Asia/Vladivostok (UTC+10:00)")).to_be_visible()
        expect(created).to_have_attribute("datetime", "2026-12-06T19:30:00+10:00")
    finally:
        context.close()
