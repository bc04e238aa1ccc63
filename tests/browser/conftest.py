"""Browser tests: Playwright drives Debian's Chromium against Django's live server."""

import os

import pytest
from django.contrib.auth import get_user_model

from . import chromium

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make beside it
# are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "browser-test-password"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    executable = chromium.executable()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed: .ci/run installs Debian's chromium package.")
        pytest.skip("Chromium is not installed (apt-get install chromium).")
    return {
        **browser_type_launch_args,
        "executable_path": executable,
        "args": chromium.ARGS,
    }


def log_in(page, live_server, username: str, *, then: str | None = None, lands_on: str | None = None) -> None:
    """Logs `username` (password PASSWORD) in with the login form, asking to go on to `then` if
    given, and waits until the browser is on `lands_on`: by default `then`, else the overview."""
    page.goto(f"{live_server.url}/login/" + (f"?next={then}" if then else ""))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}{lands_on or then or '/'}")


@pytest.fixture
def csp_violations(page):
    """Console errors the Content Security Policy raised while the test ran (must stay empty)."""
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    return violations


@pytest.fixture
def manager_page(page, live_server, transactional_db, roles, csp_violations):
    """A page logged in as a manager, on the overview."""
    manager = get_user_model().objects.create_user("manager", password=PASSWORD, is_staff=True)
    manager.groups.add(roles["Managers"])
    page.set_default_timeout(10_000)
    log_in(page, live_server, "manager")
    yield page
    assert csp_violations == []
