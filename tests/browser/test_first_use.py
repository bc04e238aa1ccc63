"""What a manager trying the dashboard for the first time tripped over, seen in a real browser."""

from playwright.sync_api import expect

from distribution.models import Operator


def test_back_shows_the_true_state_of_an_operator(manager_page, live_server):
    operator = Operator.objects.create(name="Olga", max_open_contacts=2)
    manager_page.goto(f"{live_server.url}/operators/")
    row = manager_page.locator(f"#operator-{operator.pk}")
    row.get_by_role("button", name="Switch Olga off").click()
    expect(row.get_by_role("button", name="Switch Olga on")).to_be_visible()

    manager_page.get_by_role("link", name="Bots").click()
    expect(manager_page.get_by_role("heading", name="Bots")).to_be_visible()
    manager_page.go_back()

    expect(row.get_by_role("button", name="Switch Olga on")).to_be_visible()
    expect(row).to_have_class("off")
