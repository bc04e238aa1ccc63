"""The bots' API documentation at /api/docs: Swagger UI from our own static files renders the
OpenAPI document under the project's Content Security Policy."""

from playwright.sync_api import expect

from distribution.tokens import create_bot


def test_it_renders_every_operation_and_webhook_from_our_own_files(page, live_server, transactional_db):
    problems, requests = [], []
    page.on("console", lambda message: message.type in ("error", "warning") and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))
    page.set_default_timeout(10_000)

    response = page.goto(f"{live_server.url}/api/docs")

    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe" not in policy
    for method, path in [
        ("POST", "/api/contacts"),
        ("GET", "/api/contacts"),
        ("GET", "/api/contacts/{id}"),
        ("POST", "/api/contacts/{id}/close"),
        ("POST", "/api/contacts/close"),
        ("GET", "/healthz"),
    ]:
        operation = page.locator(
            f".opblock-{method.lower()}", has=page.locator(".opblock-summary-path", has_text=path)
        )
        expect(operation.first).to_be_visible()
    for event in ("contact.assigned", "contact.waiting", "contact.closed"):
        expect(page.get_by_text(event, exact=True).first).to_be_visible()
    page.locator(".opblock-summary-path", has_text="/api/contacts/{id}/close").click()
    expect(page.get_by_text("This bot has no such contact").first).to_be_visible()
    assert problems == []
    assert all(url.startswith((live_server.url, "data:")) for url in requests), requests


def test_each_bot_s_page_links_to_it(manager_page, live_server):
    bot, _ = create_bot(name="Telegram Sales")
    manager_page.goto(f"{live_server.url}/bots/{bot.pk}/")

    manager_page.locator("#token").get_by_role("link", name="the API documentation").click()

    manager_page.wait_for_url(f"{live_server.url}/api/docs")
    expect(manager_page.locator(".opblock").first).to_be_visible()


def test_it_shows_one_webhooks_heading_with_the_events_under_it(page, live_server, transactional_db):
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/api/docs")
    expect(page.locator(".opblock").first).to_be_visible()

    headings = page.get_by_text("Webhooks", exact=True)

    expect(headings).to_have_count(1)
    expect(page.locator(".webhooks").get_by_text("contact.closed", exact=True)).to_be_visible()


def test_it_leads_back_to_the_dashboard(manager_page, live_server):
    manager_page.goto(f"{live_server.url}/api/docs")

    manager_page.get_by_role("link", name="Back to the dashboard").click()

    manager_page.wait_for_url(f"{live_server.url}/")
