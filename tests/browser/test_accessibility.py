"""Every page, in Russian and in English, with rows of every kind on it, and the states that htmx
actions leave behind, pass axe-core's WCAG 2.1 A and AA rules (axe-playwright-python ships
axe-core). The pages come from the URLconf: a new page is checked without editing this test."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import expect

from distribution import logins, routing
from distribution.models import Contact, Webhook

from ..test_dashboard_access import WORKSPACE, dashboard_urls
from .conftest import PASSWORD

AXE = Axe()
OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    # Experimental in axe-core, so off unless asked for: a control's name holds its visible text.
    "rules": {"label-content-name-mismatch": {"enabled": True}},
    "resultTypes": ["violations"],
}


def violations(page) -> list[str]:
    """axe-core's violations on the page as it is now, a line each: rule, help and the nodes."""
    # Between requests: the loading indicator, halfway through fading in, is no colour to measure.
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    # Axe.run() writes the options as Python (True), not JSON: its script is run here instead.
    page.evaluate(AXE.axe_script)
    found = page.evaluate("options => axe.run(document, options)", OPTIONS)["violations"]
    return [
        f"{page.url} {violation['id']}: {violation['help']} "
        + ", ".join(" ".join(node["target"]) for node in violation["nodes"])
        for violation in found
    ]


@pytest.fixture
def scene(transactional_db, roles, bot_with_operators, make_delivery, send):
    """A bot with two operators (one with a login), a webhook with a delivery, contacts open,
    waiting and closed, and leads with identifiers, two of them namesakes."""
    bot, (alice, bob) = bot_with_operators(weights=[10, 30], capacities=[2, 1])
    alice.name, bob.name = "Alice Morgan", "Bob Stone"
    alice.save(update_fields=["name"])
    bob.save(update_fields=["name"])
    user, _ = logins.create_login(operator=alice, username="alice")
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    people = [
        routing.LeadIdentity(
            external_id=f"tg-{n}", name="Anna Ivanova", email=f"anna{n}@example.ru", phone=f"+7999123450{n}"
        )
        for n in range(5)
    ]
    contacts = [send(bot, lead=person, message="Hello, I would like a sofa") for person in people]
    closed = next(contact for contact in contacts if contact.status == Contact.Status.OPEN)
    routing.close_contact(contact=closed, note="Sofa ordered")
    delivery = make_delivery(contacts[0])
    Webhook.objects.filter(pk=delivery.webhook_id).update(is_active=False)
    return {
        "bot": bot,
        "link": bot,
        "operator": alice,
        "bob": bob,
        "lead": contacts[0].lead,
        "contact": contacts[0],
        "delivery": delivery,
        "every_contact": contacts,
    }


def in_language(page, live_server, language: str) -> None:
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])


def log_in(page, base: str, username: str) -> None:
    """Log `username` in with the login form, in whichever language the page is."""
    page.goto(f"{base}/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("networkidle")


def check_pages(page, base: str, urls) -> list[str]:
    """Open each of `urls`, and check those that answer with a page (not a redirect, a 405 or a file)."""
    found = []
    for url in urls:
        answer = page.request.get(f"{base}{url}", max_redirects=0)
        if answer.status not in {200, 403, 404} or not answer.headers["content-type"].startswith("text/html"):
            continue
        page.goto(f"{base}{url}")
        page.wait_for_load_state("networkidle")
        found += violations(page)
    return found


def check_actions(page, base: str, scene) -> list[str]:
    """Do the htmx actions and check the page after each."""
    found = []
    alice, bob = scene["operator"], scene["bob"]
    page.on("dialog", lambda dialog: dialog.accept())

    page.goto(f"{base}/operators/")
    page.locator(f"#operator-{bob.pk} button.toggle").click()
    expect(page.locator(f"#operator-{bob.pk} button.toggle")).to_have_attribute("aria-pressed", "false")
    found += violations(page)
    page.locator(f"#capacity-{alice.pk}").evaluate("input => input.removeAttribute('min')")
    page.locator(f"#capacity-{alice.pk}").fill("0")
    page.locator(f"#capacity-{alice.pk} + button").click()
    expect(page.locator(f"#capacity-{alice.pk}")).to_have_attribute("aria-invalid", "true")
    found += violations(page)
    page.locator(f"#capacity-{alice.pk}").fill("3")
    page.locator(f"#capacity-{alice.pk} + button").click()
    expect(page.locator(f"#capacity-{alice.pk}")).not_to_have_attribute("aria-invalid", "true")
    found += violations(page)
    page.locator("#operators-content form input[name=name]").fill("   ")
    page.locator("#operators-content form:has(input[name=name]) button").click()
    expect(page.locator("#operators-content .error").first).to_be_visible()
    found += violations(page)
    page.locator(f"#operator-{alice.pk} form[hx-confirm] button").click()
    expect(page.locator(f"#operator-{alice.pk} form[hx-confirm]")).to_have_count(0)
    found += violations(page)

    page.goto(f"{base}{reverse('bot', args=[scene['bot'].pk])}")
    page.locator(f"#weight-{alice.pk}").fill("25")
    page.locator(f"#weight-{alice.pk} + button").click()
    expect(page.locator(f"#weight-{alice.pk}")).to_have_value("25")
    found += violations(page)

    page.goto(f"{base}/contacts/")
    waiting = next(contact for contact in scene["every_contact"] if contact.status == Contact.Status.WAITING)
    row = page.locator(f"#contact-{waiting.pk}")
    row.locator("form[hx-confirm] button").click()
    expect(row.locator("form[hx-confirm]")).to_have_count(0)
    found += violations(page)
    return found


def check_workspace(page, base: str, scene) -> list[str]:
    """The operator's pages, a 403 and Away's question."""
    mine = scene["operator"].contacts.filter(status=Contact.Status.OPEN).first()
    urls = []
    for name in sorted(WORKSPACE):
        try:
            urls.append(reverse(name))
        except NoReverseMatch:
            urls.append(reverse(name, kwargs={"pk": mine.pk}))
    found = check_pages(page, base, [*urls, reverse("bots")])
    page.goto(f"{base}/me/")
    page.locator("#my-status button").click()
    expect(page.locator("#my-status form[data-asking]")).to_be_visible()
    found += violations(page)
    return found


@pytest.mark.parametrize("language", ["ru", "en"])
def test_it_finds_no_violation_on_any_page_or_after_any_action(page, live_server, roles, scene, language):
    base = live_server.url
    page.set_default_timeout(10_000)
    page.emulate_media(reduced_motion="reduce")
    in_language(page, live_server, language)
    found = check_pages(page, base, [reverse("login"), reverse("api-docs"), "/no-such-page/"])
    log_in(page, base, "nobody")
    expect(page.locator("form .error").first).to_be_visible()
    found += violations(page)

    log_in(page, base, "alice")
    found += check_workspace(page, base, scene)
    page.context.clear_cookies()
    in_language(page, live_server, language)

    manager = get_user_model().objects.create_user("manager", password=PASSWORD, is_staff=True)
    manager.groups.add(roles["Managers"])
    log_in(page, base, "manager")
    found += check_pages(page, base, [url for _name, url in dashboard_urls(scene)])
    found += check_actions(page, base, scene)

    assert found == [], "\n".join(found)
