"""A bot's webhook, set in a real browser with htmx: its secret shown once, a delivery re-sent."""

import re

from playwright.sync_api import expect

from distribution import routing
from distribution.models import Webhook, WebhookDelivery
from distribution.tokens import create_bot


def test_it_sets_a_webhook_shows_its_secret_and_resends_a_delivery(manager_page, live_server):
    bot, _ = create_bot(name="Telegram Sales")
    manager_page.goto(f"{live_server.url}/bots/{bot.pk}/")
    manager_page.evaluate("window.notReloaded = true")
    section = manager_page.locator("#webhook")

    section.get_by_label("URL").fill("https://hooks.example.com/minicrm")
    section.get_by_role("checkbox", name=re.compile("contact.assigned")).check()
    section.get_by_role("checkbox", name=re.compile("contact.closed")).check()
    section.get_by_role("button", name="Add webhook").click()

    secret = manager_page.locator("#secret-value")
    expect(secret).to_have_value(re.compile("^whsec_"))
    webhook = Webhook.objects.get(bot=bot)
    expect(secret).to_have_value(webhook.secret)
    assert webhook.events == ["contact.assigned", "contact.closed"]
    expect(manager_page.locator("#messages")).to_contain_text("shown only once")
    assert manager_page.evaluate("window.notReloaded") is True  # swapped by htmx, no page load

    contact = routing.register_contact(bot=bot, identity=routing.LeadIdentity(external_id="tg-1")).contact
    delivery = WebhookDelivery.objects.create(
        webhook=webhook, contact=contact, event="contact.waiting", payload={}, status="failed", attempts=9
    )
    manager_page.reload()
    expect(manager_page.locator("#secret-value")).to_have_count(0)
    row = manager_page.locator(f"#delivery-{delivery.pk}")
    expect(row).to_contain_text("Failed")

    row.get_by_role("button", name=re.compile("Re-send")).click()

    expect(row).to_contain_text("Pending")
    expect(manager_page.locator("#messages")).to_contain_text("will be sent again")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 0)
