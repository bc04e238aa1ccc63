"""The contacts filter's period, in a browser: "Today" after a custom range shows today's contacts
and says so, and a date typed switches the period to "From … to"."""

import datetime
import re

from django.utils import timezone
from playwright.sync_api import expect

from distribution import routing
from distribution.models import Contact
from distribution.tokens import create_bot


def test_today_after_a_custom_range_shows_today(manager_page, live_server):
    bot, _ = create_bot(name="Telegram Sales")
    old, new = (
        routing.register_contact(bot=bot, identity=routing.LeadIdentity(external_id=f"tg-{n}")).contact
        for n in range(2)
    )
    today = timezone.localdate()
    ten_days_ago = today - datetime.timedelta(days=10)
    Contact.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=10))
    manager_page.goto(f"{live_server.url}/contacts/")
    period = manager_page.get_by_label("Period")
    start, end = manager_page.get_by_label("From", exact=True), manager_page.get_by_label("To", exact=True)

    period.select_option("custom")
    start.fill((ten_days_ago - datetime.timedelta(days=1)).isoformat())
    end.fill((ten_days_ago + datetime.timedelta(days=1)).isoformat())

    expect(manager_page.locator(f"#contact-{old.pk}")).to_be_visible()
    expect(manager_page.locator(f"#contact-{new.pk}")).to_have_count(0)

    period.select_option("today")

    expect(manager_page.locator(f"#contact-{new.pk}")).to_be_visible()
    expect(manager_page.locator(f"#contact-{old.pk}")).to_have_count(0)
    label = manager_page.locator("#contacts-period")
    expect(label).to_contain_text("Created on")
    expect(label.locator(f'time[datetime="{today.isoformat()}"]')).to_have_count(1)
    expect(start).to_have_value(today.isoformat())
    expect(end).to_have_value(today.isoformat())
    expect(manager_page).to_have_url(re.compile(r"/contacts/\?period=today$"))

    start.fill((today - datetime.timedelta(days=1)).isoformat())

    expect(period).to_have_value("custom")
    expect(label).to_contain_text("Created from")
