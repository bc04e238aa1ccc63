"""A refusal, seen in a real browser: htmx shows it in the messages area, the page stays."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from distribution.models import Operator

from .conftest import PASSWORD, log_in


def test_it_shows_a_missing_permission_in_place(page, live_server, transactional_db, csp_violations):
    operator = Operator.objects.create(name="Operator A")
    viewer = get_user_model().objects.create_user("viewer", password=PASSWORD)
    viewer.user_permissions.add(Permission.objects.get(codename="view_operator"))
    page.set_default_timeout(10_000)
    log_in(page, live_server, "viewer", then="/operators/")
    page.evaluate("window.notReloaded = true")

    page.get_by_role("button", name=operator.name, pressed=True).click()

    expect(page.locator("#messages")).to_contain_text(
        "Not allowed. This needs the permission “Can change operator”"
    )
    expect(page.get_by_role("button", name=operator.name, pressed=True)).to_be_visible()  # row unchanged
    assert page.evaluate("window.notReloaded") is True
    operator.refresh_from_db()
    assert operator.is_active
    assert csp_violations == []
