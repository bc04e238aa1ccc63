# ruff: noqa: RUF001  (dashes between dates, as a manager types them)
"""Rule 11 in a browser: a manager sets a bot's week with JavaScript and without it; a contact
sent while the bot is closed hears when it opens, and at the opening it reaches an operator's
/me/ live."""

import datetime

from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from distribution import routing, tasks
from distribution.models import Bot, Operator
from distribution.tokens import create_bot

from .conftest import PASSWORD, log_in, operator_with_login

# A refresh every 3 s, on a busy machine.
LIVE = 10_000


def fill_interval(page, day: str, number: int, start: str, end: str) -> None:
    page.get_by_label(f"{day}, interval {number}: from").fill(start)
    page.get_by_label(f"{day}, interval {number}: to").fill(end)


def test_it_sets_a_bots_week_without_javascript(browser, live_server, transactional_db, roles):
    manager = get_user_model().objects.create_user("manager", password=PASSWORD, is_staff=True)
    manager.groups.add(roles["Managers"])
    bot, _ = create_bot(name="Telegram Sales")
    page = browser.new_context(java_script_enabled=False).new_page()
    log_in(page, live_server, "manager", then=f"/bots/{bot.pk}/")
    expect(page.get_by_label("Monday, interval 3: from")).to_have_count(0)

    fill_interval(page, "Monday", 1, "09:00", "13:00")
    fill_interval(page, "Monday", 2, "14:00", "18:00")
    fill_interval(page, "Saturday", 1, "22:00", "06:00")
    page.get_by_label("Days off").fill("2027-01-01 – 2027-01-03")
    page.get_by_label("Time zone").select_option("Europe/Moscow")
    page.get_by_role("button", name="Save hours").click()

    expect(page.locator("#messages")).to_contain_text("Working hours of Telegram Sales saved.")
    assert Bot.objects.get(pk=bot.pk).hours == {
        "time_zone": "Europe/Moscow",
        "week": [
            [["09:00", "13:00"], ["14:00", "18:00"]],
            [],
            [],
            [],
            [],
            [["22:00", "24:00"]],
            [["00:00", "06:00"]],
        ],
        "days_off": ["2027-01-01", "2027-01-02", "2027-01-03"],
    }
    # The page shows the week as typed, with room for one more interval on the busiest day.
    expect(page.get_by_label("Saturday, interval 1: to")).to_have_value("06:00")
    expect(page.get_by_label("Sunday, interval 1: from")).to_have_value("")
    expect(page.get_by_label("Monday, interval 3: from")).to_have_value("")
    expect(page.get_by_label("Days off")).to_have_value("2027-01-01 – 2027-01-03")

    # A mistake comes back beside what was typed.
    fill_interval(page, "Tuesday", 1, "18:00", "18:00")
    page.get_by_role("button", name="Save hours").click()

    expect(page.locator("#hours")).to_contain_text("An interval cannot end when it starts.")
    expect(page.get_by_label("Tuesday, interval 1: to")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Monday, interval 2: from")).to_have_value("14:00")
    assert Bot.objects.get(pk=bot.pk).hours["week"][1] == []

    page.get_by_role("button", name="Always open").click()
    expect(page.locator("#messages")).to_contain_text("Telegram Sales is always open now.")
    assert Bot.objects.get(pk=bot.pk).hours is None


def test_it_sets_a_bots_week_in_place_with_javascript(manager_page, live_server, clock):
    bot, _ = create_bot(name="Telegram Sales")
    today = clock.now.astimezone(datetime.UTC).date()
    manager_page.goto(f"{live_server.url}/bots/{bot.pk}/")
    manager_page.evaluate("window.notReloaded = true")

    for day in ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]:
        fill_interval(manager_page, day, 1, "09:00", "18:00")
    manager_page.get_by_label("Days off").fill(today.isoformat())
    manager_page.get_by_label("Time zone").select_option("UTC")
    manager_page.get_by_role("button", name="Save hours").click()

    expect(manager_page.locator("#messages")).to_contain_text("Working hours of Telegram Sales saved.")
    expect(manager_page.locator("#hours")).to_contain_text("Closed now, until tomorrow, 09:00.")
    expect(manager_page.locator("#bot-heading")).to_contain_text("closed until tomorrow, 09:00")
    expect(manager_page.get_by_label("Days off")).to_have_value(today.isoformat())
    assert manager_page.evaluate("window.notReloaded") is True
    assert Bot.objects.get(pk=bot.pk).hours["days_off"] == [today.isoformat()]

    manager_page.get_by_label("Tuesday, interval 2: from").fill("08:00")
    manager_page.get_by_label("Tuesday, interval 2: to").fill("10:00")
    manager_page.get_by_role("button", name="Save hours").click()
    expect(manager_page.locator("#hours")).to_contain_text("Tuesday's hours overlap.")
    expect(manager_page.get_by_label("Tuesday, interval 2: from")).to_have_value("08:00")
    assert manager_page.evaluate("window.notReloaded") is True


def test_a_contact_sent_while_closed_reaches_me_live_at_the_opening(
    manager_page, live_server, workspace_of, clock
):
    bot, token = create_bot(name="Telegram Sales")
    operator = operator_with_login("Olga", capacity=5)
    routing.set_weight(bot=bot, operator=operator, weight=10)
    # Open all day every day but today, a day off: it opens at midnight.
    today = clock.now.astimezone(datetime.UTC).date()
    opening = datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time(), datetime.UTC)
    hours = {"time_zone": "UTC", "week": [[["00:00", "24:00"]]] * 7, "days_off": [today.isoformat()]}
    Bot.objects.filter(pk=bot.pk).update(hours=hours)
    page = workspace_of(Operator.objects.get(pk=operator.pk))
    contacts = page.locator("#my-contacts")
    expect(contacts).to_contain_text("No open contacts")

    response = manager_page.request.post(
        f"{live_server.url}/api/contacts",
        data={"lead": {"external_id": "tg-5511", "name": "Anna"}, "message": "Are you open?"},
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status == 202
    answer = response.json()
    assert (answer["status"], answer["open"], answer["opens_at"]) == ("waiting", False, opening.isoformat())
    manager_page.goto(f"{live_server.url}/")
    expect(manager_page.locator("main")).to_contain_text("closed until tomorrow, 00:00")

    # The worker's sweep just before the opening leaves it waiting; the one at the opening assigns it.
    clock.advance(opening - clock.now - datetime.timedelta(seconds=1))
    tasks.sweep_idle_contacts.call()
    expect(contacts).to_contain_text("No open contacts")
    clock.advance(datetime.timedelta(seconds=1))
    assert tasks.sweep_idle_contacts.call()["assigned"] == 1

    expect(contacts).to_contain_text("Are you open?", timeout=LIVE)
    assert page.evaluate("window.notReloaded") is True
